from django.urls import path

from keepwell.help import views

app_name = "help"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("areas/<slug:slug>/", views.area_queue, name="area_queue"),
    path("call/", views.call, name="call"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/merge/", views.request_merge, name="request_merge"),
    path(
        "requests/<int:request_id>/not-duplicate/",
        views.request_not_duplicate,
        name="request_not_duplicate",
    ),
    path("requests/<int:request_id>/cancel/", views.request_cancel, name="request_cancel"),
    path("tasks/<int:task_id>/assign/", views.task_assign, name="task_assign"),
    path("ask/", views.ask_index, name="ask_index"),
    path("ask/<slug:slug>/", views.ask, name="ask"),
    path("ask/<slug:slug>/sent/", views.ask_done, name="ask_done"),
    path("triage/", views.triage, name="triage"),
    path("triage/<int:public_id>/dismiss/", views.triage_dismiss, name="triage_dismiss"),
    path("nhs-lists/", views.nhs_lists, name="nhs_lists"),
    path("nhs-lists/<int:list_id>/", views.nhs_list, name="nhs_list"),
    path("volunteers/", views.volunteer_list, name="volunteers"),
    path("volunteers/new/", views.volunteer_add, name="volunteer_add"),
    path("volunteers/expiring/", views.expiring, name="expiring"),
    path("volunteers/<int:volunteer_id>/", views.volunteer_detail, name="volunteer"),
    path("volunteers/<int:volunteer_id>/edit/", views.volunteer_edit, name="volunteer_edit"),
    path("volunteers/<int:volunteer_id>/status/", views.volunteer_status, name="volunteer_status"),
    path("volunteers/<int:volunteer_id>/checks/new/", views.check_add, name="check_add"),
    path(
        "volunteers/<int:volunteer_id>/authorisations/new/",
        views.authorisation_add,
        name="authorisation_add",
    ),
    path(
        "volunteers/<int:volunteer_id>/authorisations/<int:authorisation_id>/revoke/",
        views.authorisation_revoke,
        name="authorisation_revoke",
    ),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("my-tasks/<int:task_id>/", views.my_task, name="my_task"),
    path("my-tasks/<int:task_id>/respond/", views.task_respond, name="task_respond"),
    path("tasks/<int:task_id>/concern/", views.concern_raise, name="concern_raise"),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/<int:concern_id>/", views.concern_detail, name="concern"),
    path(
        "concerns/<int:concern_id>/acknowledge/",
        views.concern_acknowledge,
        name="concern_acknowledge",
    ),
    path("concerns/<int:concern_id>/close/", views.concern_close, name="concern_close"),
    # Where a group's concerns go: its contacts and routing rules.
    path("concerns/routing/", views.concern_routing_groups, name="concern_routing_groups"),
    path("concerns/routing/<slug:slug>/", views.concern_routing, name="concern_routing"),
    path(
        "concerns/routing/<slug:slug>/contacts/new/",
        views.concern_contact_add,
        name="concern_contact_add",
    ),
    path(
        "concerns/routing/<slug:slug>/contacts/<int:contact_id>/",
        views.concern_contact_edit,
        name="concern_contact_edit",
    ),
    path(
        "concerns/routing/<slug:slug>/contacts/<int:contact_id>/delete/",
        views.concern_contact_delete,
        name="concern_contact_delete",
    ),
    path(
        "concerns/routing/<slug:slug>/rules/new/", views.routing_rule_add, name="routing_rule_add"
    ),
    path(
        "concerns/routing/<slug:slug>/rules/<int:rule_id>/",
        views.routing_rule_edit,
        name="routing_rule_edit",
    ),
    path(
        "concerns/routing/<slug:slug>/rules/<int:rule_id>/delete/",
        views.routing_rule_delete,
        name="routing_rule_delete",
    ),
]
