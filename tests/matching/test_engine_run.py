"""Issue 12 in the product: a run of suggestions keeps the engine's certificate, and the
coordinator reads on the run's page that nobody who could have been matched was left out."""

from __future__ import annotations

from django.urls import reverse

from keepwell.matching.models import MatchRun
from tests.help.factories import make_request, make_volunteer


def test_a_run_says_it_was_checked_against_every_volunteer(places, as_user):
    world = places
    make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping"],
    )
    make_request(world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid)
    client = as_user(world.sam)

    response = client.post(
        reverse("matching:suggest"), {"organisation": world.mutual_aid.pk, "area": ""}
    )

    run = MatchRun.objects.get()
    assert (run.matched, run.certified, run.rounds, run.arcs_added) == (1, True, 1, 0)
    page = client.get(response["Location"]).content.decode()
    assert "Checked against every volunteer who could take each task" in page
