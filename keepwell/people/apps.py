from django.apps import AppConfig

from keepwell.core.navigation import NavItem, OwnRecordLink, PersonLink
from keepwell.core.timeline import TimelineSource


class PeopleConfig(AppConfig):
    name = "keepwell.people"
    label = "people"
    verbose_name = "People"
    navigation = [NavItem("People", "people:list", "people.list_people", 20)]
    own_record_links = [
        OwnRecordLink(
            "Your details",
            "people:detail",
            "people.view_person",
            "What keepwell holds about you, and how to change it.",
            10,
        ),
        OwnRecordLink(
            "Who has seen your record",
            "people:audit",
            "audit.view_person_audit",
            "Everyone who has looked at or changed your record, and why.",
            20,
        ),
    ]
    # The person's timeline gathers every capability's ``timeline_sources``; what they could
    # give (strengths) is this room's own.
    person_links = [
        PersonLink(
            "Timeline: referrals, help and outcomes", "people:timeline", "people.view_person", 10
        )
    ]
    timeline_sources = [
        TimelineSource(
            "Strengths", "keepwell.people.timeline.strength_entries", "people.view_person", 40
        )
    ]
