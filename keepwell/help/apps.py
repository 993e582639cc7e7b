from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink
from keepwell.core.timeline import TimelineSource
from keepwell.people.merging import PersonMerge


class HelpConfig(AppConfig):
    name = "keepwell.help"
    label = "help"
    verbose_name = "Mutual aid"
    # Menu entries test roles only (cached on the user), so no page pays extra queries.
    navigation = [
        NavItem("Mutual aid", "help:dashboard", "help.menu_dashboard", 30),
        NavItem("My tasks", "help:my_tasks", "help.menu_my_tasks", 31),
        NavItem("Concerns", "help:concerns", "help.menu_concerns", 32),
    ]
    public_links = [
        PublicLink(
            "Ask for help",
            "help:ask_index",
            "Ask a local group for shopping, a lift, a friendly call or other everyday help, "
            "for yourself or someone else.",
            20,
        )
    ]
    # Requests and concerns follow a person's record when a duplicate is merged into it.
    person_merge = PersonMerge(
        "Mutual aid",
        holds="keepwell.help.merging.holds",
        refusal="keepwell.help.merging.refusal",
        move="keepwell.help.merging.move",
    )
    # Unacknowledged doorstep concerns escalate; checked every five minutes.
    # Reminders before tasks every quarter of an hour; expiring checks once a day.
    periodic_tasks = [
        ("keepwell.help.tasks.escalate_concerns", 300),
        ("keepwell.help.tasks.remind_volunteers", 900),
        ("keepwell.help.tasks.warn_expiring", 86400),
    ]
    # A volunteer's YES or NO texted back to a task offer (keepwell/messaging/inbound.py).
    message_answers = {"task_offer": "keepwell.help.replies.answer_offer"}
    # Help asked for and concerns raised, on the person's timeline (keepwell/core/timeline.py).
    timeline_sources = [
        TimelineSource("Mutual aid", "keepwell.help.timeline.entries", "people.view_person", 20)
    ]
