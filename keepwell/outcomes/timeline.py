"""A person's wellbeing answers as entries of their timeline (``keepwell.people``)."""

from __future__ import annotations

from django.urls import reverse

from keepwell.core.timeline import Entry
from keepwell.outcomes.models import Response


def entries(person, user) -> list[Entry]:
    found = []
    responses = (
        Response.objects.filter(person=person)
        .select_related("measure")
        .prefetch_related("answers")
        .order_by("answered_at")
    )
    url = reverse("outcomes:person", kwargs={"person_id": person.pk})
    for response in responses:
        if response.total is not None:
            detail = f"Score {response.total}"
        else:
            detail = ", ".join(
                f"{a.item.replace('_', ' ')} {a.value}" for a in response.answers.all()
            )
        found.append(
            Entry(
                at=response.answered_at,
                kind="Wellbeing answers",
                title=f"{response.measure.name}: {response.timepoint.lower()}",
                detail=detail,
                url=url,
            )
        )
    return found
