"""The words keepwell starts with: English and Portuguese for every kind, approved by a
named reviewer; drafts for the community languages, waiting for a translator."""

from keepwell.messaging import kinds, seed_templates, sms
from keepwell.messaging.models import Template
from keepwell.messaging.render import placeholders, render
from keepwell.messaging.wording import choose


def test_every_kind_has_approved_english_and_portuguese_words_signed_by_the_seed_user(db):
    for key in kinds.KINDS:
        for language in ("en", "pt"):
            choice = choose(key, "email", [language])
            assert (choice.language, choice.fallback) == (language, False), key
            assert choice.template.body and choice.template.subject
            assert choice.template.reviewed_by.username == "keepwell-seed"


def test_the_seed_user_can_never_sign_in(db):
    approved = Template.objects.filter(state="approved").select_related("reviewed_by").first()
    reviewer = approved.reviewed_by
    assert not reviewer.is_active
    assert not reviewer.has_usable_password()


def test_every_seeded_version_uses_exactly_its_kinds_placeholders():
    for key, channel, language, subject, body in seed_templates.APPROVED:
        assert placeholders(subject + body) == set(kinds.KINDS[key].placeholders), (
            key,
            channel,
            language,
        )


def test_a_text_offering_a_task_asks_for_yes_or_no_in_the_volunteers_language(db):
    context = {"name": "Jo", "need": "shopping", "area": "Riverside", "when": "Tuesday 10am"}
    english = render(choose("task_offer", "sms", ["en"]).template.body, context)
    portuguese = render(choose("task_offer", "sms", ["pt"]).template.body, context)
    assert english.endswith("Reply YES or NO.")
    assert portuguese.endswith("Responda SIM ou NÃO.")
    # The English text costs one part; Portuguese accents make it UCS-2.
    assert (sms.encoding(english), sms.parts(english)) == ("GSM-7", 1)
    assert sms.encoding(portuguese) == "UCS-2"
    # An email offers no YES or NO to reply to.
    assert "YES" not in choose("task_offer", "email", ["en"]).template.body


def test_urdu_and_the_other_community_languages_wait_for_a_translator(db):
    for language in ("cy", "pl", "ur", "bn", "ar"):
        drafts = Template.objects.filter(language=language)
        assert drafts.count() == Template.objects.filter(language="en").count()
        assert set(drafts.values_list("state", "body")) == {("draft", "")}
        assert all(drafts.values_list("description", flat=True))
    choice = choose("stop_confirmed", "sms", ["ur"])
    assert (choice.language, choice.fallback) == ("en", True)


def test_someone_offline_gets_a_call_script_for_their_follow_up(db):
    script = choose("outcome_follow_up", "phone", ["en"]).template.body
    assert script.startswith("Ask for ((name)).")
    assert "((url))" in choose("outcome_follow_up", "sms", ["en"]).template.body


def test_every_kind_names_a_known_purpose_and_a_short_enough_description():
    from keepwell.messaging.models import Purpose

    for kind in kinds.KINDS.values():
        assert kind.purpose in Purpose.values, kind.key
        for channel in ("", "sms", "phone"):
            assert len(seed_templates.translator_note(kind.key, channel)) <= 300, kind.key
