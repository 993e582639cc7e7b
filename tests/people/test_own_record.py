"""Margaret, a resident, finds her own record and who has seen it from her home page, in
words she understands; a safeguarding concern about her is recorded but not shown to her."""

from __future__ import annotations

import re
from html import unescape

from keepwell.audit.models import AuditEvent
from keepwell.help.services import raise_concern
from keepwell.people import services as people


def _text(response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_margaret_finds_her_record_and_who_has_seen_it_from_her_home_page(as_user, world):
    client = as_user(world.margaret)
    home = client.get("/").content.decode()
    record = f'href="/people/{world.margaret_person.pk}/"'
    audit = f'href="/people/{world.margaret_person.pk}/audit/"'
    assert record in home and "Your details" in home
    assert audit in home and "Who has seen your record" in home
    assert client.get(f"/people/{world.margaret_person.pk}/").status_code == 200
    assert client.get(f"/people/{world.margaret_person.pk}/audit/").status_code == 200


def test_staff_without_a_record_of_their_own_see_no_your_record_section(as_user, world):
    home = as_user(world.sam).get("/").content.decode()
    assert "Who has seen your record" not in home
    assert "Your details" not in home


def test_margaret_reads_who_looked_at_and_changed_her_record_in_plain_words(as_user, world):
    as_user(world.sam).get(f"/people/{world.margaret_person.pk}/")
    people.update_person(world.margaret_person, by=world.sam, phone="01632 960 001")
    page = _text(as_user(world.margaret).get(f"/people/{world.margaret_person.pk}/audit/"))
    assert "Sam Okafor (Wellbrook Mutual Aid) looked at your record" in page
    assert "Sam Okafor (Wellbrook Mutual Aid) changed your contact details" in page
    for internal in ("people.person", "Read ", "(sam)", "Information governance"):
        assert internal not in page, internal


def test_margaret_sees_her_own_earlier_visit_as_you(as_user, world):
    client = as_user(world.margaret)
    client.get(f"/people/{world.margaret_person.pk}/")
    page = _text(client.get(f"/people/{world.margaret_person.pk}/audit/"))
    assert "You looked at your record" in page


def test_a_safeguarding_concern_is_recorded_but_not_shown_to_the_person_it_is_about(as_user, world):
    raise_concern(
        by=world.jo,
        person=world.margaret_person,
        kind="safeguarding",
        urgent=True,
        details="Bruises; her son shouts at her",
        organisation=world.mutual_aid,
    )
    assert AuditEvent.objects.filter(
        person_id=world.margaret_person.pk, object_type="help.concern"
    ).exists()
    client = as_user(world.margaret)
    own_log = _text(client.get(f"/people/{world.margaret_person.pk}/audit/"))
    timeline = _text(client.get(f"/people/{world.margaret_person.pk}/timeline/"))
    for page in (own_log, timeline):
        assert "Jo Bell" not in page
        assert "concern" not in page.lower()
        assert "afeguarding" not in page
    # The information governance admin still sees it, and who raised it.
    review = _text(as_user(world.alex).get(f"/people/{world.margaret_person.pk}/audit/"))
    assert "Jo Bell (Wellbrook Mutual Aid) raised a concern about Margaret Evans's" in review
    assert "Safeguarding" in review


def test_staff_still_see_the_concern_on_margarets_timeline(as_user, world):
    raise_concern(
        by=world.jo,
        person=world.margaret_person,
        kind="safeguarding",
        urgent=False,
        details="Worried",
        organisation=world.mutual_aid,
    )
    timeline = _text(as_user(world.sam).get(f"/people/{world.margaret_person.pk}/timeline/"))
    assert "Concern" in timeline
