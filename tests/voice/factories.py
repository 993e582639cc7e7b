"""Voice items and reflections as the services make them."""

from __future__ import annotations

from keepwell.insights.voice import services
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
