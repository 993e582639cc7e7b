"""The words' pages: a community translator writes Urdu, someone else approves it, and only
then does it send; bad placeholders are refused with an error that names them."""

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Template
from keepwell.messaging.wording import choose

LIST = "/messaging/templates/"
URDU_STOP = "/messaging/templates/stop_confirmed/any/ur/"
PT_OFFER_SMS = "/messaging/templates/task_offer/sms/pt/"
URDU_WORDS = "keepwell: ہم آپ کو مزید پیغامات نہیں بھیجیں گے۔ دوبارہ پانے کے لیے START بھیجیں۔"


def _submit_urdu(client, body=URDU_WORDS, follow=False, **extra):
    return client.post(
        URDU_STOP,
        {"subject": "مزید پیغامات نہیں", "body": body, "translated_by": "Farah Iqbal", **extra},
        follow=follow,
    )


def _in_review(language="ur", key="stop_confirmed"):
    return Template.objects.get(key=key, language=language, state=Template.State.IN_REVIEW)


def test_the_list_shows_each_kind_by_language_and_its_state(world, as_user):
    page = as_user(world.sam).get(LIST).content.decode()
    assert "The words keepwell sends" in page
    assert "A task offered to a volunteer" in page
    assert "(sms only)" in page
    assert page.count("Waiting for a translator") >= 5 * 21  # five languages, every kind
    assert 'href="/messaging/templates/task_offer/sms/pt/"' in page


def test_the_list_takes_the_same_queries_however_many_versions(world, as_user, count_queries):
    client = as_user(world.sam)
    before = count_queries(lambda: client.get(LIST))
    _submit_urdu(client)
    as_user(world.alex).post(
        reverse("messaging:template_review", args=[_in_review().pk]), {"decision": "approve"}
    )
    client = as_user(world.sam)
    assert count_queries(lambda: client.get(LIST)) == before


def test_a_draft_urdu_row_sends_english_until_a_reviewer_approves_the_translation(world, as_user):
    assert choose("stop_confirmed", "sms", ["ur"]).fallback is True
    page = as_user(world.sam).get(URDU_STOP).content.decode()
    assert "None yet: people who read Urdu get their next language, or English." in page

    response = _submit_urdu(as_user(world.sam))
    assert response.status_code == 302
    waiting = _in_review()
    assert (waiting.translated_by, waiting.version) == ("Farah Iqbal", 2)
    # Waiting for review is not approved: Urdu readers still get English, and are counted.
    choice = choose("stop_confirmed", "sms", ["ur"])
    assert (choice.language, choice.fallback) == ("en", True)
    assert "Waiting for review" in as_user(world.sam).get(LIST).content.decode()

    response = as_user(world.alex).post(
        reverse("messaging:template_review", args=[waiting.pk]), {"decision": "approve"}
    )
    assert response.status_code == 302
    choice = choose("stop_confirmed", "sms", ["ur"])
    assert (choice.language, choice.fallback, choice.template.body) == ("ur", False, URDU_WORDS)
    assert choice.template.reviewed_by == world.alex


def test_the_translator_cannot_approve_their_own_words(world, as_user):
    _submit_urdu(as_user(world.sam))
    waiting = _in_review()
    url = reverse("messaging:template_review", args=[waiting.pk])
    page = as_user(world.sam).get(url).content.decode()
    assert "You submitted these words, so someone else must approve them." in page

    response = as_user(world.sam).post(url, {"decision": "approve"})
    assert response.status_code == 400
    assert "someone else must review them before they send" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.state == Template.State.IN_REVIEW
    assert choose("stop_confirmed", "sms", ["ur"]).language == "en"


def test_an_approved_new_version_retires_the_old_one(world, as_user):
    old = choose("task_offer", "sms", ["pt"]).template
    new_words = (
        "keepwell: Olá ((name)), pode ajudar com ((need)) em ((area)), ((when))? SIM ou NÃO?"
    )
    as_user(world.olly).post(PT_OFFER_SMS, {"body": new_words, "translated_by": "Rui Freitas"})
    as_user(world.sam).post(
        reverse("messaging:template_review", args=[_in_review("pt", "task_offer").pk]),
        {"decision": "approve"},
    )
    assert choose("task_offer", "sms", ["pt"]).template.body == new_words
    old.refresh_from_db()
    assert old.state == Template.State.RETIRED


def test_unknown_placeholders_are_refused_naming_them(world, as_user):
    response = as_user(world.sam).post(
        PT_OFFER_SMS,
        {
            "body": "Olá ((nome)), pode ajudar com ((need)) em ((area)), ((when))?",
            "translated_by": "Rui Freitas",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "((nome)) is not a placeholder for this message: use only" in page
    assert 'href="#id_body"' in page
    assert not Template.objects.filter(key="task_offer", state="in_review").exists()


def test_a_dropped_placeholder_is_refused_naming_it(world, as_user):
    response = as_user(world.sam).post(
        PT_OFFER_SMS,
        {"body": "Olá ((name)), pode ajudar com ((need))? SIM ou NÃO", "translated_by": "Rui"},
    )
    assert response.status_code == 400
    assert "The message must still say ((area)), ((when))" in response.content.decode()


def test_a_subject_with_a_placeholder_the_kind_lacks_is_refused_on_the_subject(world, as_user):
    response = _submit_urdu(as_user(world.sam), subject="((name))")
    assert response.status_code == 400
    page = response.content.decode()
    assert "((name)) is not a placeholder for this message: this message has no placeholders" in (
        page
    )
    assert 'href="#id_subject"' in page


def test_each_page_shows_what_the_words_cost_as_a_text(world, as_user, settings):
    settings.KEEPWELL_SMS_PART_PENCE = 3
    client = as_user(world.sam)
    page = client.get(PT_OFFER_SMS).content.decode()
    assert "UCS-2" in page and "GSM-7" in page  # Portuguese accents, and the English beside it
    # Checking the length saves nothing and shows the cost of the words typed.
    response = client.post(
        URDU_STOP,
        {"subject": "x", "body": "ب" * 71, "translated_by": "Farah", "check": "1"},
    )
    page = response.content.decode()
    assert '<dd class="nhsuk-summary-list__value">2</dd>' in page
    assert "6p a text" in page
    assert not Template.objects.filter(language="ur", state="in_review").exists()

    _submit_urdu(client)
    review = client.get(reverse("messaging:template_review", args=[_in_review().pk]))
    assert "UCS-2" in review.content.decode()


def test_a_reviewer_sends_words_back_with_a_reason_the_translator_sees(world, as_user):
    _submit_urdu(as_user(world.sam))
    waiting = _in_review()
    url = reverse("messaging:template_review", args=[waiting.pk])
    response = as_user(world.alex).post(url, {"decision": "send_back"})
    assert response.status_code == 400
    assert "Say what should change before sending the words back" in response.content.decode()

    as_user(world.alex).post(url, {"decision": "send_back", "reason": "Use the formal 'aap'."})
    waiting.refresh_from_db()
    assert waiting.state == Template.State.DRAFT
    page = as_user(world.sam).get(URDU_STOP).content.decode()
    assert "Version 2 was sent back" in page
    assert "Use the formal &#x27;aap&#x27;." in page
    assert URDU_WORDS in page  # the form starts from the words sent back
    assert choose("stop_confirmed", "sms", ["ur"]).language == "en"


def test_only_one_version_waits_for_review_at_a_time(world, as_user):
    client = as_user(world.sam)
    _submit_urdu(client)
    page = client.get(URDU_STOP).content.decode()
    assert "Waiting for review" in page
    assert "Send for review" not in page
    # A second translator who had the form open already is told, and nothing is lost.
    response = _submit_urdu(as_user(world.olly), body=URDU_WORDS + " ", follow=True)
    assert response.redirect_chain == [(URDU_STOP, 302)]
    assert "already waiting for review: nothing was saved" in response.content.decode()
    assert Template.objects.filter(language="ur", key="stop_confirmed").count() == 2


def test_submitting_and_deciding_are_audited(world, as_user):
    _submit_urdu(as_user(world.sam))
    waiting = _in_review()
    as_user(world.alex).post(
        reverse("messaging:template_review", args=[waiting.pk]), {"decision": "approve"}
    )
    rows = AuditEvent.objects.filter(object_type="messaging.template", object_id=str(waiting.pk))
    assert {(row.actor, row.action, row.summary) for row in rows} == {
        (world.sam, "create", "Translation submitted for review"),
        (world.alex, "update", "Translation approved"),
    }


@pytest.mark.parametrize("persona", ["jo", "margaret", "priya", "ana"])
def test_people_who_do_not_look_after_the_words_are_refused(world, as_user, persona):
    client = as_user(world.persona(persona))
    assert client.get(LIST).status_code == 403
    assert _submit_urdu(client).status_code == 403
    assert not Template.objects.filter(language="ur", state="in_review").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/messaging/templates/no_such_kind/any/ur/",
        "/messaging/templates/task_offer/pigeon/ur/",
        "/messaging/templates/task_offer/sms/xx/",
        "/messaging/templates/versions/999999/review/",
    ],
)
def test_made_up_addresses_are_not_found(world, as_user, url):
    assert as_user(world.sam).get(url).status_code == 404


def test_a_version_already_decided_cannot_be_reviewed_again(world, as_user):
    approved = choose("task_offer", "sms", ["pt"]).template
    url = reverse("messaging:template_review", args=[approved.pk])
    assert as_user(world.alex).post(url, {"decision": "approve"}).status_code == 404


def test_words_for_a_kind_keepwell_no_longer_has_are_not_found(world, as_user):
    gone = Template.objects.create(
        key="retired_kind", language="pt", body="Olá", state=Template.State.IN_REVIEW
    )
    url = reverse("messaging:template_review", args=[gone.pk])
    assert as_user(world.alex).get(url).status_code == 404
    assert (
        "/messaging/templates/retired_kind/" not in as_user(world.alex).get(LIST).content.decode()
    )
