from django.urls import path

from keepwell.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.cohort, name="cohort"),
    path("cohort.csv", views.cohort_csv, name="cohort_csv"),
    path("measures/", views.measures, name="measures"),
    path("people/<int:person_id>/", views.person_outcomes, name="person"),
    path("people/<int:person_id>/record/", views.record, name="record"),
]
