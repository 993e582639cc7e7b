"""Stories about tasks: offered, accepted, declined, done; and who may never hold one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.help import services
from keepwell.help.models import (
    OfferStatus,
    RequestStatus,
    SafeguardingCheck,
    Task,
    TaskEvent,
    TaskState,
    VolunteerStatus,
)
from tests.help.factories import make_request, make_volunteer


def _shopping(world, **fields):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid, **fields
    )
    return request, request.tasks.get()


def test_jo_accepts_an_offered_shopping_task_and_every_step_is_timed_and_attributed(
    world, jo_volunteer
):
    request, task = _shopping(world)
    assert task.state == TaskState.OPEN
    services.offer_task(task, jo_volunteer, by=world.sam)
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and task.offered_at is not None
    services.accept_offer(task, jo_volunteer, by=world.jo)
    task.refresh_from_db()
    assert task.state == TaskState.ACCEPTED and task.volunteer == jo_volunteer
    services.complete_task(task, by=world.jo, notes="Left the change with her")
    task.refresh_from_db()
    assert task.state == TaskState.DONE and task.finished_at is not None
    steps = list(TaskEvent.objects.filter(task=task).values_list("to_state", "by__username"))
    assert steps == [
        ("open", "sam"),
        ("offered", "sam"),
        ("accepted", "jo"),
        ("done", "jo"),
    ]
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    assert AuditEvent.objects.filter(person_id=world.margaret_person.pk, actor=world.jo).exists()


def test_volunteer_without_dbs_is_never_offered_medicines_delivery(world, jo_volunteer):
    _, task = (lambda r: (r, r.tasks.get()))(
        make_request(
            world.margaret_person, "prescription", by=world.sam, organisation=world.mutual_aid
        )
    )
    with pytest.raises(services.NotEligible) as refused:
        services.offer_task(task, jo_volunteer, by=world.sam)
    assert "DBS enhanced check" in str(refused.value)
    assert "medicines" in str(refused.value)
    with pytest.raises(services.NotEligible):
        services.assign_task(task, jo_volunteer, by=world.sam)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.volunteer is None
    assert not task.offers.exists()


def test_controlled_drugs_need_the_controlled_drugs_authorisation_too(world):
    medicines_only = make_volunteer(
        world.mutual_aid,
        checks=["dbs_enhanced"],
        authorisations=["medicines"],
        skills=["controlled_drugs"],
    )
    request = make_request(
        world.margaret_person, "controlled_drugs", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    with pytest.raises(services.NotEligible) as refused:
        services.assign_task(task, medicines_only, by=world.sam)
    assert "controlled drugs" in str(refused.value)
    authorised = make_volunteer(
        world.mutual_aid,
        checks=["dbs_enhanced_barred"],  # a higher check counts as the enhanced one
        authorisations=["medicines", "controlled_drugs"],
    )
    services.assign_task(task, authorised, by=world.sam)
    assert Task.objects.get(pk=task.pk).volunteer == authorised


def test_an_expired_check_removes_eligibility_the_moment_it_expires(world, clock):
    expires = timezone.now() + timedelta(hours=2)
    volunteer = make_volunteer(world.mutual_aid, checks=["id_check"])
    SafeguardingCheck.objects.filter(volunteer=volunteer).update(expires_at=expires)
    _, task = _shopping(world)
    clock(expires - timedelta(seconds=1))
    services.offer_task(task, volunteer, by=world.sam)
    clock(expires)
    with pytest.raises(services.NotEligible, match="no valid ID check"):
        services.accept_offer(task, volunteer, by=volunteer.user)
    assert Task.objects.get(pk=task.pk).state == TaskState.OFFERED


def test_a_paused_volunteer_cannot_be_assigned(world, jo_volunteer):
    services.change_volunteer_status(jo_volunteer, VolunteerStatus.PAUSED, by=world.sam)
    _, task = _shopping(world)
    with pytest.raises(services.NotEligible, match="not an active volunteer"):
        services.assign_task(task, jo_volunteer, by=world.sam)


def test_a_volunteer_of_another_group_cannot_be_assigned(world):
    theirs = make_volunteer(world.other_group, checks=["id_check"], skills=["shopping"])
    _, task = _shopping(world)
    with pytest.raises(services.NotEligible, match="does not volunteer with"):
        services.offer_task(task, theirs, by=world.sam)


def test_a_hospital_run_needs_a_car(world):
    walker = make_volunteer(world.mutual_aid, checks=["dbs_basic"], transport="on_foot")
    request = make_request(
        world.margaret_person, "hospital_run", by=world.sam, organisation=world.mutual_aid
    )
    with pytest.raises(services.NotEligible, match="no car"):
        services.assign_task(request.tasks.get(), walker, by=world.sam)


def test_first_of_two_offered_volunteers_to_accept_holds_the_task(world, jo_volunteer):
    kim = make_volunteer(world.mutual_aid, first_name="Kim", checks=["id_check"])
    _, task = _shopping(world)
    services.offer_task(task, jo_volunteer, by=world.sam)
    services.offer_task(task, kim, by=world.sam)
    services.accept_offer(task, kim, by=kim.user)
    with pytest.raises(services.TaskNoLongerAvailable):
        services.accept_offer(task, jo_volunteer, by=world.jo)
    task.refresh_from_db()
    assert task.volunteer == kim
    assert dict(task.offers.values_list("volunteer__user__first_name", "status")) == {
        "Kim": OfferStatus.ACCEPTED,
        "Jo": OfferStatus.WITHDRAWN,
    }


def test_declining_the_only_offer_puts_the_task_back_in_the_queue(world, jo_volunteer):
    _, task = _shopping(world)
    services.offer_task(task, jo_volunteer, by=world.sam)
    services.decline_offer(task, jo_volunteer, by=world.jo)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN
    assert task.offers.get().status == OfferStatus.DECLINED


def test_a_released_task_waits_for_someone_else(world, jo_volunteer):
    _, task = _shopping(world)
    services.assign_task(task, jo_volunteer, by=world.sam)
    services.release_task(task, by=world.sam, note="Jo is unwell")
    task.refresh_from_db()
    assert (task.state, task.volunteer, task.load_at) == (TaskState.OPEN, None, None)


def test_could_not_complete_needs_a_reason(world, jo_volunteer):
    _, task = _shopping(world)
    services.assign_task(task, jo_volunteer, by=world.sam)
    with pytest.raises(services.HelpError, match="why"):
        services.complete_task(task, by=world.jo, done=False, notes=" ")
    services.complete_task(task, by=world.jo, done=False, notes="Nobody answered the door")
    assert Task.objects.get(pk=task.pk).state == TaskState.COULD_NOT_COMPLETE


def test_a_finished_task_cannot_be_cancelled_or_assigned_again(world, jo_volunteer):
    _, task = _shopping(world)
    services.assign_task(task, jo_volunteer, by=world.sam)
    services.complete_task(task, by=world.jo)
    with pytest.raises(services.InvalidTransition):
        services.cancel_task(task, by=world.sam, note="oops")
    with pytest.raises(services.InvalidTransition):
        services.assign_task(task, jo_volunteer, by=world.sam)


def test_the_database_refuses_a_held_task_without_a_volunteer(world):
    _, task = _shopping(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(state=TaskState.ACCEPTED)


def test_the_database_refuses_two_accepted_offers_for_one_task(world, jo_volunteer):
    kim = make_volunteer(world.mutual_aid, checks=["id_check"])
    _, task = _shopping(world)
    services.offer_task(task, jo_volunteer, by=world.sam)
    services.offer_task(task, kim, by=world.sam)
    with pytest.raises(IntegrityError), transaction.atomic():
        task.offers.update(status=OfferStatus.ACCEPTED)
