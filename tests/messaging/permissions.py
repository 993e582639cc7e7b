"""Every messaging URL as every persona. Each area of the room adds its rows below.

Sam coordinates Wellbrook Mutual Aid; Ana leads Riverside and Tom deputises; Priya is the
practice's NHS connector; Jo volunteers; Margaret is a resident; Olly coordinates a group
in another town.
"""

from __future__ import annotations

from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row

MATRIX: list[Row] = []

# --- The communication audit: counts only, so every coordinator and connector, and the
# area leads for their own areas; logging by hand and the review are coordinators' work.
READS_AUDIT = {"alex": OK, "priya": OK, "sam": OK, "olly": OK, "ana": OK, "tom": OK}
KEEPS_AUDIT = {"alex": OK, "priya": OK, "sam": OK, "olly": OK}


def _hand_log(world):
    return {"channel": "leaflet", "happened_on": "2026-01-05", "reach": "300", "language": "en"}


def _review(world):
    return {
        "channel": "sms",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "what_worked": "Texts in Portuguese",
        "why": "People read them",
        "best_messenger": "The helpline",
    }


def _with_purpose(data):
    return lambda world: {**data(world), "purpose": "news"}


MATRIX += [
    Row("messaging:audit", {**SIGNED_IN_ONLY, **READS_AUDIT}),
    Row("messaging:audit", {**SIGNED_IN_ONLY, **READS_AUDIT}, query="format=csv"),
    Row("messaging:audit_log", {**SIGNED_IN_ONLY, **KEEPS_AUDIT}),
    Row(
        "messaging:audit_log",
        {**SIGNED_IN_ONLY, **{name: REDIRECT for name in KEEPS_AUDIT}},
        method="post",
        data=_with_purpose(_hand_log),
    ),
    Row("messaging:audit_review", {**SIGNED_IN_ONLY, **KEEPS_AUDIT}),
    Row(
        "messaging:audit_review",
        {**SIGNED_IN_ONLY, **{name: REDIRECT for name in KEEPS_AUDIT}},
        method="post",
        data=_review,
    ),
]

# --- Conversations: staff who may open the person's record read them; coordinators,
# connectors and admins reply. The texts waiting for an answer: coordinators and connectors,
# each seeing only their own people's (Olly's list is empty, not refused).
SEES_MARGARET = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK}
ANSWERS_MARGARET = {"alex": REDIRECT, "priya": REDIRECT, "sam": REDIRECT}


def _margaret(world):
    return {"person_id": world.margaret_person.pk}


MATRIX += [
    Row("messaging:conversation", {**SIGNED_IN_ONLY, **SEES_MARGARET}, kwargs=_margaret),
    Row(
        "messaging:conversation",
        {**SIGNED_IN_ONLY, **ANSWERS_MARGARET},
        kwargs=_margaret,
        method="post",
        data=lambda world: {"body": "We will ring you tomorrow morning.", "language": "en"},
    ),
    Row("messaging:replies", {**SIGNED_IN_ONLY, **READS_AUDIT, "ana": 403, "tom": 403}),
]

# --- The inbox: everyone signed in has one (staff: their organisations' notes, each where
# its referral may be seen; a person: their own). Marking all read sends them back to it.
MATRIX += [
    Row("messaging:inbox", SIGNED_IN_ONLY, default=OK),
    Row("messaging:inbox_read", SIGNED_IN_ONLY, default=REDIRECT, method="post"),
]

# --- Broadcasts: coordinators, connectors and admins write them; each sees only their own
# organisations' (another group's is not found); area leads, volunteers and residents, none.
SENDS = {"alex": OK, "priya": OK, "sam": OK, "olly": OK, "ana": OK, "tom": OK}
# Ana and Tom lead Riverside for Wellbrook Mutual Aid: they see its broadcasts too, but
# only a sender who may reach the audience (the group's volunteers) changes one.
SEES_SAMS_BROADCAST = {
    **SIGNED_IN_ONLY,
    "alex": OK,
    "sam": OK,
    "ana": OK,
    "tom": OK,
    "priya": 404,
    "olly": 404,
}
SAMS_BROADCAST = {**SEES_SAMS_BROADCAST, "ana": 403, "tom": 403}


def _sams_broadcast(world):
    from keepwell.messaging import broadcasts

    made = broadcasts.save_draft(
        by=world.sam,
        title="Winter food drive",
        audience_kind="volunteers",
        audience_params={"organisation": world.mutual_aid.pk},
        texts={"en": ("Food drive", "Food drive on Saturday at the hall, 10 till 2.")},
    )
    return {"broadcast_id": made.pk}


MATRIX += [
    Row("messaging:broadcasts", {**SIGNED_IN_ONLY, **SENDS}),
    Row("messaging:broadcast_new", {**SIGNED_IN_ONLY, **SENDS}),
    Row("messaging:broadcast", SEES_SAMS_BROADCAST, kwargs=_sams_broadcast),
    Row("messaging:broadcast_edit", SAMS_BROADCAST, kwargs=_sams_broadcast),
    Row("messaging:broadcast_schedule", SAMS_BROADCAST, kwargs=_sams_broadcast),
    Row("messaging:broadcast_cancel", SAMS_BROADCAST, kwargs=_sams_broadcast),
    Row(
        "messaging:broadcast_cancel",
        {**SAMS_BROADCAST, "alex": REDIRECT, "sam": REDIRECT},
        kwargs=_sams_broadcast,
        method="post",
    ),
    Row("messaging:broadcast_share", SEES_SAMS_BROADCAST, kwargs=_sams_broadcast),
    Row("messaging:broadcast_leaflet", SEES_SAMS_BROADCAST, kwargs=_sams_broadcast),
]

# --- The outbox: coordinators, connectors and admins, each seeing their own organisations'
# messages and those to people whose records they may open. A letter to Margaret: the GP's
# connector and her group see it; another town's coordinator finds nothing.
READS_OUTBOX = {"alex": OK, "priya": OK, "sam": OK, "olly": OK}


def _letter_to_margaret(world):
    from keepwell.messaging.models import Channel, Message, Purpose

    letter = Message.objects.create(
        idempotency_key=f"matrix-letter-{world.margaret_person.pk}",
        event="matrix-letter",
        kind="referral_update",
        purpose=Purpose.CARE,
        channel=Channel.LETTER,
        person=world.margaret_person,
        sender_organisation=world.mutual_aid,
        address=["Margaret Evans", "1 Mill Lane", "Wellbrook", "WB2 1AB"],
        subject="Your referral",
        body="A volunteer will phone you on Tuesday.",
    )
    return {"message_id": letter.pk}


MATRIX += [
    Row("messaging:outbox", {**SIGNED_IN_ONLY, **READS_OUTBOX}),
    Row(
        "messaging:outbox_letter",
        {**SIGNED_IN_ONLY, **READS_OUTBOX, "olly": 404},
        kwargs=_letter_to_margaret,
    ),
]

# --- The words keepwell sends: coordinators and admins translate and review (templates are
# the whole platform's, so a coordinator elsewhere is no outsider here); a reviewer may not
# approve words they submitted themselves (400, with the error summary).
MINDS_WORDS = {"alex": OK, "sam": OK, "olly": OK}


def _urdu_stop(world):
    return {"key": "stop_confirmed", "channel": "any", "language": "ur"}


def _urdu_words(world):
    return {
        "subject": "مزید پیغامات نہیں",
        "body": "keepwell: ہم آپ کو مزید پیغامات نہیں بھیجیں گے۔ START بھیجیں۔",
        "translated_by": "Farah Iqbal",
    }


def _waiting_for_review(world):
    from keepwell.messaging import templating

    words = _urdu_words(world)
    made = templating.submit_translation(
        key="stop_confirmed",
        channel="",
        language="ur",
        subject=words["subject"],
        body=words["body"],
        translator=words["translated_by"],
        by=world.sam,
    )
    return {"template_id": made.pk}


MATRIX += [
    Row("messaging:templates", {**SIGNED_IN_ONLY, **MINDS_WORDS}),
    Row("messaging:template", {**SIGNED_IN_ONLY, **MINDS_WORDS}, kwargs=_urdu_stop),
    Row(
        "messaging:template",
        {**SIGNED_IN_ONLY, **{name: REDIRECT for name in MINDS_WORDS}},
        kwargs=_urdu_stop,
        method="post",
        data=_urdu_words,
    ),
    Row("messaging:template_review", {**SIGNED_IN_ONLY, **MINDS_WORDS}, kwargs=_waiting_for_review),
    Row(
        "messaging:template_review",
        {**SIGNED_IN_ONLY, "alex": REDIRECT, "olly": REDIRECT, "sam": 400},
        kwargs=_waiting_for_review,
        method="post",
        data=lambda world: {"decision": "approve"},
    ),
]


# A survey's questions go through the same workflow, with the same people.
def _survey_in_welsh(world):
    from tests.voice.factories import make_survey

    return {"source": "survey", "document": make_survey(by=world.sam).pk, "language": "cy"}


def _survey_words_in_review(world):
    from keepwell.messaging import translations

    found = _survey_in_welsh(world)["document"]
    words = {f.key: f"Cymraeg {i}" for i, f in enumerate(translations.fields_of("survey", found))}
    made = translations.submit(
        "survey", found, language="cy", translated_by="Dilwyn", words=words, by=world.sam
    )
    return {"version_id": made.pk}


MATRIX += [
    Row("messaging:words", {**SIGNED_IN_ONLY, **MINDS_WORDS}, kwargs=_survey_in_welsh),
    Row(
        "messaging:words",
        {**SIGNED_IN_ONLY, **{name: 404 for name in MINDS_WORDS}},
        kwargs=lambda world: {"source": "survey", "document": 999999, "language": "cy"},
    ),
    Row(
        "messaging:words_review", {**SIGNED_IN_ONLY, **MINDS_WORDS}, kwargs=_survey_words_in_review
    ),
    Row(
        "messaging:words_review",
        {**SIGNED_IN_ONLY, "alex": REDIRECT, "olly": REDIRECT, "sam": 400},
        kwargs=_survey_words_in_review,
        method="post",
        data=lambda world: {"decision": "approve"},
    ),
]


# --- How a person would like to be contacted: the person themselves, and staff who may open
# their record. Calls to make: coordinators, connectors and admins, each call only where
# they may see its person or their organisation sent it (Olly: not found).
CONTACTS_MARGARET = {"margaret": OK, **SEES_MARGARET}
MAKES_CALLS = {"alex": OK, "priya": OK, "sam": OK, "olly": OK}


def _call_to_margaret(world):
    from keepwell.messaging.models import Channel, Message, Purpose

    call = Message.objects.create(
        idempotency_key=f"matrix-call:{world.margaret_person.pk}",
        event="matrix-call",
        kind="outcome_follow_up",
        purpose=Purpose.CARE,
        channel=Channel.PHONE,
        person=world.margaret_person,
        recipient_label="Margaret Evans",
        to="+441632960001",
        sender_organisation=world.mutual_aid,
        body="Ask Margaret how she has been since the befriending started.",
        provider="phone",
    )
    return {"message_id": call.pk}


MATRIX += [
    Row("messaging:preferences", {**SIGNED_IN_ONLY, **CONTACTS_MARGARET}, kwargs=_margaret),
    Row("messaging:calls", {**SIGNED_IN_ONLY, **MAKES_CALLS}),
    Row(
        "messaging:call",
        {**SIGNED_IN_ONLY, "alex": OK, "priya": OK, "sam": OK, "olly": 404},
        kwargs=_call_to_margaret,
    ),
]
