from django.urls import path

from keepwell.spaces import views

app_name = "spaces"
urlpatterns = [
    path("", views.search, name="search"),
    path("mine/", views.mine, name="mine"),
    path("approvals/", views.approvals, name="approvals"),
    path("<int:space_id>/", views.space_detail, name="space"),
    path("<int:space_id>/book/", views.book, name="book"),
    path("<int:space_id>/edit/", views.edit_space, name="edit_space"),
    path("new/<slug:slug>/", views.new_space, name="new_space"),
    path("<uuid:uuid>/calendar.ics", views.space_calendar, name="space_calendar"),
    path("booking/<int:booking_id>/", views.booking_detail, name="booking"),
    path("booking/<int:booking_id>/decide/", views.decide, name="decide"),
    path("booking/<int:booking_id>/cancel/", views.cancel, name="cancel"),
    path("group/<slug:slug>/", views.group_bookings, name="group"),
    path("group/<slug:slug>/calendar/new/", views.new_feed, name="new_feed"),
    path("calendar/<str:token>.ics", views.group_calendar, name="group_calendar"),
    path("estate/<slug:slug>/", views.estate, name="estate"),
]
