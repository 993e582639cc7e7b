from django.urls import path

from keepwell.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("public/", views.public_index, name="public_index"),
    path("public/schema.json", views.schema, name="schema"),
    path("public/<slug:slug>/", views.public, name="public"),
    path("public/<slug:slug>/figures.csv", views.export_csv, name="export_csv"),
    path("public/<slug:slug>/figures.json", views.export_json, name="export_json"),
]
