"""What a hurried coordinator or a resident might type into the mutual aid pages: a day
already gone, a novel in the notes box, a word that never ends. None of it is saved, and
each is told in plain words naming the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.core.forms import TEXT_MAX_LENGTH
from keepwell.help import services
from keepwell.help.models import HelpRequest, NeedType, PublicRequest


def need(slug: str) -> NeedType:
    return NeedType.objects.get(slug=slug)


def _call_data(**extra):
    data = {
        "given_name": "Rui",
        "family_name": "Pereira",
        "phone": "01632 960777",
        "new_postcode": "WB2 1AB",
        "need_type": need("shopping").pk,
        "urgency": "2",
        "times_per_week": "1",
        "weeks": "1",
        "consent_coordination": "on",
    }
    data.update(extra)
    return data


def _summary(response) -> str:
    html = response.content.decode()
    assert 'class="nhsuk-error-summary"' in html, "expected the NHS.UK error summary"
    return html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0]


def test_sam_cannot_record_shopping_needed_on_a_day_already_gone(world, as_user):
    client = as_user(world.sam)
    response = client.post(reverse("help:call"), _call_data(day="2020-01-01"))
    assert response.status_code == 400
    assert "The date it is needed must be today or in the future" in _summary(response)
    assert not HelpRequest.objects.exists()
    form = client.get(reverse("help:call")).content.decode()
    assert f'min="{timezone.localdate().isoformat()}"' in form


def test_shopping_needed_today_is_recorded(world, as_user):
    client = as_user(world.sam)
    today = timezone.localdate()
    response = client.post(reverse("help:call"), _call_data(day=today.isoformat()))
    assert response.status_code == 302
    made = HelpRequest.objects.get()
    assert timezone.localtime(made.window_start).date() == today


def test_a_need_in_another_year_shows_its_year_and_one_this_year_does_not(world, as_user):
    client = as_user(world.sam)
    today = timezone.localdate()
    later = today + timedelta(days=400)
    response = client.post(reverse("help:call"), _call_data(day=later.isoformat()))
    assert timezone.localtime(HelpRequest.objects.get().window_start).date() == later
    page = client.get(response["Location"]).content.decode()
    assert f"{later.day} {later:%b} {later.year}" in page
    soon = services.create_request(
        person=world.margaret_person,
        need_type=need("prescription"),
        by=world.sam,
        organisation=world.mutual_aid,
        window_start=timezone.localtime().replace(hour=23, minute=0),
    )
    page = client.get(reverse("help:request", kwargs={"request_id": soon.pk})).content.decode()
    assert f"{today.day} {today:%b} 23:00" in page


def test_twenty_thousand_characters_of_call_notes_are_refused_naming_the_notes(world, as_user):
    client = as_user(world.sam)
    response = client.post(reverse("help:call"), _call_data(notes="Milk." * 4000))
    assert response.status_code == 400
    summary = _summary(response)
    assert f"The notes must be {TEXT_MAX_LENGTH:,} characters or fewer" in summary
    assert "(you entered 20,000)" in summary
    assert not HelpRequest.objects.exists()
    form = client.get(reverse("help:call")).content.decode()
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in form


def test_a_hundred_thousand_characters_on_the_public_form_are_refused(world, client):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "given_name": "Ivy",
            "phone": "01632 960555",
            "postcode": "WB2 1AX",
            "need_type": need("shopping").pk,
            "details": "x" * 100_000,
            "consent": "on",
        },
    )
    assert response.status_code == 400
    summary = _summary(response)
    assert "Anything else we should know" in summary
    assert f"must be {TEXT_MAX_LENGTH:,} characters or fewer" in summary
    assert not PublicRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("times_per_week", "8", "Enter the times a week, from 1 to 7"),
        ("weeks", "many", "Enter a whole number from 1 to 26 for “For how many weeks”"),
        ("start", "half ten", "Enter “From” as a time, like 14:30"),
        ("day", "31/02/2027", "Enter the day it is needed as a real date, like 27/03/2026"),
    ],
)
def test_the_call_screen_says_what_is_wrong_in_plain_words(world, as_user, field, value, message):
    client = as_user(world.sam)
    response = client.post(reverse("help:call"), _call_data(**{field: value}))
    assert response.status_code == 400
    summary = _summary(response)
    assert message in summary
    assert "Ensure this value" not in summary and "Enter a valid" not in summary
