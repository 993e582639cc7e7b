"""Margaret's timeline, kept by the people room: each capability says what happened in
words a coordinator would use, and the old address under referrals still finds it."""

from __future__ import annotations

import re
from html import unescape

from django.urls import reverse

from keepwell.help.services import raise_concern
from tests.help.factories import make_request


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_sam_reads_margarets_help_and_concerns_in_plain_words(as_user, world):
    margaret = world.margaret_person
    make_request(margaret, "shopping", by=world.sam, organisation=world.mutual_aid)
    make_request(margaret, "digital_help", by=world.sam, organisation=world.mutual_aid)
    raise_concern(
        by=world.jo,
        person=margaret,
        kind="fall_risk",
        urgent=False,
        details="Rug at the top of the stairs",
        organisation=world.mutual_aid,
    )
    page = _text(as_user(world.sam).get(reverse("people:timeline", args=[margaret.pk])))
    assert "Asked for help with shopping" in page
    assert "Asked for help with IT equipment and digital help" in page
    assert "Concern raised: fall risk" in page
    # Never a model's name and a row number.
    assert not re.search(r"(Help request|Concern) \d+", page)


def test_margaret_reads_the_help_she_asked_for_on_her_own_timeline(as_user, world):
    margaret = world.margaret_person
    make_request(margaret, "shopping", by=world.sam, organisation=world.mutual_aid)
    page = _text(as_user(world.margaret).get(reverse("people:timeline", args=[margaret.pk])))
    assert "Asked for help with shopping" in page


def test_the_old_timeline_address_under_referrals_moved_to_people(as_user, world):
    person_id = world.margaret_person.pk
    response = as_user(world.sam).get(f"/referrals/people/{person_id}/timeline/")
    assert response.status_code == 301
    assert response["Location"] == f"/people/{person_id}/timeline/"
