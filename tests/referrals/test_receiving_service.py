"""What the receiving service needs to act on a referral, and what the referrer is offered:
the contact detail for the way the person chose, English once, and the GP's own practice."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from keepwell.people.models import Person
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.referrals.factories import refer


def _text(response) -> str:
    """The page as words, tags removed: what a person reads."""
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _detail(as_user, who, referral):
    response = as_user(who).get(reverse("referrals:detail", kwargs={"referral_id": referral.pk}))
    assert response.status_code == 200
    return _text(response)


def _margaret(world, **contact):
    blank = dict.fromkeys(("phone", "mobile", "email", "address_line_1", "address_line_2"), "")
    Person.objects.filter(pk=world.margaret_person.pk).update(**{**blank, "town": "", **contact})


def test_the_service_sees_the_phone_number_when_she_asked_for_a_phone_call(
    as_user, world, befriending
):
    _margaret(world, phone="+441632960123")
    referral = refer(world, befriending, preferred_channel="phone")
    page = _detail(as_user, world.sam, referral)
    assert "Contact them by Phone call" in page
    assert "Phone 01632 960123" in page
    # Her area's deputy answers the group's referrals of Riverside people: he sees it too.
    assert "Phone 01632 960123" in _detail(as_user, world.tom, referral)


def test_a_text_message_shows_her_mobile(as_user, world, befriending):
    _margaret(world, phone="+441632960123", mobile="+447700900123")
    referral = refer(world, befriending, preferred_channel="sms")
    page = _detail(as_user, world.sam, referral)
    assert "Mobile 07700 900123" in page
    assert "01632 960123" not in page  # only what the chosen way needs


def test_an_email_shows_her_email_address(as_user, world, befriending):
    _margaret(world, email="margaret@example.org")
    referral = refer(world, befriending, preferred_channel="email")
    assert "Email margaret@example.org" in _detail(as_user, world.sam, referral)


def test_a_letter_shows_her_postal_address(as_user, world, befriending):
    _margaret(world, address_line_1="4 Mill Lane", town="Wellbrook")
    referral = refer(world, befriending, preferred_channel="letter")
    page = _detail(as_user, world.sam, referral)
    assert "Address 4 Mill Lane Wellbrook WB2 1AB" in page


@pytest.mark.parametrize(
    ("channel", "missing"),
    [
        ("phone", "No phone number on their record."),
        ("sms", "No mobile number on their record to text."),
        ("email", "No email address on their record."),
        ("letter", "No full postal address on their record."),
    ],
)
def test_a_missing_detail_is_said_plainly_with_who_to_ask(
    as_user, world, befriending, channel, missing
):
    _margaret(world)
    referral = refer(world, befriending, preferred_channel=channel)
    page = _detail(as_user, world.sam, referral)
    assert f"{missing} Ask Dr Priya Shah how to reach them." in page


def test_the_contact_details_stay_with_those_who_may_see_the_referral(as_user, world, befriending):
    _margaret(world, phone="+441632960123")
    referral = refer(world, befriending, preferred_channel="phone")
    url = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    for outsider in (world.olly, world.jo, world.margaret):
        response = as_user(outsider).get(url)
        assert response.status_code == 403
        assert "960123" not in response.content.decode()


def _language_options(response) -> list[str]:
    html = response.content.decode()
    select = re.search(r'<select name="language".*?</select>', html, re.S)
    assert select, "no language list on the page"
    return [unescape(o).strip() for o in re.findall(r"<option[^>]*>(.*?)</option>", select[0])]


def test_english_is_offered_once_as_the_language_they_prefer(as_user, world, befriending):
    url = reverse(
        "referrals:refer",
        kwargs={"person_id": world.margaret_person.pk, "service_id": befriending.pk},
    )
    options = _language_options(as_user(world.priya).get(url))
    assert options.count("English") == 1
    assert options[0] == "English"
    assert "Portuguese" in options


def test_a_gp_refers_from_her_own_practice_not_the_pcn_by_default(as_user, world, befriending):
    # Dr Rao works for the PCN (set up first) and for her own practice.
    pcn = OrganisationFactory(name="Wellbrook Primary Care Network", kind="pcn")
    own = OrganisationFactory(name="Riverside Surgery", kind="gp_practice")
    rao = UserFactory(username="rao", display_name="Dr Asha Rao")
    MembershipFactory(user=rao, role="nhs_connector", organisation=pcn)
    MembershipFactory(user=rao, role="nhs_connector", organisation=own)
    Person.objects.filter(pk=world.margaret_person.pk).update(gp_practice=own)
    url = reverse(
        "referrals:refer",
        kwargs={"person_id": world.margaret_person.pk, "service_id": befriending.pk},
    )
    response = as_user(rao).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    checked = re.search(r'<input[^>]*name="from_organisation"[^>]*checked[^>]*>', html)
    assert checked and f'value="{own.pk}"' in checked[0], checked
    # The PCN is still there to choose.
    assert f'value="{pcn.pk}"' in html
