from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PersonLink
from keepwell.core.timeline import TimelineSource


class PeopleConfig(AppConfig):
    name = "keepwell.people"
    label = "people"
    verbose_name = "People"
    navigation = [NavItem("People", "people:list", "people.list_people", 20)]
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
