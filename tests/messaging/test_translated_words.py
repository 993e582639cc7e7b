"""Other rooms' words in messaging's translation workflow: a survey's questions are
translated by the same people, on the same pages and under the same rules as the words
keepwell sends, and each decision is audited."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.messaging import translations
from keepwell.messaging.models import TranslatedWords
from keepwell.messaging.templating import TemplatingError
from tests.voice.factories import make_survey

LIST = "/messaging/templates/"


def _words(survey_id: int, text: str = "Geiriau") -> dict[str, str]:
    return {f.key: f"{text} {i}" for i, f in enumerate(translations.fields_of("survey", survey_id))}


def _submit(world, survey_id, language="cy", text="Geiriau"):
    return translations.submit(
        "survey",
        survey_id,
        language=language,
        translated_by="Dilwyn Evans",
        words=_words(survey_id, text),
        by=world.sam,
    )


def test_the_words_page_lists_each_survey_by_language_beside_the_messages(world, as_user):
    found = make_survey(by=world.sam)
    _submit(world, found.pk)

    page = as_user(world.sam).get(LIST).content.decode()

    assert "<h2>Surveys</h2>" in page
    assert found.title in page
    welsh = reverse("messaging:words", args=["survey", found.pk, "cy"])
    assert f'href="{welsh}">Waiting for review' in page
    # Portuguese was typed in with the questions: in use, never reviewed.
    portuguese = reverse("messaging:words", args=["survey", found.pk, "pt"])
    assert f'href="{portuguese}">In use' in page


def test_the_list_takes_the_same_queries_however_many_surveys_and_versions(
    world, as_user, count_queries
):
    make_survey(by=world.sam)
    client = as_user(world.sam)
    before = count_queries(lambda: client.get(LIST))
    for _ in range(3):
        _submit(world, make_survey(by=world.sam).pk)

    client = as_user(world.sam)
    assert count_queries(lambda: client.get(LIST)) == before


def test_only_one_version_waits_for_review_at_a_time(world, as_user):
    found = make_survey(by=world.sam)
    _submit(world, found.pk)
    url = reverse("messaging:words", args=["survey", found.pk, "cy"])

    with pytest.raises(TemplatingError, match="already waiting for review"):
        _submit(world, found.pk, text="Eto")
    late = as_user(world.sam).post(url, {"translated_by": "Someone", "w0": "Eto"}, follow=True)

    assert "already waiting for review: nothing was saved" in late.content.decode()
    assert TranslatedWords.objects.count() == 1


def test_a_newer_approved_version_retires_the_older_and_its_words_are_asked(world, as_user):
    found = make_survey(by=world.sam)
    first = _submit(world, found.pk, text="Hen")
    translations.approve(first, by=world.alex)
    second = _submit(world, found.pk, text="Newydd")

    again = as_user(world.alex).post(
        reverse("messaging:words_review", args=[first.pk]), {"decision": "approve"}
    )
    translations.approve(second, by=world.alex)

    first.refresh_from_db()
    second.refresh_from_db()
    assert again.status_code == 404  # already decided
    assert (first.state, second.state) == ("retired", "approved")
    assert found.questions.get(position=1).wording["cy"] == "Newydd 0"


def test_urdu_words_are_typed_and_shown_right_to_left(world, as_user):
    found = make_survey(by=world.sam)
    url = reverse("messaging:words", args=["survey", found.pk, "ur"])

    page = as_user(world.sam).get(url).content.decode()

    assert 'lang="ur" dir="rtl"' in page
    assert "In English: How much control" in page


def test_submitting_sending_back_and_approving_are_audited(world):
    found = make_survey(by=world.sam)
    first = _submit(world, found.pk)
    translations.send_back(first, reason="Too formal", by=world.alex)
    second = _submit(world, found.pk)
    translations.approve(second, by=world.alex)

    rows = AuditEvent.objects.filter(object_type="messaging.translatedwords").order_by("id")
    assert [(r.actor, r.summary) for r in rows] == [
        (world.sam, "Translation submitted for review"),
        (world.alex, "Translation sent back"),
        (world.sam, "Translation submitted for review"),
        (world.alex, "Translation approved"),
    ]
    assert rows[1].changes["reason"] == "Too formal"
    assert AuditEvent.objects.filter(
        object_type="voice.survey", summary="Questions now asked in cy, as approved"
    ).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/messaging/templates/words/pigeon/1/cy/",
        "/messaging/templates/words/survey/999999/cy/",
        "/messaging/templates/words/survey/99999999999999999999999999/cy/",
        "/messaging/templates/words/survey/{survey}/xx/",
        "/messaging/templates/words/survey/{survey}/en/",
        "/messaging/templates/words/versions/999999/review/",
    ],
)
def test_made_up_addresses_are_not_found(world, as_user, url):
    found = make_survey(by=world.sam)
    assert as_user(world.sam).get(url.format(survey=found.pk)).status_code == 404


def test_a_translation_written_before_a_question_was_added_cannot_be_approved(world):
    """The survey's words changed under the translator: approving would leave the new
    question in English on a Welsh page, so the reviewer is told to send it back."""
    found = make_survey(by=world.sam)
    written = _submit(world, found.pk)
    found.questions.create(position=99, kind="text", wording={"en": "Anything else?"})

    with pytest.raises(TemplatingError, match="changed after this version was written"):
        translations.approve(written, by=world.alex)
    written.refresh_from_db()
    assert written.state == "in_review"
    assert "cy" not in found.questions.get(position=1).wording


def test_survey_translations_kept_before_move_into_messaging_with_every_version(world):
    """Migration messaging 0013: voice's old rows become versions of the survey's words,
    keyed by question, and only the newest approved version of a language stays approved."""
    migration = importlib.import_module("keepwell.messaging.migrations.0013_translated_words")
    found = make_survey(by=world.sam)
    q = found.questions.get(position=2)
    old = [
        SimpleNamespace(
            survey_id=found.pk,
            language="cy",
            version=version,
            words={str(q.pk): {"wording": f"Cwestiwn v{version}", "options": ["Ie", "Na"]}},
            state="approved",
            translated_by="Dilwyn",
            submitted_by_id=world.sam.pk,
            submitted_at=found.created_at,
            reviewed_by_id=world.alex.pk,
            reviewed_at=found.created_at,
            note="",
        )
        for version in (1, 2)
    ]

    class OldRows:
        class objects:  # noqa: N801 - shaped as a model's manager
            @staticmethod
            def order_by(*fields):
                return old

    fake_apps = SimpleNamespace(
        get_model=lambda app, name: OldRows if app == "voice" else TranslatedWords
    )
    migration.surveys_translations_move_here(fake_apps, None)

    moved = list(TranslatedWords.objects.order_by("version"))
    assert [(m.version, m.state) for m in moved] == [(1, "retired"), (2, "approved")]
    assert moved[1].words == {f"q{q.pk}": "Cwestiwn v2", f"q{q.pk}.o0": "Ie", f"q{q.pk}.o1": "Na"}
    assert (moved[1].source, moved[1].document) == ("survey", found.pk)


def test_approved_words_stay_approved_while_a_newer_version_is_sent_back(world, as_user):
    """Welsh was approved; Dilwyn's better try was sent back. People still answer in the
    approved Welsh, and the list says so, not that the words were only typed in."""
    found = make_survey(by=world.sam)
    translations.approve(_submit(world, found.pk, text="Hen"), by=world.alex)
    translations.send_back(_submit(world, found.pk, text="Newydd"), reason="Typos", by=world.alex)
    welsh = reverse("messaging:words", args=["survey", found.pk, "cy"])

    page = as_user(world.sam).get(LIST).content.decode()
    states = {s.code: s.state for s in translations.language_states("survey", found.pk)}

    assert f'href="{welsh}">Approved' in page
    assert states["cy"] == "Approved"
    assert found.questions.get(position=1).wording["cy"] == "Hen 0"
