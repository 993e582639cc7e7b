"""Every error on the referral forms names its field and says what to do, in the error
summary at the top of the page and by the field: never Django's "This field is required."."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from keepwell.core.forms import is_stock_message
from keepwell.referrals.models import Referral
from tests.factories import MembershipFactory, OrganisationFactory
from tests.referrals.factories import refer


def _summary(response) -> list[str]:
    """The messages of the page's error summary, as a user reads them."""
    html = response.content.decode()
    box = re.search(r'<div class="nhsuk-error-summary".*?</ul>', html, re.S)
    assert box, "the page shows no error summary"
    return [unescape(m) for m in re.findall(r'<li><a href="#[^"]*">(.*?)</a></li>', box[0])]


def _assert_plain(messages: list[str]) -> None:
    assert messages
    for message in messages:
        assert not is_stock_message(message), message
        assert "This field" not in message, message
    assert len(messages) == len(set(messages)), f"a message repeats: {messages}"


def _refer_url(world, service):
    return reverse(
        "referrals:refer",
        kwargs={"person_id": world.margaret_person.pk, "service_id": service.pk},
    )


def test_an_empty_referral_names_every_field_that_needs_an_answer(as_user, world, befriending):
    # Priya works for her practice and the PCN, so she must say which she refers from.
    pcn = OrganisationFactory(name="Wellbrook PCN", kind="pcn")
    MembershipFactory(user=world.priya, role="nhs_connector", organisation=pcn)
    # What a browser sends for the form left as it came (no radio chosen, boxes empty).
    response = as_user(world.priya).post(
        _refer_url(world, befriending), {"what_matters": "", "needs": "", "safety_notes": ""}
    )
    assert response.status_code == 400
    messages = _summary(response)
    _assert_plain(messages)
    assert messages == [
        "Choose the organisation you are referring from",
        "Enter what matters to them, in their own words",
        "Choose how urgent the referral is",
        "Choose how they want to be contacted",
        "Choose how they agreed to this referral",
        "Confirm that they agree to the referral",
    ]
    # Each message also sits by its field, and the summary links to it.
    html = response.content.decode()
    assert 'href="#id_what_matters"' in html
    assert 'id="id_what_matters-error"' in html
    assert not Referral.objects.exists()


def test_a_referral_with_answers_not_on_the_lists_says_which_list(as_user, world, befriending):
    response = as_user(world.priya).post(
        _refer_url(world, befriending),
        {
            "from_organisation": 999_999,
            "what_matters": "x" * 2_001,
            "themes": ["not-a-theme"],
            "urgency": "yesterday",
            "preferred_channel": "pigeon",
            "language": "999999",
            "consent_how": "telepathy",
            "consent_given": "on",
        },
    )
    assert response.status_code == 400
    messages = _summary(response)
    _assert_plain(messages)
    assert messages == [
        "Choose one of your own organisations to refer from",
        "What matters to them must be 2,000 characters or fewer",
        "Choose what the referral is about from the list",
        "Choose how urgent the referral is from the list",
        "Choose how they want to be contacted from the list",
        "Choose the language they prefer from the list",
        "Choose how they agreed to this referral from the list",
    ]


def test_an_empty_request_to_a_practice_names_its_fields(as_user, world):
    url = reverse("referrals:refer_to_practice", kwargs={"person_id": world.margaret_person.pk})
    response = as_user(world.sam).post(url, {"practice": "not a practice"})
    assert response.status_code == 400
    messages = _summary(response)
    _assert_plain(messages)
    assert messages == [
        "Choose their GP practice from the list",
        "Say what you would like the practice to review, and why",
        "Choose how urgent the referral is",
        "Choose how they agreed to this referral",
        "Confirm that they agree to the referral",
    ]


@pytest.mark.parametrize(
    ("to", "field", "message"),
    [
        (
            "declined",
            "decline_reason",
            "Why you are declining it must be 1,000 characters or fewer",
        ),
        ("closed", "close_reason", "Why it is closing must be 1,000 characters or fewer"),
        ("accepted", "note", "The note for the referrer must be 1,000 characters or fewer"),
    ],
)
def test_a_status_change_says_what_is_wrong_with_its_words_and_limits_them_in_the_page(
    as_user, world, befriending, to, field, message
):
    referral = refer(world, befriending)
    url = reverse("referrals:change_status", kwargs={"referral_id": referral.pk}) + f"?to={to}"
    client = as_user(world.sam if to != "closed" else world.priya)
    page = client.get(url).content.decode()
    box = re.search(rf"<textarea[^>]*name=\"{field}\"[^>]*>", page)
    assert box, page
    assert 'maxlength="1000"' in box[0]
    assert "nhsuk-textarea" in box[0]

    response = client.post(url, {"to": to, field: "y" * 1_001})
    assert response.status_code == 400
    assert _summary(response) == [message]
    referral.refresh_from_db()
    assert referral.status == "sent"


def test_declining_with_a_service_not_offered_names_the_list(as_user, world, befriending):
    referral = refer(world, befriending)
    url = reverse("referrals:change_status", kwargs={"referral_id": referral.pk})
    response = as_user(world.sam).post(
        f"{url}?to=declined",
        {"to": "declined", "decline_reason": "Full", "suggested_services": ["nope"]},
    )
    assert response.status_code == 400
    assert _summary(response) == ["Choose services that could help instead from the list"]


def test_a_door_without_who_may_refer_says_so(as_user, world, befriending):
    url = reverse("referrals:door", kwargs={"service_id": befriending.pk})
    response = as_user(world.sam).post(url, {"accepts_referrals": "on"})
    assert response.status_code == 400
    assert _summary(response) == ["Choose who may refer to this service"]
