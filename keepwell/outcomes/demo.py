"""Wellbrook's wellbeing answers: enough people through two services, answered at the start
and eight weeks later (and some at six months), for the cohort page to show change.

Idempotent: each demo journey is a referral with a stable ``source`` ("demo:outcomes:<n>");
a journey already answered is left alone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from importlib import import_module

from django.apps import apps

from keepwell.directory import doors
from keepwell.outcomes import services
from keepwell.outcomes.models import How, Measure, OutcomePlan, Response
from keepwell.people.models import Consent
from keepwell.referrals import demo as referrals_demo
from keepwell.referrals import services as referral_services
from keepwell.referrals.models import Referral, Status

# (service, people from place.people, days since the start, who improves)
JOURNEYS = [
    ("Friendly phone calls", range(15, 23), 70),
    ("Wellbrook walking group", range(23, 30), 75),
    ("Friendly phone calls", range(30, 36), 200),
]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _answers(rng: random.Random, *, later: bool, gain: int) -> dict[str, dict[str, int]]:
    """A believable sitting: low at the start; later, better by about ``gain`` (0 = same)."""
    base = {
        "3cs": {"control": rng.randint(2, 5), "contact": rng.randint(1, 4), "confidence": 3},
        "ons4": {
            "life_satisfaction": rng.randint(3, 5),
            "worthwhile": rng.randint(4, 6),
            "happiness": rng.randint(3, 5),
            "anxiety": rng.randint(6, 8),
        },
        "ucla3": {"lack_companionship": 3, "left_out": rng.randint(2, 3), "isolated": 3},
    }
    if not later:
        return base
    up = {
        "3cs": {k: _clamp(v + gain + rng.randint(0, 1), 0, 10) for k, v in base["3cs"].items()},
        "ons4": {
            k: _clamp(v - gain if k == "anxiety" else v + gain, 0, 10)
            for k, v in base["ons4"].items()
        },
        "ucla3": {k: _clamp(v - (1 if gain else 0), 1, 3) for k, v in base["ucla3"].items()},
    }
    return up


def _journey(place, key: str, person, service, days: int, rng: random.Random, gain: int):
    coordinator = place.users["coordinator"]
    connector = place.users["connector"]
    referral = Referral.objects.filter(source=key).first()
    if referral is None:
        sent = referrals_demo._at(days + 3)
        with doors.held_open(service):
            referral = referral_services.create_referral(
                person=person,
                service=service,
                by=connector,
                from_organisation=place.organisations["wellbrook-health-centre"],
                consent_how=Consent.How.IN_PERSON,
                what_matters="Feeling part of things again",
                themes=["loneliness"],
                source=key,
                via="demo",
                now=sent,
            )
        for status, after in ((Status.ACCEPTED, 1), (Status.CONTACTED, 2), (Status.ENGAGED, 3)):
            referral_services.change_status(
                referral, status, by=coordinator, via="demo", now=sent + timedelta(days=after)
            )
    plan = OutcomePlan.objects.filter(referral=referral).first()
    if plan is not None and Response.objects.filter(plan=plan).exists():
        return
    start = referrals_demo._at(days)
    plan = plan or services.start_plan(person, by=coordinator, referral=referral, started_at=start)
    services.record_answers(
        person,
        _answers(random.Random(rng.random()), later=False, gain=gain),
        by=coordinator,
        how=How.PHONE,
        weeks=0,
        plan=plan,
        consent_how=Consent.How.PHONE,
        answered_at=start,
    )
    seed = rng.random()
    for weeks in (8, 26):
        when = start + timedelta(weeks=weeks)
        if when > referrals_demo._at(0, hour=9):
            break
        services.record_answers(
            person,
            _answers(random.Random(seed), later=True, gain=gain if weeks == 8 else gain + 1),
            by=coordinator,
            how=How.PHONE,
            weeks=weeks,
            plan=plan,
            answered_at=when,
        )


def _ensure_measures() -> None:
    """The measures are seeded by a migration; a test database flushed between browser tests
    may have lost them, so seed them again (the migration's own code) if none are there."""
    if not Measure.objects.exists():
        import_module("keepwell.outcomes.migrations.0002_seed_measures").seed(apps, None)


def load(place) -> None:
    _ensure_measures()
    found = referrals_demo.demo_services(place)
    rng = random.Random(871731)
    n = 0
    for service_name, people, days in JOURNEYS:
        for index in people:
            n += 1
            # Most people feel better; one in five the same.
            gain = 0 if n % 5 == 0 else rng.randint(1, 3)
            _journey(
                place,
                f"demo:outcomes:{n}",
                place.people[index],
                found[service_name],
                days,
                rng,
                gain,
            )
