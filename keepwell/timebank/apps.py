from django.apps import AppConfig

from keepwell.core.navigation import NavItem
from keepwell.people.merging import PersonMerge


class TimebankConfig(AppConfig):
    name = "keepwell.timebank"
    label = "timebank"
    verbose_name = "Time bank"
    navigation = [NavItem("Time bank", "timebank:index", "timebank.use_timebank", 60)]
    # Accounts and invitations follow a person's record when a duplicate is merged into it.
    person_merge = PersonMerge(
        "Time bank",
        holds="keepwell.timebank.merging.holds",
        refusal="keepwell.timebank.merging.refusal",
        move="keepwell.timebank.merging.move",
    )
