"""Many groups ask for the same hour at the same moment: exactly one gets it (PostgreSQL).

Each client is a thread with its own database connection. SQLite lets one writer in at a
time, so there it would prove nothing; the hypothesis test in test_bookings.py holds the
rule on both databases.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connections, transaction

from keepwell.accounts.models import Role
from keepwell.spaces import services
from keepwell.spaces.models import Booking, Space
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.spaces.factories import make_space, next_weekday, slot

CLIENTS = 12


def _race(space_id: int, groups, day, barrier, outcomes: list, lock: threading.Lock):
    def client(organisation, user, n):
        try:
            space = Space.objects.get(pk=space_id)
            # Each asks for a different stretch of time, all of them taking 14:45 to 15:00.
            start, end = slot(day, f"{13 + n % 2}:{15 * (n % 4):02d}", f"15:{5 * n:02d}")
            barrier.wait(timeout=30)
            try:
                services.request_booking(
                    space,
                    organisation=organisation,
                    by=user,
                    title=f"Group {n}",
                    start=start,
                    end=end,
                    people=5,
                )
                result = "won"
            except services.BookingRefused:
                result = "refused"
            with lock:
                outcomes.append(result)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=client, args=(org, user, n)) for n, (org, user) in enumerate(groups)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def _groups(count):
    groups = []
    for n in range(count):
        org = OrganisationFactory(name=f"Racing group {n}")
        user = UserFactory(username=f"racer{n}")
        MembershipFactory(user=user, role=Role.COORDINATOR, organisation=org)
        groups.append((org, user))
    return groups


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_twelve_groups_racing_for_one_hour_leave_exactly_one_booking():
    owner = OrganisationFactory(name="Racecourse Health Centre", kind="gp_practice")
    space = make_space(owner)
    groups = _groups(CLIENTS)
    outcomes: list[str] = []
    _race(space.pk, groups, next_weekday(1), threading.Barrier(CLIENTS), outcomes, threading.Lock())
    assert sorted(outcomes) == ["refused"] * (CLIENTS - 1) + ["won"]
    assert Booking.objects.holding().count() == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_an_overlap_that_skips_the_service():
    owner = OrganisationFactory(name="Constraint Health Centre", kind="gp_practice")
    space = make_space(owner)
    [org_user] = _groups(1)
    [first] = services.request_booking(
        space,
        organisation=org_user[0],
        by=org_user[1],
        title="First",
        start=slot(next_weekday(1), "10:00", "12:00")[0],
        end=slot(next_weekday(1), "10:00", "12:00")[1],
        people=5,
    )
    overlapping = Booking(
        space=space,
        organisation=org_user[0],
        requested_by=org_user[1],
        title="Sneaky",
        people=5,
        start=first.start + timedelta(hours=1),
        end=first.end + timedelta(hours=1),
    )
    with pytest.raises(IntegrityError, match="booking_never_overlaps"), transaction.atomic():
        overlapping.save()
    # Touching end to start is no overlap, and a declined booking holds nothing.
    Booking.objects.create(
        space=space,
        organisation=org_user[0],
        requested_by=org_user[1],
        title="Next",
        people=5,
        start=first.end,
        end=first.end + timedelta(hours=1),
    )
    overlapping.status = Booking.Status.DECLINED
    overlapping.save()
