from django.urls import path

from keepwell.funding import views

app_name = "funding"
urlpatterns = [
    path("", views.index, name="index"),
    path("share/", views.share, name="share"),
    path("360giving.json", views.giving_json, name="giving_json"),
    path("360giving.csv", views.giving_csv, name="giving_csv"),
    path("programmes/<slug:slug>/", views.programme, name="programme"),
    path("programmes/<slug:slug>/apply/", views.apply, name="apply"),
    path("programmes/<slug:slug>/panel/", views.panel, name="panel"),
    path("applications/", views.mine, name="mine"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/edit/", views.application_edit, name="application_edit"),
    path("applications/<int:pk>/send/", views.application_submit, name="application_submit"),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application_withdraw"
    ),
    path("applications/<int:pk>/review/", views.application_review, name="application_review"),
    path("applications/<int:pk>/score/", views.application_score, name="application_score"),
    path("applications/<int:pk>/decide/", views.application_decide, name="application_decide"),
    path("awards/", views.awards, name="awards"),
    path("awards/<int:pk>/", views.award, name="award"),
    path("awards/<int:pk>/pay/", views.award_pay, name="award_pay"),
    path("awards/<int:pk>/reports/new/", views.award_report_new, name="award_report_new"),
    path("reports/<int:pk>/received/", views.report_received, name="report_received"),
    path("funders/<int:pk>/", views.dashboard, name="dashboard"),
    path("funders/<int:pk>/programmes/new/", views.programme_new, name="programme_new"),
    path("funders/<int:pk>/budget/", views.investment, name="investment"),
]
