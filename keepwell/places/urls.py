from django.urls import path

from keepwell.places import views

app_name = "places"
url_prefix = "areas/"
urlpatterns = [
    path("", views.area_list, name="areas"),
    path("<slug:slug>/", views.area_detail, name="area"),
]
