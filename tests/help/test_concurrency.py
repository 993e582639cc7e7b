"""Two volunteers accept the same task at the same moment: exactly one holds it.

Each thread has its own database connection, and a barrier releases them together, so the
two accepts really race inside PostgreSQL (SQLite serialises writers, so it proves nothing).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from keepwell.help import services
from keepwell.help.models import OfferStatus, Task, TaskOffer, TaskState, Volunteer
from tests.factories import MembershipFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.help.factories import make_request, make_volunteer


def _race(task_id: int, volunteer_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(volunteer_ids))
    outcomes: list[str] = []
    lock = threading.Lock()

    def accept(volunteer_id: int) -> None:
        try:
            volunteer = Volunteer.objects.select_related("user").get(pk=volunteer_id)
            task = Task.objects.get(pk=task_id)
            barrier.wait(timeout=10)
            services.accept_offer(task, volunteer, by=volunteer.user)
            result = f"held:{volunteer_id}"
        except services.TaskNoLongerAvailable:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=accept, args=(vid,)) for vid in volunteer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("volunteers", [2, 6])
def test_concurrent_accepts_leave_the_task_held_by_exactly_one_volunteer(volunteers):
    group = OrganisationFactory(name="Race Mutual Aid")
    sam = UserFactory(username="race-coordinator")
    MembershipFactory(user=sam, role="coordinator", organisation=group)
    for round_ in range(5):
        helpers = [
            make_volunteer(group, username=f"racer-{round_}-{i}", checks=["id_check"])
            for i in range(volunteers)
        ]
        # A different person each round: a second open request for the same person and need
        # would be a possible duplicate, which no volunteer is offered.
        person = PersonFactory(postcode="WB2 1AB")
        task = make_request(person, "shopping", by=sam, organisation=group).tasks.get()
        for helper in helpers:
            services.offer_task(task, helper, by=sam)
        outcomes = _race(task.pk, [h.pk for h in helpers])
        held = [o for o in outcomes if o.startswith("held:")]
        assert len(outcomes) == volunteers
        assert len(held) == 1, outcomes
        task.refresh_from_db()
        assert task.state == TaskState.ACCEPTED
        assert held == [f"held:{task.volunteer_id}"]
        accepted = TaskOffer.objects.filter(task=task, status=OfferStatus.ACCEPTED)
        assert list(accepted.values_list("volunteer_id", flat=True)) == [task.volunteer_id]
