from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PersonLink, PublicLink
from keepwell.core.timeline import TimelineSource
from keepwell.people.merging import PersonMerge


class ReferralsConfig(AppConfig):
    name = "keepwell.referrals"
    label = "referrals"
    verbose_name = "Referrals"
    navigation = [NavItem("Referrals", "referrals:inbox", "referrals.view_inbox", 40)]
    public_links = [
        PublicLink(
            "Refer yourself to a service",
            "referrals:self_refer",
            "Ask a community service to contact you. You do not need your GP to refer you.",
            30,
        )
    ]
    # Remind services of referrals waiting for an answer, then escalate: every 15 minutes.
    periodic_tasks = [("keepwell.referrals.tasks.remind_and_escalate_task", 900)]
    # A message about a referral (an inbox note naming its person) shows only to those who
    # may open the referral: messaging's inbox asks this, never referrals' models.
    message_about = {"referral": "keepwell.referrals.queries.visible_referral_ids"}
    # Referrals follow a person's record when a duplicate is merged into it.
    person_merge = PersonMerge(
        "Referrals",
        holds="keepwell.referrals.merging.holds",
        refusal="keepwell.referrals.merging.refusal",
        move="keepwell.referrals.merging.move",
    )
    # What the person page offers (keepwell/core/navigation.py), each checked on that person.
    person_links = [
        PersonLink(
            "Refer to a community service", "referrals:refer_start", "referrals.make_referral", 20
        ),
        PersonLink(
            "Ask their GP practice for a review",
            "referrals:refer_to_practice",
            "referrals.make_referral",
            30,
        ),
        PersonLink(
            "What they could give (strengths)",
            "referrals:strengths",
            "referrals.record_strengths",
            50,
        ),
    ]
    # A person's referrals, both ways, on their timeline (keepwell/core/timeline.py).
    timeline_sources = [
        TimelineSource(
            "Referrals", "keepwell.referrals.timeline.entries", "referrals.view_timeline", 10
        )
    ]
