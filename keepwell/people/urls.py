from django.urls import path

from keepwell.people import views

app_name = "people"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("<int:person_id>/", views.person_detail, name="detail"),
    path("<int:person_id>/edit/", views.person_edit, name="edit"),
    path("<int:person_id>/consent/", views.consent_add, name="consent_add"),
    path(
        "<int:person_id>/consent/<int:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:person_id>/household/", views.household_add, name="household_add"),
    path("<int:person_id>/audit/", views.person_audit, name="audit"),
    path("<int:person_id>/timeline/", views.person_timeline, name="timeline"),
    path("<int:person_id>/merge/", views.merge, name="merge"),
]
