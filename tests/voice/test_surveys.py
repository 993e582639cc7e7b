""" "What matters to you": questions typed as data in two languages, one-time codes by link
or letter, anonymous answers, and results by area with small numbers hidden."""

from __future__ import annotations

import pytest
from django.urls import reverse

from keepwell.insights.voice import questions, surveys
from keepwell.insights.voice.models import Survey, SurveyAnswer, SurveyResponse
from tests.voice.factories import QUESTIONS, make_survey


def test_a_coordinator_writes_a_survey_as_text_and_each_question_becomes_data(as_user, world):
    client = as_user(world.sam)
    response = client.post(
        reverse("voice:survey_new"),
        {"title": "What matters to you", "intro": "", "questions_text": QUESTIONS},
    )
    found = Survey.objects.get()
    assert response["Location"] == reverse("voice:survey", args=[found.pk])
    kinds = list(found.questions.values_list("kind", flat=True))
    assert kinds == ["scale", "single", "multiple", "text"]
    assert found.questions.get(kind="single").options[1] == {
        "en": "Safer streets",
        "pt": "Ruas mais seguras",
    }


def test_a_bad_line_is_named_and_nothing_is_kept(as_user, world):
    response = as_user(world.sam).post(
        reverse("voice:survey_new"),
        {"title": "T", "questions_text": "scale: Fine\nhow safe do you feel\nsingle: One?\n- A"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 2 must start with the kind of question" in page
    assert "Question 2 needs at least two options" in page
    assert not Survey.objects.exists()


def test_a_code_answers_once_in_portuguese_and_the_answer_carries_no_name(client, as_user, world):
    found = make_survey(by=world.sam)
    staff = as_user(world.sam)
    staff.post(
        reverse("voice:survey", args=[found.pk]), {"how_many": 2, "area": world.riverside.pk}
    )
    code = found.invitations.first().code
    client.logout()
    # Typed from a letter, with spaces and in small letters, it still finds the survey.
    typed = f"{code[:4].lower()} {code[4:]}"
    response = client.post(reverse("voice:survey_start"), {"code": typed})
    assert response["Location"] == reverse("voice:survey_answer", args=[code])
    page = client.get(response["Location"], {"lang": "pt"}).content.decode()
    assert "O que mais melhoraria onde vive?" in page
    single, multiple = found.questions.get(kind="single"), found.questions.get(kind="multiple")
    scale = found.questions.get(kind="scale")
    answer_url = reverse("voice:survey_answer", args=[code]) + "?lang=pt"
    sent = client.post(
        answer_url, {f"q{scale.pk}": "7", f"q{single.pk}": "1", f"q{multiple.pk}": ["0", "1"]}
    )
    assert sent["Location"] == reverse("voice:survey_thanks") + "?lang=pt"  # still Portuguese
    kept = SurveyResponse.objects.get()
    assert kept.language == "pt" and kept.area == world.riverside
    assert SurveyAnswer.objects.get(question=multiple).choices == [0, 1]
    assert not any(f.name in {"person", "user"} for f in SurveyResponse._meta.fields)
    again = client.post(answer_url, {f"q{scale.pk}": "1"})
    assert again.status_code == 410
    assert "cada código só responde uma vez" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_made_up_code_is_refused_naming_the_box(client, world):
    response = client.post(reverse("voice:survey_start"), {"code": "NOTAREALCODE"})
    assert response.status_code == 400
    assert "That code is not one we sent" in response.content.decode()
    assert client.get(reverse("voice:survey_answer", args=["NOPE"])).status_code == 410


def test_a_score_outside_0_to_10_is_sent_back(client, world):
    found = make_survey(by=world.sam)
    (code,) = surveys.invite(found, how_many=1, by=world.sam)
    scale = found.questions.get(kind="scale")
    response = client.post(reverse("voice:survey_answer", args=[code]), {f"q{scale.pk}": "11"})
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def _answer(found, area, *, choice: int, score: int, n: int, by):
    for code in surveys.invite(found, how_many=n, area=area, by=by):
        single = found.questions.get(kind="single")
        scale = found.questions.get(kind="scale")
        surveys.record_answers(code, {single.pk: choice, scale.pk: score})


def test_results_by_area_hide_small_counts_and_means_of_few(as_user, world):
    found = make_survey(by=world.sam)
    _answer(found, world.riverside, choice=0, score=8, n=12, by=world.sam)
    _answer(found, world.northgate, choice=1, score=3, n=3, by=world.sam)
    page = as_user(world.priya).get(reverse("voice:survey_results", args=[found.pk]))
    text = page.content.decode()
    assert "People who answered: 15" in text
    assert "Average 8.0 out of 10" in text  # Riverside: 12 people
    assert "Average 3.0" not in text  # Northgate: 3 people, too few for an average
    # Northgate's 3 is hidden, and so is what would give it back from the totals.
    assert ">3<" not in text and ">12<" not in text


@pytest.mark.parametrize(
    "text,problem",
    [
        ("", "Write at least one question"),
        ("- An option", "Line 1 is an option"),
        ("scale:", "Line 1 has no question"),
        ("single: One? | Um?\n- A\n- B\n" + "x" * 400, "Line 4 is longer"),
    ],
)
def test_questions_text_problems_name_the_line(text, problem):
    with pytest.raises(questions.QuestionsProblem) as caught:
        questions.parse(text)
    assert problem in str(caught.value)


def test_open_answers_are_coded_by_a_person_with_the_codebook_suggesting(as_user, world):
    found = make_survey(by=world.sam)
    text = found.questions.get(kind="text")
    codes = surveys.invite(found, how_many=9, area=world.riverside, by=world.sam)
    for code in codes:
        surveys.record_answers(code, {text.pk: "The bus to the hospital stopped"})
    client = as_user(world.sam)
    client.post(
        reverse("voice:survey_theme_add", args=[found.pk]),
        {"name": "Transport", "keywords": "bus, lift"},
    )
    page = client.get(reverse("voice:survey_coding", args=[found.pk])).content.decode()
    assert "Suggested: Transport" in page and "9 answers not coded yet" in page
    theme = found.themes.get()
    fields = {f"a{a.pk}": [str(theme.pk)] for a in SurveyAnswer.objects.filter(question=text)}
    # The person decides: one answer they judge to be about something else.
    first = sorted(fields)[0]
    fields[first] = []
    response = client.post(reverse("voice:survey_coding", args=[found.pk]), fields)
    assert response.status_code == 302
    assert theme.coded.count() == 8
    assert not SurveyAnswer.objects.filter(question=text, coded_at__isnull=True).exists()
    results = client.get(reverse("voice:survey_results", args=[found.pk])).content.decode()
    assert "Transport" in results
    assert "The bus to the hospital" not in results  # the words stay with staff


def test_a_theme_named_twice_is_refused_naming_the_box(as_user, world):
    found = make_survey(by=world.sam)
    client = as_user(world.sam)
    url = reverse("voice:survey_theme_add", args=[found.pk])
    client.post(url, {"name": "Transport"})
    response = client.post(url, {"name": "transport"})
    assert response.status_code == 400
    assert "already has a theme called" in response.content.decode()


def test_keywords_suggest_themes_by_the_start_of_a_word_in_any_language():
    codebook = {"Transport": ["bus", "autocarro"], "Safety": ["seguro"]}
    assert questions.suggest("Buses never come", codebook) == ["Transport"]
    assert questions.suggest("Não me sinto segura", codebook) == []
    assert questions.suggest("O autocarro, e sentir-me seguro!", codebook) == [
        "Transport",
        "Safety",
    ]


def test_a_theme_becomes_a_priority_with_an_owner_and_moves_across_the_board(as_user, world):
    found = make_survey(by=world.sam)
    theme = surveys.add_theme(found, name="Transport", keywords="bus", by=world.sam)
    client = as_user(world.sam)
    made = client.post(
        reverse("voice:survey_board", args=[found.pk]),
        {"theme": theme.pk, "title": "A bus to the hospital", "owner": world.priya.pk},
    )
    (priority,) = found.priorities.all()
    assert made["Location"] == reverse("voice:priority", args=[priority.pk])
    assert priority.owner == world.priya and priority.theme == theme

    def column_of(title):
        page = client.get(reverse("voice:survey_board", args=[found.pk])).content.decode()
        columns = {c: page.find(f">{c} (") for c in ("To plan", "Under way", "Done")}
        spot = page.find(title)
        return max((at, c) for c, at in columns.items() if at < spot)[1]

    assert column_of("A bus to the hospital") == "To plan"
    client.post(
        reverse("voice:priority", args=[priority.pk]),
        {"text": "Ask the council for a route", "owner": world.sam.pk, "due_on": "2026-03-01"},
    )
    assert column_of("A bus to the hospital") == "Under way"
    step = priority.actions.get()
    assert step.owner == world.sam
    client.post(reverse("voice:action_done", args=[step.pk]))
    assert column_of("A bus to the hospital") == "Done"


def test_a_priority_needs_an_owner_and_says_so(as_user, world):
    found = make_survey(by=world.sam)
    response = as_user(world.sam).post(
        reverse("voice:survey_board", args=[found.pk]), {"title": "Safer streets"}
    )
    assert response.status_code == 400
    assert "Choose who owns it" in response.content.decode()
    assert not found.priorities.exists()


def _wants_news(world, **fields):
    from keepwell.messaging.models import Purpose
    from keepwell.messaging.services import choose_purpose
    from tests.factories import PersonFactory

    person = PersonFactory(area=world.riverside, postcode="WB2 1AB", **fields)
    choose_purpose(person, Purpose.NEWS, True, how="online")
    return person


def test_ana_sends_the_survey_to_riversides_residents_who_want_news_and_answers_come_by_decile(
    as_user, client, world
):
    """Ana leads Riverside. Three residents said yes to news (by text, email and, for one
    who is offline, by letter); one said nothing. Each gets their own link or code; the
    answers are counted by the IMD decile they were sent to, never by who they are."""
    from keepwell.messaging.models import Message, Status
    from keepwell.messaging.retention import redact_expired
    from tests.factories import PersonFactory, lsoa_in_decile

    lsoa_in_decile("WB2 1AB", "E01999201", 1)
    _wants_news(world, mobile="07700 900111")
    _wants_news(world, email="lena@example.org")
    _wants_news(world, no_digital=True, address_line_1="1 Mill Lane", town="Wellbrook", mobile="")
    PersonFactory(area=world.riverside, postcode="WB2 1AB", mobile="07700 900222")
    found = make_survey(by=world.sam)
    url = reverse("voice:survey_send", args=[found.pk])

    refused = as_user(world.sam).post(url, {"area": world.riverside.pk})
    sent = as_user(world.ana).post(url, {"area": world.riverside.pk}, follow=True)
    again = as_user(world.ana).post(url, {"area": world.riverside.pk}, follow=True)

    assert refused.status_code == 400
    assert "You may send surveys only to residents of your own areas" in refused.content.decode()
    assert "Sent to 3 residents." in sent.content.decode()
    assert "Sent to 0 residents. 3 had been sent it before" in again.content.decode()
    invitations = list(found.invitations.all())
    assert len(invitations) == 3 and {i.decile for i in invitations} == {1}
    messages = Message.objects.filter(kind="survey_invitation")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "letter", "sms"]
    letter = messages.get(channel="letter")
    assert surveys.spaced(invitations[0].code)[:4] in " ".join(
        m.body for m in messages
    )  # each message carries its own code
    assert "/voice/answer/" in letter.body

    text = messages.get(channel="sms")
    code = next(i.code for i in invitations if surveys.spaced(i.code) in text.body)
    scale = found.questions.get(kind="scale")
    client.post(reverse("voice:survey_answer", args=[code]), {f"q{scale.pk}": "8"})
    assert SurveyResponse.objects.get().decile == 1
    results = as_user(world.nadia).get(
        reverse("voice:survey_results", args=[found.pk]), {"by": "decile"}
    )
    assert "Decile 1" in results.content.decode()

    # Once a message is final, its words (and the code in them) are blanked.
    messages.update(status=Status.DELIVERED)
    redact_expired()
    assert set(messages.values_list("body", flat=True)) == {""}


def test_someone_who_agrees_to_be_known_is_listed_for_staff_and_nowhere_else(
    as_user, client, world
):
    from keepwell.audit.models import AuditEvent

    found = make_survey(by=world.sam)
    first, second, third = surveys.invite(found, how_many=3, by=world.sam)
    scale = found.questions.get(kind="scale")
    answer = lambda code, **more: client.post(  # noqa: E731
        reverse("voice:survey_answer", args=[code]), {f"q{scale.pk}": "6", **more}
    )

    half = answer(first, named_name="Rosa Lima")
    answer(first, agree_named="on", named_name="Rosa Lima", named_contact="07700 900123")
    answer(second)

    assert half.status_code == 400
    assert "Tick the box to agree to be known" in half.content.decode()
    named = SurveyResponse.objects.exclude(named_at=None).get()
    assert (named.named_name, named.named_contact) == ("Rosa Lima", "07700 900123")
    assert SurveyResponse.objects.filter(named_name="").count() == 1
    page = as_user(world.sam).get(reverse("voice:survey_named", args=[found.pk])).content.decode()
    assert "Rosa Lima" in page and "07700 900123" in page
    assert AuditEvent.objects.filter(action="read", actor=world.sam, object_type="voice.survey")
    results = as_user(world.nadia).get(reverse("voice:survey_results", args=[found.pk]))
    assert "Rosa Lima" not in results.content.decode()


def _welsh(found, changed=None):
    """Every field of the survey's words in Welsh, keyed as messaging's workflow keys them."""
    words = {}
    for q in found.questions.all():
        words[f"q{q.pk}"] = f"Cwestiwn {q.position} yn Gymraeg"
        for i, _ in enumerate(q.options):
            words[f"q{q.pk}.o{i}"] = "Ie"
    return {**words, **(changed or {})}


def test_a_welsh_translation_reaches_people_only_once_a_second_person_approves_it(
    as_user, client, world
):
    """A survey's words go through messaging's translation workflow, as every message's do.
    Sam types in Dilwyn's Welsh on the words page; until someone else approves it, a Welsh
    link shows English. Sam cannot approve his own typing-in; Alex sends back a first
    version, then approves the second, and the questions are asked in Welsh."""
    from keepwell.messaging import translations
    from keepwell.messaging.models import TranslatedWords

    found = make_survey(by=world.sam)
    code = surveys.invite(found, how_many=1, by=world.sam)[0]
    answer_url = reverse("voice:survey_answer", args=[code])
    words_url = reverse("messaging:words", args=["survey", found.pk, "cy"])
    welsh = _welsh(found)
    form = {"translated_by": "Dilwyn Evans"}
    for i, key in enumerate(welsh):
        form[f"w{i}"] = welsh[key]

    survey_page = as_user(world.sam).get(reverse("voice:survey", args=[found.pk])).content
    typed = as_user(world.sam).post(words_url, form)
    first = TranslatedWords.objects.get(source="survey", document=found.pk)
    listed = as_user(world.alex).get(reverse("messaging:templates")).content.decode()
    before = client.get(answer_url, {"lang": "cy"}).content.decode()
    review_url = reverse("messaging:words_review", args=[first.pk])
    own = as_user(world.sam).post(review_url, {"decision": "approve"})
    back = as_user(world.alex).post(
        review_url, {"decision": "send_back", "reason": "Question 2 reads oddly"}
    )
    again = as_user(world.sam).get(words_url).content.decode()
    second = translations.submit(
        "survey", found.pk, language="cy", translated_by="Dilwyn Evans", words=welsh, by=world.sam
    )
    as_user(world.alex).post(
        reverse("messaging:words_review", args=[second.pk]), {"decision": "approve"}
    )
    after = client.get(answer_url, {"lang": "cy"}).content.decode()

    assert words_url in survey_page.decode()
    assert typed.status_code == 302
    assert "Waiting for review" in listed and found.title in listed
    assert "Cwestiwn 1 yn Gymraeg" not in before and "How much control" in before
    assert own.status_code == 400
    assert "someone else must review them" in own.content.decode()
    assert back.status_code == 302
    first.refresh_from_db()
    assert (first.state, first.note) == ("sent_back", "Question 2 reads oddly")
    assert "Question 2 reads oddly" in again and "Cwestiwn 1 yn Gymraeg" in again
    assert second.version == 2
    assert 'lang="cy"' in after and "Cwestiwn 1 yn Gymraeg" in after
    assert found.questions.get(position=2).options[0]["cy"] == "Ie"
    survey_page = as_user(world.sam).get(reverse("voice:survey", args=[found.pk]))
    assert "Approved: people can answer in it" in survey_page.content.decode()


def test_a_translation_with_a_question_left_out_is_refused_naming_it(as_user, world):
    from keepwell.messaging import translations
    from keepwell.messaging.models import TranslatedWords
    from keepwell.messaging.templating import TemplatingError

    found = make_survey(by=world.sam)
    first = found.questions.get(position=1)
    words_url = reverse("messaging:words", args=["survey", found.pk, "cy"])

    with pytest.raises(TemplatingError, match="Question 1"):
        translations.submit(
            "survey",
            found.pk,
            language="cy",
            translated_by="Dilwyn",
            words=_welsh(found, {f"q{first.pk}": " "}),
            by=world.sam,
        )
    page = as_user(world.sam).post(words_url, {"translated_by": "Dilwyn", "w0": ""})

    assert page.status_code == 400
    assert "nhsuk-error-summary" in page.content.decode()
    assert "Enter the words for question 1" in page.content.decode()
    assert not TranslatedWords.objects.exists()


def test_someone_who_runs_surveys_but_does_not_review_words_sees_where_each_language_stands(
    as_user, world
):
    """Priya runs surveys but is not among the place's translators and reviewers: the
    survey page tells her where Welsh stands, and offers her no words page to open."""
    from keepwell.messaging import translations

    found = make_survey(by=world.sam)
    translations.submit(
        "survey",
        found.pk,
        language="cy",
        translated_by="Dilwyn",
        words=_welsh(found),
        by=world.sam,
    )

    page = as_user(world.priya).get(reverse("voice:survey", args=[found.pk])).content.decode()

    assert "Waiting for review: version 1 by Dilwyn" in page
    assert "A coordinator arranges translations" in page
    assert reverse("messaging:words", args=["survey", found.pk, "cy"]) not in page


def test_a_resident_with_only_a_landline_is_phoned_and_the_coordinator_types_her_answers_in(
    as_user, client, world
):
    """Dora wants news but has no mobile, no email and no address on her record: only a
    landline. The survey reaches her as a coordinator's call whose script carries her code;
    Sam, coordinating, rings, reads it out, and types Dora's answers in with the code on the
    same page a letter leads to. The call is recorded, and once final the script (and the
    code) is blanked."""
    from keepwell.messaging.models import CallOutcome, Channel, Message, Status
    from keepwell.messaging.retention import redact_expired

    dora = _wants_news(world, mobile="", email="", phone="01632 960111", address_line_1="", town="")
    found = make_survey(by=world.sam)

    sent = as_user(world.ana).post(
        reverse("voice:survey_send", args=[found.pk]), {"area": world.riverside.pk}, follow=True
    )

    assert "Sent to 1 resident." in sent.content.decode()
    call = Message.objects.get(kind="survey_invitation", person=dora)
    assert call.channel == Channel.PHONE and call.status == Status.QUEUED
    assert call.to == "+441632960111"
    (invitation,) = found.invitations.all()
    spaced_code = surveys.spaced(invitation.code)
    waiting = as_user(world.sam).get(reverse("messaging:calls"))
    assert reverse("messaging:call", args=[call.pk]) in waiting.content.decode()
    script = as_user(world.sam).get(reverse("messaging:call", args=[call.pk]))
    assert spaced_code in script.content.decode()

    # On the phone: the code as read out (spaces and all) opens Dora's form.
    opened = client.post(reverse("voice:survey_start"), {"code": spaced_code.lower()})
    assert opened.status_code == 302
    scale = found.questions.get(kind="scale")
    client.post(opened.url, {f"q{scale.pk}": "6"})
    as_user(world.sam).post(
        reverse("messaging:call", args=[call.pk]),
        {"outcome": CallOutcome.GOT_THROUGH, "notes": "Answered with her"},
    )

    response = SurveyResponse.objects.get()
    assert response.area_id == world.riverside.pk and not response.named_name
    call.refresh_from_db()
    assert call.status == Status.DELIVERED and call.call_by == world.sam
    # The code answers once: typing it again is refused, naming the box.
    again = client.post(reverse("voice:survey_start"), {"code": spaced_code})
    assert again.status_code == 400
    redact_expired()
    call.refresh_from_db()
    assert call.body == "" and spaced_code not in (call.call_notes or "")
