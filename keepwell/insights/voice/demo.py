"""Wellbrook's community voice: issues and ideas in every status (one removed by
moderators), each with neighbours' support and the answers given; two teams' reflections on
health-creating practice (the health centre twice, to show change); and a "what matters to
you" survey answered in English and Portuguese across the neighbourhoods, its open
answers coded into themes and two themes taken on as priorities on its planning board.

Loading twice changes nothing: items are found by title, reflections by team and note,
support comes from fixed demo browser keys that count once each, and the survey is
found by its title.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from keepwell.insights.voice import queries, services, surveys
from keepwell.insights.voice.models import (
    Kind,
    Reflection,
    Status,
    Survey,
    VoiceItem,
    VoiceUpdate,
)

# title, kind, area, body, supporters, [(status, by, note)], days ago raised
ITEMS = [
    (
        "No bench at the bus stop by the health centre",
        Kind.ISSUE,
        "town-centre",
        "Older patients stand for twenty minutes waiting for the 42 home after appointments.",
        14,
        [
            (Status.DISCUSSING, "connector", "We have asked the council's highways team."),
            (
                Status.ACTING,
                "connector",
                "The council agreed a bench; we pay half from the practice's community fund.",
            ),
            (Status.DONE, "connector", "The bench went in on Monday. Thank you for raising it."),
        ],
        120,
    ),
    (
        "A Portuguese-speaking volunteer at the Friday surgery",
        Kind.IDEA,
        "riverside",
        "Many of us struggle to explain what is wrong. A volunteer who speaks Portuguese on "
        "Fridays would help, like the helpline did in the pandemic.",
        22,
        [
            (Status.DISCUSSING, "coordinator", "Mutual Aid has three volunteers who could."),
            (Status.ACTING, "connector", "Starting in March: Ana and Rui on alternate Fridays."),
        ],
        75,
    ),
    (
        "Evening appointments for people who work shifts",
        Kind.ISSUE,
        "northgate",
        "I work nights at the depot and can never get to the surgery in the day.",
        9,
        [(Status.DISCUSSING, "connector", "The PCN is looking at extended hours this spring.")],
        40,
    ),
    (
        "A walking group from the community hub",
        Kind.IDEA,
        "hillside",
        "A gentle walk once a week, for people who are lonely or getting over an illness.",
        5,
        [],
        6,
    ),
    (
        "Reopen the branch surgery in Hillside",
        Kind.ISSUE,
        "hillside",
        "The bus to the health centre takes an hour each way.",
        31,
        [
            (Status.DISCUSSING, "connector", "We have looked at the costs with the ICS."),
            (
                Status.NOT_POSSIBLE,
                "connector",
                "The building failed its safety survey and there is no money to rebuild it "
                "this year. Instead a nurse will run a clinic at the Hillside hub every "
                "Tuesday, and the volunteer car scheme will take people to the health centre.",
            ),
        ],
        150,
    ),
]
REMOVED = (
    "Complaint about a named receptionist",
    "Abusive about a named member of staff",
)

# team, days ago, may be named, {statement: (rating, evidence)}
REFLECTIONS = [
    (
        "wellbrook-health-centre",
        "connector",
        200,
        True,
        {
            "feature.listening": (2, "Only the patient participation group is asked"),
            "feature.truth": (3, "We explain waits honestly in the newsletter"),
            "feature.strengths": (2, "We still start from what patients lack"),
            "feature.self_organising": (1, "Nothing yet"),
            "feature.power": (1, "All decisions are made in the partners' meeting"),
            "barrier.voice": (2, "No way for residents to raise things with us"),
            "barrier.language": (2, "Leaflets in English only"),
        },
    ),
    (
        "wellbrook-health-centre",
        "connector",
        20,
        True,
        {
            "feature.listening": (4, "You said, we did: every item answered within a month"),
            "feature.truth": (4, "We said no to the branch surgery, and why"),
            "feature.strengths": (3, "Link workers ask what people are good at"),
            "feature.self_organising": (2, "We host the walking group's planning"),
            "feature.power": (2, "Residents sit on the community fund panel"),
            "barrier.voice": (4, "Voice items from the public form and the hub"),
            "barrier.language": (3, "Portuguese volunteer on Fridays from March"),
        },
    ),
    (
        "wellbrook-mutual-aid",
        "coordinator",
        30,
        False,
        {
            "feature.listening": (5, "The helpline hears everything first"),
            "feature.self_organising": (5, "Street leads run their own areas"),
            "attribute.infrastructure": (4, "Area leads with deputies"),
            "attitude.can_do": (5, "We start the same day"),
            "barrier.funding": (2, "Small grants only, renewed every year"),
            "barrier.sustainability": (2, "Two founders do most of the organising"),
        },
    ),
]


SURVEY = "What matters to you in Wellbrook"
QUESTIONS = """\
scale: How much control do you feel over your life? | Quanto controlo sente sobre a sua vida?
single: What would most improve where you live? | O que mais melhoraria o sítio onde vive?
- Somewhere to meet people | Um lugar para conhecer pessoas
- Safer streets | Ruas mais seguras
- Help in my own language | Ajuda na minha língua
- Easier GP appointments | Consultas no médico de família mais fáceis
multiple: Who do you turn to when things are hard? | A quem recorre quando as coisas estão difíceis?
- Family | Família
- Neighbours | Vizinhos
- A community group | Um grupo comunitário
- Nobody | Ninguém
text: What matters to you? | O que é importante para si?"""
# area, people answering, share answering in Portuguese (of 10), scale centre
SURVEY_AREAS = [("town-centre", 24, 1, 6), ("riverside", 30, 6, 5), ("northgate", 14, 0, 7),
                ("hillside", 5, 0, 4)]  # fmt: skip
SAID = {
    "en": ["A bus that goes to the hospital", "Feeling safe walking home", "Seeing people"],
    "pt": ["Ter alguém que fale português", "Trabalho para os meus filhos", "Não estar só"],
}

THEMES = [
    ("Transport", "bus, hospital, lift, autocarro"),
    ("Safety", "safe, seguro, segura"),
    ("Company and belonging", "people, só, alone, seeing"),
    ("Language", "português, portuguese, língua"),
    ("Work and money", "trabalho, job, work, money"),
]


def _at(days: int):
    return timezone.now() - timedelta(days=days)


def _item(place, title, kind, area, body, supporters, answers, days) -> None:
    if VoiceItem.objects.filter(title=title).exists():
        return
    item = services.raise_item(title=title, body=body, kind=kind, area=place.areas[area], via="web")
    VoiceItem.objects.filter(pk=item.pk).update(raised_at=_at(days), status_changed_at=_at(days))
    for n in range(supporters):
        services.support(item, browser=f"demo-{n}")
    for step, (status, who, note) in enumerate(answers, start=1):
        update = services.answer(item, status=status, note=note, by=place.users[who])
        at = _at(max(days - 20 * step, 1))
        VoiceUpdate.objects.filter(pk=update.pk).update(at=at)
        VoiceItem.objects.filter(pk=item.pk).update(status_changed_at=at)


def load(place) -> None:
    _survey(place)
    for row in ITEMS:
        _item(place, *row)
    title, reason = REMOVED
    if not VoiceItem.objects.filter(title=title).exists():
        item = services.raise_item(
            title=title,
            body="(words removed by moderators)",
            kind=Kind.ISSUE,
            area=place.areas["town-centre"],
        )
        services.hide(item, reason=reason, by=place.users["coordinator"])
    today = timezone.localdate()
    for number, (slug, who, days, may_name, ratings) in enumerate(REFLECTIONS, start=1):
        organisation = place.organisations[slug]
        notes = f"Demo reflection {number}: the team talked it through at its monthly meeting."
        if Reflection.objects.filter(organisation=organisation, notes=notes).exists():
            continue
        services.record_reflection(
            organisation,
            by=place.users[who],
            ratings=ratings,
            reflected_on=today - timedelta(days=days),
            may_name_team=may_name,
            notes=notes,
        )


def _survey(place) -> None:
    if Survey.objects.filter(title=SURVEY).exists():
        return
    by = place.users["coordinator"]
    survey = surveys.create_survey(
        title=SURVEY,
        intro="Ten minutes, anonymous. What you say shapes what we do next.",
        questions_text=QUESTIONS,
        by=by,
    )
    scale, single, multiple, text = survey.questions.all()
    rng = place.rng
    for slug, people, portuguese, centre in SURVEY_AREAS:
        codes = surveys.invite(survey, how_many=people + 5, area=place.areas[slug], by=by)
        for n, code in enumerate(codes[:people]):
            language = "pt" if n % 10 < portuguese else "en"
            answers = {
                scale.pk: max(0, min(10, centre + rng.randint(-3, 3))),
                single.pk: 2 if language == "pt" and rng.random() < 0.6 else rng.randrange(4),
                multiple.pk: sorted(rng.sample(range(4), rng.randint(1, 2))),
                text.pk: rng.choice(SAID[language]),
            }
            surveys.record_answers(code, answers, language=language)
    for name, words in THEMES:
        surveys.add_theme(survey, name=name, keywords=words, by=by)
    _code_by_suggestion(survey, by)
    _plan(place, survey)


def _plan(place, survey) -> None:
    """Two themes taken on: one under way, one done."""
    connector, coordinator = place.users["connector"], place.users["coordinator"]
    themes = {t.name: t for t in survey.themes.all()}
    transport = surveys.make_priority(
        survey,
        title="A bus that stops at the health centre",
        owner=connector,
        theme=themes["Transport"],
        by=coordinator,
    )
    step = surveys.add_action(
        transport, text="Ask the council for a route change", owner=connector, by=coordinator
    )
    surveys.finish_action(step, by=connector)
    surveys.add_action(
        transport,
        text="Start the volunteer car scheme for Hillside",
        owner=coordinator,
        due_on=timezone.localdate() + timedelta(days=30),
        by=coordinator,
    )
    language = surveys.make_priority(
        survey,
        title="Help in Portuguese at the Friday surgery",
        owner=coordinator,
        theme=themes["Language"],
        by=coordinator,
    )
    step = surveys.add_action(
        language,
        text="Recruit two Portuguese-speaking volunteers",
        owner=coordinator,
        by=coordinator,
    )
    surveys.finish_action(step, by=coordinator)


def _code_by_suggestion(survey, by) -> None:
    """A coordinator's first pass: the demo takes the codebook's suggestions as decided."""
    while True:
        _, to_code, _ = queries.answers_to_code(survey)
        if not to_code:
            return
        surveys.code_answers(survey, {i.answer.pk: i.suggested for i in to_code}, by=by)
