"""Community voice and practice reflection URLs × personas. The voice pages are public;
staff answer (olly too: every partner may answer publicly, under their name); coordinators,
NHS connectors and admins moderate. A reflection is its team's: Wellbrook Mutual Aid's
is seen by Sam, Ana, Tom and Alex, not by the practice or another town's group."""

from __future__ import annotations

from keepwell.insights.voice import surveys
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row
from tests.voice.factories import make_item, make_reflection, make_survey

SEE_OTHER = 303
STAFF = {name: OK for name in ("alex", "priya", "sam", "ana", "tom", "olly")}
MODERATORS = {name: OK for name in ("alex", "priya", "sam", "olly")}
MUTUAL_AID_TEAM = {name: OK for name in ("alex", "sam", "ana", "tom")}


def item(world):
    return {"item_id": make_item(area=world.riverside).pk}


def reflection(world):
    return {"reflection_id": make_reflection(world.mutual_aid, by=world.sam).pk}


def survey(world):
    return {"survey_id": make_survey(by=world.sam).pk}


def code(world):
    found = make_survey(by=world.sam)
    return {"code": surveys.invite(found, how_many=1, by=world.sam)[0]}


def _priority(world):
    found = make_survey(by=world.sam)
    return surveys.make_priority(
        found, title="A bus to the hospital", owner=world.priya, by=world.sam
    )


def priority(world):
    return {"priority_id": _priority(world).pk}


def action(world):
    step = surveys.add_action(
        _priority(world), text="Ask the council", owner=world.sam, by=world.sam
    )
    return {"action_id": step.pk}


MATRIX = [
    Row("voice:index", expect={}, default=OK),
    Row("voice:index", expect={}, default=OK, query="status=heard&area=99999"),
    Row("voice:raise", expect={}, default=OK),
    Row("voice:raised", expect={}, default=OK),
    Row("voice:item", expect={}, default=OK, kwargs=item),
    Row("voice:support", expect={}, default=SEE_OTHER, kwargs=item, method="post"),
    Row("voice:answer", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=item),
    Row("voice:hide", expect={**SIGNED_IN_ONLY, **MODERATORS}, kwargs=item),
    Row("voice:reflections", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("voice:reflection_new", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("voice:reflection", expect={**SIGNED_IN_ONLY, **MUTUAL_AID_TEAM}, kwargs=reflection),
    # An analyst reads the place-wide picture: it names no team that did not agree.
    Row("voice:reflections_place", expect={**SIGNED_IN_ONLY, **STAFF, "nadia": OK}),
    Row("voice:surveys", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("voice:survey_new", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("voice:survey", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    # Results are suppressed figures, never a person's answers: analysts read them too.
    Row("voice:survey_send", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    Row("voice:survey_named", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    Row("voice:survey_results", expect={**SIGNED_IN_ONLY, **STAFF, "nadia": OK}, kwargs=survey),
    Row("voice:survey_coding", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    Row("voice:survey_theme_add", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    Row("voice:survey_board", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=survey),
    Row("voice:priority", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=priority),
    Row(
        "voice:action_done",
        method="post",
        kwargs=action,
        expect={**SIGNED_IN_ONLY, **{name: REDIRECT for name in STAFF}},
    ),
    Row("voice:survey_start", expect={}, default=OK),
    Row("voice:survey_answer", expect={}, default=OK, kwargs=code),
    Row("voice:survey_thanks", expect={}, default=OK),
]
