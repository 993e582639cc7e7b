from django.urls import path

from keepwell.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
    path("runs/<int:run_id>/accept/", views.run_accept, name="run_accept"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/offer/", views.round_offer, name="round_offer"),
    path(
        "rounds/<int:round_id>/drivers/<int:driver_id>/",
        views.run_sheet,
        name="run_sheet",
    ),
]
