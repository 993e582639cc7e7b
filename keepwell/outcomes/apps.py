from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PersonLink
from keepwell.core.timeline import TimelineSource
from keepwell.people.merging import PersonMerge


class OutcomesConfig(AppConfig):
    name = "keepwell.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes"
    navigation = [NavItem("Outcomes", "outcomes:cohort", "outcomes.view_cohort", 60)]
    # Follow-ups fall due by the day; checking hourly is plenty.
    periodic_tasks = [("keepwell.outcomes.tasks.followup_reminders_task", 3600)]
    # Outcome plans follow a person's record when a duplicate is merged into it.
    person_merge = PersonMerge(
        "Outcomes",
        holds="keepwell.outcomes.merging.holds",
        refusal="keepwell.outcomes.merging.refusal",
        move="keepwell.outcomes.merging.move",
    )
    person_links = [
        PersonLink(
            "Wellbeing over time (outcomes)", "outcomes:person", "outcomes.view_person_outcomes", 40
        ),
        PersonLink("Record wellbeing answers", "outcomes:record", "outcomes.record_answers", 45),
    ]
    # Wellbeing answers on the person's timeline (keepwell/core/timeline.py).
    timeline_sources = [
        TimelineSource(
            "Outcomes",
            "keepwell.outcomes.timeline.entries",
            "outcomes.view_person_outcomes",
            30,
        )
    ]
