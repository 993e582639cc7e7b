"""Issue 12, items 5 and 6: one availability rule in the engine and in mutual aid's
eligibility check, and a search radius per volunteer."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.utils import timezone

from keepwell.help.eligibility import eligibility
from keepwell.help.models import Availability
from keepwell.matching.engine import (
    UnmatchedReason,
    VolunteerPool,
    _banded_pairs,
    _Requests,
    match,
    window_covered,
)
from tests.help.factories import make_request, make_volunteer
from tests.matching.test_engine import request, volunteer

# --- the engine -------------------------------------------------------------------------------


def test_back_to_back_windows_cover_a_task_across_the_join():
    """09-12 and 12-17 are one afternoon: an 11:00-13:00 task fits."""
    split = volunteer("split", 1.0, availability=((9 * 60, 12 * 60), (12 * 60, 17 * 60)))
    task = request("r", start=11 * 60, end=13 * 60)

    result = match([task], VolunteerPool.from_volunteers([split]))

    assert result.assignment["r"].volunteer_id == "split"
    assert window_covered([(540, 720), (720, 1020)], 660, 780)
    assert window_covered([(540, 800), (700, 1020)], 660, 900)  # overlapping
    assert not window_covered([(540, 700), (720, 1020)], 660, 780)  # a gap at 11:40-12:00


def test_a_volunteer_with_no_availability_is_never_free_even_without_a_time_window():
    never = volunteer("never", 0.2, availability=())
    sometimes = volunteer("sometimes", 3.0, availability=((0, 10),))
    anytime = request("r")  # no time window

    result = match([anytime], VolunteerPool.from_volunteers([never, sometimes]))
    assert result.assignment["r"].volunteer_id == "sometimes"

    alone = match([anytime], VolunteerPool.from_volunteers([never]))
    assert alone.reasons == {"r": UnmatchedReason.NOT_FREE}


def test_windows_in_arrays_are_joined_per_volunteer_only():
    """Volunteer a is free 0-10 and 10-20, which join; b from 10 to 30, which never joins
    a's: a 5-15 task is for a."""
    pool = VolunteerPool.from_arrays(
        ["a", "b"],
        [51.45, 51.45],
        [-0.1, -0.1],
        availability=([0, 2, 3], [10, 0, 10], [20, 10, 30]),
    )
    assert pool.availability_ptr.tolist() == [0, 1, 2]
    assert pool.availability_start.tolist() == [0, 10]
    assert pool.availability_end.tolist() == [20, 30]
    result = match([request("r", start=5, end=15)], pool)
    assert result.assignment["r"].volunteer_id == "a"


# --- the search radius is per volunteer -------------------------------------------------------


def test_a_few_far_drivers_do_not_widen_everyones_search():
    """A thousand walkers who go 1 km live 3-5 km away; two drivers go 25 km. Searching
    everyone in range for a request looks only at the drivers, not the thousand walkers the
    drivers' 25 km would otherwise take in."""
    rng = np.random.default_rng(1)
    walkers = [volunteer(f"w{i:04d}", *rng.uniform(3.0, 5.0, 2), max_km=1.0) for i in range(1000)]
    drivers = [volunteer("d1", 20.0, max_km=25.0), volunteer("d2", -18.0, max_km=25.0)]
    pool = VolunteerPool.from_volunteers(walkers + drivers)
    reqs = [request("r")]

    rows, vols = _banded_pairs(_Requests.build(reqs, pool), pool, None, np.array([0]))

    assert sorted(pool.ids[vols].tolist()) == ["d1", "d2"]
    result = match(reqs, pool)
    assert result.assignment["r"].volunteer_id == "d2" and result.certified


# --- mutual aid's eligibility check, by the same rule -----------------------------------------


def test_a_coordinator_sees_no_free_warning_for_back_to_back_slots(world, places):
    """Jo gave Monday 09:00-12:00 and 12:00-17:00; an 11:00-13:00 Monday task is in her
    time, so Sam is not told she is 'not usually free then'."""
    need_day = timezone.localtime(timezone.now()).date() + timedelta(days=7)
    monday = need_day - timedelta(days=need_day.weekday())
    start = timezone.make_aware(datetime.combine(monday, datetime.min.time()).replace(hour=11))
    jo = make_volunteer(world.mutual_aid, user=world.jo, first_name="Jo", skills=["shopping"])
    Availability.objects.create(volunteer=jo, weekday=0, start_minute=9 * 60, end_minute=12 * 60)
    Availability.objects.create(volunteer=jo, weekday=0, start_minute=12 * 60, end_minute=17 * 60)
    help_request = make_request(
        world.margaret_person,
        "shopping",
        by=world.sam,
        organisation=world.mutual_aid,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    task = help_request.tasks.get()
    assert task.due_start == start

    result = eligibility(jo, task)

    assert not any("not usually free" in w for w in result.warnings), result.warnings

    Availability.objects.filter(volunteer=jo, start_minute=12 * 60).update(
        start_minute=12 * 60 + 30
    )
    assert any("not usually free" in w for w in eligibility(jo, task).warnings)
