"""Voice items and reflections as the services make them."""

from __future__ import annotations

from keepwell.insights.voice import services, surveys
from keepwell.insights.voice.models import Kind


def make_item(*, title="No bench at the bus stop", area=None, by=None, **extra):
    return services.raise_item(
        title=title,
        body=extra.pop("body", "Older people wait standing for the 42 outside the health centre."),
        kind=extra.pop("kind", Kind.ISSUE),
        area=area,
        by=by,
        **extra,
    )


def make_reflection(organisation, *, by, ratings=None, **extra):
    ratings = ratings or {"feature.listening": (4, "We hold a monthly open meeting")}
    return services.record_reflection(organisation, by=by, ratings=ratings, **extra)


QUESTIONS = """\
scale: How much control do you feel over your life? | Quanto controlo sente sobre a sua vida?
single: What would most improve where you live? | O que mais melhoraria onde vive?
- Somewhere to meet | Um lugar para encontros
- Safer streets | Ruas mais seguras
multiple: Who do you turn to? | A quem recorre?
- Family | Família
- Neighbours | Vizinhos
- Nobody | Ninguém
text: What matters to you? | O que é importante para si?"""


def make_survey(*, by, title="What matters to you in Wellbrook"):
    return surveys.create_survey(title=title, intro="", questions_text=QUESTIONS, by=by)
