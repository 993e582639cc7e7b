from django.urls import path
from django.views.generic import RedirectView

from keepwell.referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    # The inbox moved to messaging; old bookmarks and links still arrive there.
    path(
        "notifications/",
        RedirectView.as_view(pattern_name="messaging:inbox", permanent=True, query_string=True),
        name="notifications",
    ),
    path(
        "notifications/read/",
        RedirectView.as_view(pattern_name="messaging:inbox", permanent=True),
        name="notifications_read",
    ),
    path("services/", views.find_service, name="find_service"),
    path("services/<int:service_id>/door/", views.door, name="door"),
    path("self/", views.self_refer, name="self_refer"),
    path("self/sent/", views.self_refer_done, name="self_refer_done"),
    # The person's timeline moved to people; old bookmarks and texted links still arrive.
    path(
        "people/<int:person_id>/timeline/",
        RedirectView.as_view(pattern_name="people:timeline", permanent=True),
        name="timeline",
    ),
    path("people/<int:person_id>/refer/", views.refer_start, name="refer_start"),
    path("people/<int:person_id>/refer/<int:service_id>/", views.refer, name="refer"),
    path("people/<int:person_id>/ask-practice/", views.refer_to_practice, name="refer_to_practice"),
    path("people/<int:person_id>/strengths/", views.strengths, name="strengths"),
    path(
        "concerns/<int:concern_id>/ask-practice/",
        views.concern_to_practice,
        name="concern_to_practice",
    ),
    path("<int:referral_id>/", views.detail, name="detail"),
    path("<int:referral_id>/status/", views.change_status, name="change_status"),
]
