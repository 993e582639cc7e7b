"""You said, we did: residents raise issues and ideas without an account, neighbours
support them once each, and the NHS or a partner answers in public, step by step."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.insights.voice import services
from keepwell.insights.voice.models import Status, VoiceItem, VoiceSupport, VoiceUpdate
from tests.voice.factories import make_item

RAISE = {
    "kind": "idea",
    "title": "A walking group from the hub",
    "body": "Once a week, gently, for people getting over an illness.",
    "name": "Rosa Lima",
    "contact": "07700 900123",
    "website": "",
}


def _answer(client, item, **data):
    return client.post(reverse("voice:answer", args=[item.pk]), data)


def test_a_resident_raises_an_idea_without_an_account_and_everyone_sees_it_heard(client, world):
    response = client.post(reverse("voice:raise"), {**RAISE, "area": world.riverside.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("voice:raised")

    page = client.get(reverse("voice:index")).content.decode()
    assert "A walking group from the hub" in page
    assert "Heard" in page and "in Riverside" in page
    item = VoiceItem.objects.get()
    public = client.get(reverse("voice:item", args=[item.pk])).content.decode()
    # Their name and number are for the people who answer, never the public page.
    assert "Rosa Lima" not in public and "07700 900123" not in public


def test_staff_see_how_to_reply_and_seeing_it_is_logged(as_user, world):
    item = make_item(name="Rosa Lima", contact="rosa@example.org")
    page = as_user(world.priya).get(reverse("voice:item", args=[item.pk])).content.decode()
    assert "rosa@example.org" in page
    assert AuditEvent.objects.filter(
        object_type="voice.voiceitem", object_id=str(item.pk), action="read", actor=world.priya
    ).exists()


def test_a_form_sent_empty_names_each_missing_field_and_keeps_nothing(client, world):
    response = client.post(reverse("voice:raise"), {"kind": "issue"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter an answer to “In a few words, what is it?”" in page
    assert "Tell us more: what happens now and what would help" in page
    assert not VoiceItem.objects.exists()


def test_a_robot_that_fills_the_hidden_box_is_told_it_was_sent_but_nothing_is_kept(client, world):
    response = client.post(reverse("voice:raise"), {**RAISE, "website": "http://spam.example"})
    assert response.status_code == 302
    assert not VoiceItem.objects.exists()


def test_the_hidden_box_is_hidden_from_screen_readers_and_the_keyboard(client, world):
    page = client.get(reverse("voice:raise")).content.decode()
    assert 'aria-hidden="true"' in page and 'tabindex="-1"' in page


def test_one_address_may_raise_five_items_an_hour_and_the_sixth_is_refused(client, world):
    for n in range(5):
        assert (
            client.post(reverse("voice:raise"), {**RAISE, "title": f"Idea {n}"}).status_code == 302
        )
    response = client.post(reverse("voice:raise"), {**RAISE, "title": "Idea 6"})
    assert response.status_code == 429
    assert "Try again later" in response.content.decode()
    assert VoiceItem.objects.count() == 5
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.post(reverse("voice:raise"), {**RAISE, "title": "Idea 7"}).status_code == 302


def test_a_browser_supports_once_however_often_it_asks(world):
    item = make_item()
    url = reverse("voice:support", args=[item.pk])
    browser = Client()
    assert browser.post(url).status_code == 303
    browser.post(url)
    assert VoiceSupport.objects.filter(item=item).count() == 1
    Client().post(url)
    page = browser.get(reverse("voice:item", args=[item.pk])).content.decode()
    assert "Supported by 2 people" in page


def test_a_signed_in_person_counts_once_from_any_browser(as_user, world):
    item = make_item()
    url = reverse("voice:support", args=[item.pk])
    as_user(world.margaret).post(url)
    second_browser = Client()
    second_browser.force_login(world.margaret)
    second_browser.post(url)
    assert VoiceSupport.objects.filter(item=item).count() == 1


def test_supporting_before_and_after_signing_in_on_one_browser_counts_once(client, world):
    item = make_item()
    url = reverse("voice:support", args=[item.pk])
    client.post(url)
    client.force_login(world.margaret)
    client.post(url)
    assert VoiceSupport.objects.filter(item=item).count() == 1


def test_a_forged_browser_cookie_is_ignored_and_counts_as_a_new_browser(client, world):
    item = make_item()
    client.cookies["kw_voice"] = "forged"
    client.post(reverse("voice:support", args=[item.pk]))
    assert VoiceSupport.objects.get(item=item).browser not in {"", "forged"}


def test_priya_answers_in_public_with_her_name_organisation_and_time(as_user, world):
    item = make_item()
    client = as_user(world.priya)
    response = _answer(client, item, status="discussing", note="We asked the council.")
    assert response.status_code == 302
    page = client.get(reverse("voice:item", args=[item.pk])).content.decode()
    assert "Being discussed" in page
    assert "by Dr Priya Shah (Wellbrook Health Centre)" in page
    assert "We asked the council." in page
    update = VoiceUpdate.objects.get()
    assert update.by == world.priya and update.organisation == world.practice
    assert update.at is not None and update.at.tzinfo is not None


def test_an_item_goes_heard_discussing_acting_done_and_each_step_is_kept(as_user, world):
    item = make_item()
    client = as_user(world.sam)
    for status in ("discussing", "acting", "done"):
        assert _answer(client, item, status=status, note=f"Now {status}").status_code == 302
    item.refresh_from_db()
    assert item.status == Status.DONE
    assert list(item.updates.values_list("status", flat=True)) == ["discussing", "acting", "done"]
    assert AuditEvent.objects.filter(object_type="voice.voiceitem", action="update").count() == 3


def test_not_possible_without_the_honest_reason_is_refused_naming_the_box(as_user, world):
    item = make_item()
    response = _answer(as_user(world.priya), item, status="not_possible", note="  ")
    assert response.status_code == 400
    assert "why it is not possible" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.HEARD and not item.updates.exists()


def test_a_done_item_cannot_jump_back_and_a_heard_one_cannot_skip_to_done(as_user, world):
    item = make_item()
    response = _answer(as_user(world.priya), item, status="done", note="")
    assert response.status_code == 400
    with pytest.raises(services.VoiceRefused):
        services.answer(item, status=Status.DONE, note="", by=world.priya)


def test_a_moderator_removes_abuse_and_the_public_sees_only_that_it_was_removed(as_user, world):
    item = make_item(title="Rude words about Dr Shah")
    client = as_user(world.sam)
    url = reverse("voice:hide", args=[item.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Abusive about a named doctor"}).status_code == 302
    anonymous = Client()
    listing = anonymous.get(reverse("voice:index")).content.decode()
    detail = anonymous.get(reverse("voice:item", args=[item.pk])).content.decode()
    for page in (listing, detail):
        assert "Removed by moderators" in page
        assert "Rude words" not in page
    assert "Abusive about a named doctor" not in detail
    anonymous.post(reverse("voice:support", args=[item.pk]))
    assert not VoiceSupport.objects.exists()


def test_the_public_page_filters_by_status_and_area(client, world):
    make_item(title="Riverside bench", area=world.riverside)
    done = make_item(title="Northgate lights", area=world.northgate)
    for status in (Status.ACTING, Status.DONE):
        services.answer(done, status=status, note="", by=world.priya)
    page = client.get(reverse("voice:index"), {"status": "done"}).content.decode()
    assert "Northgate lights" in page and "Riverside bench" not in page
    page = client.get(reverse("voice:index"), {"area": world.riverside.pk}).content.decode()
    assert "Riverside bench" in page and "Northgate lights" not in page


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"area": "abc"},
        {"area": "9" * 30},
        {"page": "-1"},
        {"status": "\x00"},
    ],
)
def test_whatever_is_typed_into_the_address_the_public_page_answers(client, world, query):
    make_item()
    assert client.get(reverse("voice:index"), query).status_code == 200


def test_the_public_page_reads_the_same_number_of_queries_for_more_items(
    client, world, django_assert_max_num_queries
):
    for n in range(3):
        item = make_item(title=f"Item {n}", area=world.riverside)
        services.support(item, browser=f"b{n}")
    with django_assert_max_num_queries(6):
        client.get(reverse("voice:index"))
    for n in range(3, 25):
        make_item(title=f"Item {n}", area=world.northgate)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("voice:index")).status_code == 200


def test_whoever_left_an_email_hears_each_answer_with_a_link_and_a_landline_is_for_staff(world):
    from keepwell.messaging.models import Message

    emailed = make_item(title="Bench", contact="rosa@example.org")
    services.answer(emailed, status=Status.DISCUSSING, note="Asked the council", by=world.priya)
    message = Message.objects.get(kind="voice_answered")
    assert message.to == "rosa@example.org"
    assert reverse("voice:item", args=[emailed.pk]) in message.body
    assert "being discussed" in message.body
    rang = make_item(title="Lights", contact="01632 960 001")
    services.answer(rang, status=Status.DISCUSSING, note="", by=world.priya)
    assert Message.objects.filter(kind="voice_answered").count() == 1


def test_a_portuguese_speaker_raises_an_issue_supports_it_and_reads_the_answer_in_portuguese(
    client, world
):
    """Rosa's browser asks for Portuguese: the form, its errors, the thank-you page, the
    public list and the item all speak it, and the language follows her from page to page."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "pt"

    form = client.get(reverse("voice:raise")).content.decode()
    empty = client.post(reverse("voice:raise"), {"kind": "issue"}).content.decode()
    sent = client.post(reverse("voice:raise") + "?lang=pt", {**RAISE, "area": world.riverside.pk})
    thanks = client.get(sent["Location"]).content.decode()
    item = VoiceItem.objects.get()
    listing = client.get(reverse("voice:index")).content.decode()
    supported = client.post(reverse("voice:support", args=[item.pk]) + "?lang=pt", follow=True)

    assert "Apresentar um problema ou uma ideia" in form
    assert "Isto não serve para emergências" in form
    assert "Conte-nos mais: o que acontece agora e o que ajudaria" in empty
    assert sent["Location"] == reverse("voice:raised") + "?lang=pt"
    assert "Obrigado: foi enviado" in thanks
    assert "Ouvido" in listing and "em Riverside" in listing
    assert "apoiado por 0 pessoas" in listing
    page = supported.content.decode()
    assert "Obrigado: o seu apoio foi contado." in page
    assert "Apoiado por 1 pessoa." in page
    assert supported.redirect_chain[-1][0] == reverse("voice:item", args=[item.pk]) + "?lang=pt"
