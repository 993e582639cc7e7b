"""Which words a message goes out in: approved only, the person's languages in order, then
English, a channel's own words before the words for any channel."""

import pytest

from keepwell.messaging.models import Template
from keepwell.messaging.wording import NoTemplate, choose
from tests.factories import UserFactory

APPROVED, DRAFT, IN_REVIEW, RETIRED = (
    Template.State.APPROVED,
    Template.State.DRAFT,
    Template.State.IN_REVIEW,
    Template.State.RETIRED,
)


@pytest.fixture
def words(db):
    """Start from no templates (the seed's are tested elsewhere) and add them one by one."""
    Template.objects.all().delete()
    reviewer = UserFactory(username="rita", display_name="Rita Reviewer")

    def add(language, body, *, channel="", state=APPROVED, version=1, key="task_offer"):
        return Template.objects.create(
            key=key,
            channel=channel,
            language=language,
            version=version,
            body=body,
            state=state,
            reviewed_by=reviewer if state in (APPROVED, RETIRED) else None,
        )

    return add


def test_a_portuguese_speaker_gets_the_portuguese_words(words):
    words("en", "Can you help?")
    words("pt", "Pode ajudar?")
    choice = choose("task_offer", "email", ["pt", "en"])
    assert choice.template.body == "Pode ajudar?"
    assert choice.language == "pt"
    assert choice.fallback is False


def test_only_approved_words_send(words):
    words("en", "Can you help?")
    words("pt", "Pode ajudar? (a aguardar revisão)", state=IN_REVIEW)
    words("pt", "", state=DRAFT, version=2)
    choice = choose("task_offer", "sms", ["pt"])
    assert choice.template.body == "Can you help?"
    assert choice.language == "en"
    assert choice.fallback is True


def test_a_draft_urdu_row_falls_back_to_english_and_says_so(words):
    words("en", "Can you help?")
    words("ur", "", state=DRAFT)
    choice = choose("task_offer", "sms", ["ur"])
    assert (choice.language, choice.fallback) == ("en", True)


def test_the_next_language_comes_before_english(words):
    words("en", "Can you help?")
    words("pt", "Pode ajudar?")
    words("bn", "", state=DRAFT)
    choice = choose("task_offer", "sms", ["bn", "pt"])
    assert choice.template.body == "Pode ajudar?"
    assert (choice.language, choice.fallback) == ("pt", True)


def test_a_channels_own_words_beat_the_words_for_any_channel(words):
    words("en", "Can you help? Sign in to answer.", version=3)
    words("en", "Can you help? Reply YES or NO", channel="sms")
    assert choose("task_offer", "sms", ["en"]).template.body == "Can you help? Reply YES or NO"
    assert choose("task_offer", "email", ["en"]).template.body == (
        "Can you help? Sign in to answer."
    )


def test_the_newest_approved_version_wins_and_retired_ones_never_send(words):
    words("pt", "Versão antiga", state=RETIRED, version=1)
    words("pt", "Versão aprovada", version=2)
    words("pt", "Versão em revisão", state=IN_REVIEW, version=3)
    words("en", "English")
    assert choose("task_offer", "sms", ["pt"]).template.body == "Versão aprovada"


def test_regional_language_codes_find_their_language(words):
    words("en", "Can you help?")
    words("pt", "Pode ajudar?")
    choice = choose("task_offer", "sms", ["pt-BR"])
    assert (choice.language, choice.fallback) == ("pt", False)


def test_someone_with_no_languages_recorded_gets_english_without_a_fallback(words):
    words("en", "Can you help?")
    choice = choose("task_offer", "letter", [])
    assert (choice.language, choice.fallback) == ("en", False)


def test_no_approved_words_at_all_is_an_error_naming_the_kind(words):
    words("en", "", state=DRAFT)
    with pytest.raises(NoTemplate, match="task_offer"):
        choose("task_offer", "sms", ["en"])


def test_choosing_takes_one_query_however_many_versions(words, django_assert_num_queries):
    for version in range(1, 6):
        words("en", f"v{version}", version=version)
        words("pt", f"v{version}", version=version, channel="sms")
    with django_assert_num_queries(1):
        choose("task_offer", "sms", ["ur", "bn", "pt"])
