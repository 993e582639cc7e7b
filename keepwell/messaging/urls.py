from django.urls import path  # noqa: F401 (each area adds its pages below)

app_name = "messaging"
urlpatterns: list = []

# The in-app inbox (moved here from referrals' notifications).
from keepwell.messaging.views import inbox as inbox_views  # noqa: E402

urlpatterns += [
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read/", inbox_views.inbox_read, name="inbox_read"),
]

# Conversations with people, and the texts waiting for a coordinator's answer.
from keepwell.messaging.views import conversation as conversation_views  # noqa: E402

urlpatterns += [
    path(
        "people/<int:person_id>/conversation/",
        conversation_views.person_conversation,
        name="conversation",
    ),
    path("replies/", conversation_views.replies, name="replies"),
]

# The communication audit, channels logged by hand, and the 12-month review.
from keepwell.messaging.views import audit as audit_views  # noqa: E402

urlpatterns += [
    path("audit/", audit_views.audit, name="audit"),
    path("audit/log/", audit_views.hand_log, name="audit_log"),
    path("audit/review/", audit_views.review, name="audit_review"),
]

# Broadcasts to an audience, their preview, schedule and cancel, and the share kit.
from keepwell.messaging.views import broadcasts as broadcast_views  # noqa: E402

urlpatterns += [
    path("broadcasts/", broadcast_views.broadcast_list, name="broadcasts"),
    path("broadcasts/new/", broadcast_views.broadcast_new, name="broadcast_new"),
    path("broadcasts/<int:broadcast_id>/", broadcast_views.broadcast_detail, name="broadcast"),
    path(
        "broadcasts/<int:broadcast_id>/edit/",
        broadcast_views.broadcast_edit,
        name="broadcast_edit",
    ),
    path(
        "broadcasts/<int:broadcast_id>/schedule/",
        broadcast_views.broadcast_schedule,
        name="broadcast_schedule",
    ),
    path(
        "broadcasts/<int:broadcast_id>/cancel/",
        broadcast_views.broadcast_cancel,
        name="broadcast_cancel",
    ),
    path(
        "broadcasts/<int:broadcast_id>/share/",
        broadcast_views.broadcast_share,
        name="broadcast_share",
    ),
    path(
        "broadcasts/<int:broadcast_id>/leaflet.pdf",
        broadcast_views.broadcast_leaflet,
        name="broadcast_leaflet",
    ),
]

# How a person would like to be reached, and the calls coordinators make.
from keepwell.messaging.views import people as people_views  # noqa: E402

urlpatterns += [
    path(
        "people/<int:person_id>/preferences/",
        people_views.person_preferences,
        name="preferences",
    ),
    path("calls/", people_views.call_list, name="calls"),
    path("calls/<int:message_id>/", people_views.call_detail, name="call"),
]

# The outbox: every message as its recipient sees it, and letters as printed.
from keepwell.messaging.views import outbox as outbox_views  # noqa: E402

urlpatterns += [
    path("outbox/", outbox_views.outbox, name="outbox"),
    path("outbox/<int:message_id>/letter.pdf", outbox_views.letter, name="outbox_letter"),
]

# The words keepwell sends: every kind by language, a translator's form, a reviewer's decision.
from keepwell.messaging.views import templates as template_views  # noqa: E402
from keepwell.messaging.views import words as word_views  # noqa: E402

urlpatterns += [
    path("templates/", template_views.template_list, name="templates"),
    path(
        "templates/versions/<int:template_id>/review/",
        template_views.template_review,
        name="template_review",
    ),
    # Other rooms' words (a survey's questions), through the same workflow.
    path(
        "templates/words/versions/<int:version_id>/review/",
        word_views.words_review,
        name="words_review",
    ),
    path(
        "templates/words/<str:source>/<int:document>/<str:language>/",
        word_views.words,
        name="words",
    ),
    path(
        "templates/<str:key>/<str:channel>/<str:language>/",
        template_views.template_slot,
        name="template",
    ),
]
