"""Every matching URL as every persona.

Sam coordinates Wellbrook Mutual Aid, so he may suggest matches and plan rounds anywhere in
it; Ana leads Riverside and Tom deputises, so they may for Riverside. Olly coordinates
another town's group: he may open the matching page for his own group, but nothing of
Wellbrook's. Volunteers, members and NHS staff have no matching pages.
"""

from __future__ import annotations

from datetime import date, time

from keepwell.matching import services
from keepwell.matching.models import DeliveryRound, RoundDriver
from tests.help.factories import make_request, make_volunteer
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row

STARTS = {"alex": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
RUNS_RIVERSIDE = {"alex": OK, "sam": OK, "ana": OK, "tom": OK}


def _redirects(expect: dict) -> dict:
    return {name: REDIRECT for name in expect}


def _run(world):
    make_request(world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid)
    return services.suggest(world.mutual_aid, world.riverside, by=world.sam)


def run_id(world):
    return {"run_id": _run(world).pk}


def _round(world):
    return DeliveryRound.objects.create(
        organisation=world.mutual_aid,
        area=world.riverside,
        day=date(2026, 11, 24),
        created_by=world.sam,
    )


def round_id(world):
    return {"round_id": _round(world).pk}


def run_sheet(world):
    made = _round(world)
    driver = RoundDriver.objects.create(
        round=made,
        volunteer=make_volunteer(world.mutual_aid, user=world.jo, home_postcode="WB2 1AE"),
        start_postcode="WB2 1AE",
        capacity=5,
        shift_start=time(9),
        shift_end=time(12),
    )
    return {"round_id": made.pk, "driver_id": driver.pk}


def suggest_for_riverside(world):
    return {"organisation": world.mutual_aid.pk, "area": world.riverside.pk}


def round_with_a_driver(world):
    return {"round_id": run_sheet(world)["round_id"]}


MATRIX = [
    Row("matching:index", {**STARTS, **SIGNED_IN_ONLY}),
    Row("matching:round_new", {**STARTS, **SIGNED_IN_ONLY}),
    Row(
        "matching:suggest",
        # Olly may not pick Wellbrook's group: the form says so.
        {**_redirects(RUNS_RIVERSIDE), "olly": 400, **SIGNED_IN_ONLY},
        method="post",
        data=suggest_for_riverside,
    ),
    Row("matching:run", {**RUNS_RIVERSIDE, **SIGNED_IN_ONLY}, kwargs=run_id),
    Row(
        "matching:run_accept",
        {**_redirects(RUNS_RIVERSIDE), **SIGNED_IN_ONLY},
        kwargs=run_id,
        method="post",
        data=lambda world: {"which": "all"},
    ),
    Row("matching:round", {**RUNS_RIVERSIDE, **SIGNED_IN_ONLY}, kwargs=round_id),
    Row("matching:run_sheet", {**RUNS_RIVERSIDE, **SIGNED_IN_ONLY}, kwargs=run_sheet),
    Row(
        "matching:round_offer",
        {**_redirects(RUNS_RIVERSIDE), **SIGNED_IN_ONLY},
        kwargs=round_with_a_driver,
        method="post",
    ),
]
