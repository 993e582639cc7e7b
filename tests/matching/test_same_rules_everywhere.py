"""Matching's suggestions keep the product's rules (issue 12, item 8): a request flagged as a
possible duplicate of an open one is suggested to nobody, and a volunteer is never suggested
for their own record (Margaret, who signs in to see her record, also volunteers)."""

from __future__ import annotations

from keepwell.help import services as help_services
from keepwell.matching import services
from keepwell.matching.models import Proposal
from tests.help.factories import make_request, make_volunteer


def ask(world, person, **kw):
    return make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid, **kw)


def volunteer(world, user, name, postcode):
    return make_volunteer(
        world.mutual_aid,
        user=user,
        first_name=name,
        home_postcode=postcode,
        checks=["id_check", "safeguarding_training"],
        skills=["shopping"],
    )


def test_margaret_is_never_suggested_for_her_own_shopping_but_helps_john(places):
    world = places
    # Margaret lives at her own door, so she is the nearest volunteer to her request.
    margaret = volunteer(world, world.margaret, "Margaret", "WB2 1AB")
    jo = volunteer(world, world.jo, "Jo", "WB3 1AA")
    hers = ask(world, world.margaret_person).tasks.get()
    johns = ask(world, world.riverside_person).tasks.get()

    run = services.suggest(world.mutual_aid, None, by=world.sam)

    chosen = dict(Proposal.objects.filter(run=run).values_list("task_id", "volunteer_id"))
    assert chosen[hers.pk] == jo.pk
    assert chosen[johns.pk] == margaret.pk


def test_margaret_alone_leaves_her_own_request_unmatched(places):
    world = places
    volunteer(world, world.margaret, "Margaret", "WB2 1AB")
    hers = ask(world, world.margaret_person).tasks.get()

    run = services.suggest(world.mutual_aid, None, by=world.sam)

    proposal = Proposal.objects.get(run=run, task=hers)
    assert proposal.volunteer is None
    assert proposal.reason_text == (
        "The only volunteer who holds what it needs is the person it is for."
    )


def test_a_possible_duplicate_is_not_suggested_while_the_flag_stands(places):
    world = places
    volunteer(world, world.jo, "Jo", "WB2 1AE")
    volunteer(world, None, "Dee", "WB2 1AD")
    first = ask(world, world.riverside_person)
    second = ask(world, world.riverside_person, allow_duplicate=True)

    run = services.suggest(world.mutual_aid, None, by=world.sam)
    assert set(Proposal.objects.filter(run=run).values_list("task__request", flat=True)) == {
        first.pk
    }

    help_services.mark_not_duplicate(second, by=world.sam)
    run = services.suggest(world.mutual_aid, None, by=world.sam)
    matched = Proposal.objects.filter(run=run, volunteer__isnull=False)
    assert set(matched.values_list("task__request", flat=True)) == {first.pk, second.pk}
