from django.urls import path

from keepwell.funding.expenses import views

app_name = "expenses"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.new, name="new"),
    path("claim/<int:claim_id>/", views.claim_detail, name="claim"),
    path("claim/<int:claim_id>/costs/new/", views.line_add, name="line_add"),
    path("claim/<int:claim_id>/sessions/new/", views.session_add, name="session_add"),
    path("claim/<int:claim_id>/submit/", views.submit, name="submit"),
    path("claim/<int:claim_id>/decide/", views.decide, name="decide"),
    path("cost/<int:line_id>/remove/", views.line_remove, name="line_remove"),
    path("cost/<int:line_id>/receipt/", views.receipt, name="receipt"),
    path("session/<int:session_id>/remove/", views.session_remove, name="session_remove"),
    path("queue/", views.queue, name="queue"),
    path("organisation/<int:organisation_id>/export/", views.export, name="export"),
    path("organisation/<int:organisation_id>/limits/", views.limits, name="limits"),
    path("organisation/<int:organisation_id>/roles/", views.roles, name="roles"),
    path("role/<int:role_id>/end/", views.role_end, name="role_end"),
    path("payment-file/<int:export_id>.csv", views.export_csv, name="export_csv"),
]
