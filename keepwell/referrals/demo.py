"""Wellbrook's referrals: one in every state, both ways, and a resident who referred herself.

Idempotent: each demo referral carries a stable ``source`` ("demo:<key>") and is made once.
Services are found or made by organisation and name, so the directory's own demo may load
before or after this one without duplicating them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

from keepwell.directory import doors
from keepwell.directory import services as directory
from keepwell.directory.models import Service, ServiceCategory
from keepwell.people.models import Consent, Person
from keepwell.referrals import services
from keepwell.referrals.fhir import service_system as fhir_service_system
from keepwell.referrals.models import AcceptsFrom, Referral, Status

# (organisation slug, name, category, description, accepts referrals, taking new people,
#  who may refer)
SERVICES = [
    (
        "wellbrook-mutual-aid",
        "Friendly phone calls",
        ServiceCategory.SOCIAL,
        "A weekly chat with the same volunteer, for anyone who would like someone to talk to.",
        True,
        True,
        AcceptsFrom.ANYONE,
    ),
    (
        "wellbrook-mutual-aid",
        "Wellbrook walking group",
        ServiceCategory.SOCIAL,
        "A gentle hour's walk by the river every Wednesday, finishing with a cuppa.",
        True,
        True,
        AcceptsFrom.ANYONE,
    ),
    (
        "wellbrook-mutual-aid",
        "Shopping and prescriptions",
        ServiceCategory.PRACTICAL,
        "Volunteers collect shopping and prescriptions for people who cannot get out.",
        True,
        True,
        AcceptsFrom.NHS,
    ),
    (
        "wellbrook-cvs",
        "Money and benefits advice",
        ServiceCategory.EDUCATIONAL,
        "One-to-one help with benefits, debts and bills. Full until the new year.",
        True,
        False,
        AcceptsFrom.ANYONE,
    ),
    (
        "wellbrook-cvs",
        "Bereavement support group",
        ServiceCategory.EMOTIONAL,
        "A monthly group for people who have lost someone close.",
        True,
        True,
        AcceptsFrom.ANYONE,
    ),
]


def service(place, organisation_slug: str, name: str) -> Service:
    """The demo service by its organisation and name, made if it is not there yet."""
    organisation = place.organisations[organisation_slug]
    found = Service.objects.filter(organisation=organisation, name=name).order_by("pk").first()
    if found is not None:
        return found
    for slug, service_name, category, description, accepts, taking, accepts_from in SERVICES:
        if slug == organisation_slug and service_name == name:
            # Listed by the directory, as any service is (its own demo loads first and
            # usually made it already).
            made = directory.create_service(
                organisation,
                by=None,
                verified=False,
                name=name,
                category=category,
                description=description,
                status=Service.Status.PUBLISHED,
                accepts_referrals=accepts,
                taking_new_people=taking,
            )
            if accepts_from != AcceptsFrom.ANYONE:
                services.set_door(
                    made,
                    by=None,
                    accepts_referrals=accepts,
                    taking_new_people=taking,
                    accepts_from=accepts_from,
                )
            return made
    raise KeyError(f"No demo service {name!r} at {organisation_slug}")


def demo_services(place) -> dict[str, Service]:
    return {name: service(place, slug, name) for slug, name, *_ in SERVICES}


@dataclass(frozen=True)
class Story:
    key: str
    person: int  # index into place.people
    service: str
    days_ago: int
    # The statuses it passed through, each (status, days after sending, note).
    path: tuple[tuple[str, int, str], ...] = ()
    themes: tuple[str, ...] = ("loneliness",)
    what_matters: str = ""
    safety_notes: str = ""
    urgency: str = "routine"


STORIES = [
    Story(
        "sent-fresh",
        2,
        "Friendly phone calls",
        0,
        what_matters="Hearing a friendly voice now my daughter has moved away",
    ),
    Story(
        "sent-late",
        3,
        "Wellbrook walking group",
        12,
        themes=("physical_activity", "loneliness"),
        what_matters="Getting my confidence back on my feet after the fall",
        safety_notes="Walks with a stick; had a fall in the spring",
    ),
    Story(
        "accepted",
        5,
        "Friendly phone calls",
        6,
        path=(("accepted", 1, "We will call her on Thursday"),),
        what_matters="Someone to talk to in the evenings",
    ),
    Story(
        "declined",
        6,
        "Bereavement support group",
        9,
        path=(("declined", 2, "The next group is in March; the walking group meets weekly"),),
        themes=("bereavement",),
        what_matters="Talking to people who understand what losing Ray was like",
    ),
    Story(
        "contacted",
        7,
        "Shopping and prescriptions",
        8,
        path=(("accepted", 1, ""), ("contacted", 3, "Spoke to her son; first shop Friday")),
        themes=("practical",),
        what_matters="Staying in my own home",
        urgency="soon",
    ),
    Story(
        "engaged",
        8,
        "Wellbrook walking group",
        30,
        path=(
            ("accepted", 1, ""),
            ("contacted", 2, "Met at the library"),
            ("engaged", 9, "Has come three Wednesdays running"),
        ),
        themes=("physical_activity",),
        what_matters="Being outside and seeing the river",
    ),
    Story(
        "completed",
        0,
        "Friendly phone calls",
        70,
        path=(
            ("accepted", 1, ""),
            ("contacted", 2, "First call went well"),
            ("engaged", 5, "Weekly calls with Jo"),
            ("completed", 60, "Now goes to the lunch club with her neighbour"),
        ),
        what_matters="Getting out of the house and talking to people again",
    ),
    Story(
        "closed",
        9,
        "Friendly phone calls",
        40,
        path=(
            ("accepted", 2, ""),
            ("closed", 20, "Moved to live with family in Leeds"),
        ),
        what_matters="Company while my husband is in hospital",
    ),
]


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _done(key: str) -> bool:
    return Referral.objects.filter(source=f"demo:{key}").exists()


def _to_community(place, story: Story, found: dict[str, Service]) -> None:
    connector = place.users["connector"]
    coordinator = place.users["coordinator"]
    practice = place.organisations["wellbrook-health-centre"]
    person: Person = place.people[story.person]
    sent = _at(story.days_ago)
    target = found[story.service]
    # The story's service was open when she was referred, even if it is full today.
    with doors.held_open(target):
        referral = services.create_referral(
            person=person,
            service=target,
            by=connector,
            from_organisation=practice,
            consent_how=Consent.How.IN_PERSON,
            what_matters=story.what_matters,
            themes=story.themes,
            needs="",
            urgency=story.urgency,
            safety_notes=story.safety_notes,
            source=f"demo:{story.key}",
            via="demo",
            now=sent,
        )
    for status, after, note in story.path:
        extra = {}
        if status == Status.DECLINED:
            extra = {
                "decline_reason": note,
                "suggested_services": [found["Wellbrook walking group"]],
            }
        elif status == Status.CLOSED:
            extra = {"close_reason": note}
        else:
            extra = {"note": note}
        services.change_status(
            referral, status, by=coordinator, via="demo", now=sent + timedelta(days=after), **extra
        )
    if story.key == "completed":
        services.record_strengths(
            person,
            [("skill", "Knitting and crochet"), ("time", "A morning a week")],
            by=coordinator,
            source=f"referral:{referral.pk}",
        )


def _to_practice(place) -> None:
    coordinator = place.users["coordinator"]
    connector = place.users["connector"]
    mutual_aid = place.organisations["wellbrook-mutual-aid"]
    if not _done("review-sent"):
        person = place.people[10]
        services.refer_to_practice(
            person,
            person.gp_practice or place.organisations["wellbrook-health-centre"],
            "Jo noticed her ankles are very swollen and she is breathless on the stairs",
            coordinator,
            source="demo:review-sent",
            from_organisation=mutual_aid,
            urgency="soon",
            consent_how=Consent.How.IN_PERSON,
            via="demo",
            now=_at(1),
        )
    if not _done("review-accepted"):
        person = place.people[12]
        practice = place.organisations["wellbrook-health-centre"]
        referral = services.refer_to_practice(
            person,
            practice,
            "Not eating well since his wife died; the fridge was empty again",
            coordinator,
            source="demo:review-accepted",
            from_organisation=mutual_aid,
            what_matters="Staying at home with his cat",
            consent_how=Consent.How.PHONE,
            via="demo",
            now=_at(5),
        )
        services.change_status(
            referral,
            Status.ACCEPTED,
            by=connector,
            note="Dr Shah will visit on Monday",
            via="demo",
            now=_at(4),
        )


def _self_referral(place, found: dict[str, Service]) -> None:
    if _done("self"):
        return
    referral = services.create_self_referral(
        service=found["Wellbrook walking group"],
        what_matters="I have just moved here and do not know anyone",
        preferred_channel="phone",
        person=place.people[14],
        now=_at(2),
    )
    Referral.objects.filter(pk=referral.pk).update(source="demo:self")


# The practice's GP system, as BaRS names it (a made-up address: replies go to the fake).
PRACTICE_SYSTEM = "https://wellbrook-health-centre.example.nhs.uk/fhir/$process-message"
BARS_MESSAGE_ID = "5c0a9f5e-7d1b-4f43-9d53-2d5b2b1f0a01"
BARS_SOURCE = "bars:GP-2041"  # the source a BaRS referral keeps: its ServiceRequest identifier


def _bars_message(person: Person, target: Service) -> dict:
    """A BaRS referral as the practice's GP system sends one: the MessageHeader, the
    ServiceRequest for the befriending service, the Patient, the Consent, a Flag for the
    visit, and an Encounter keepwell keeps without mapping."""
    urn = "urn:uuid:5c0a9f5e-7d1b-4f43-9d53-2d5b2b1f0a"
    request, patient, consent, flag, encounter = (f"{urn}{n:02d}" for n in range(2, 7))
    person_details: dict = {
        "resourceType": "Patient",
        "name": [{"family": person.family_name, "given": [person.given_name]}],
        "address": [{"postalCode": person.postcode}],
    }
    if person.date_of_birth:
        person_details["birthDate"] = person.date_of_birth.isoformat()
    resources = [
        {
            "resourceType": "MessageHeader",
            "id": BARS_MESSAGE_ID,
            "eventCoding": {
                "system": "https://fhir.nhs.uk/CodeSystem/message-events-bars",
                "code": "servicerequest-request",
            },
            "source": {"name": "Wellbrook Health Centre GP system", "endpoint": PRACTICE_SYSTEM},
            "reason": {"coding": [{"code": "new"}]},
            "focus": [{"reference": request}],
        },
        {
            "resourceType": "ServiceRequest",
            "identifier": [
                {"system": "https://wellbrook-hc.example.nhs.uk/referral", "value": "GP-2041"}
            ],
            "status": "active",
            "intent": "order",
            "priority": "routine",
            "subject": {"reference": patient},
            "performer": [
                {"identifier": {"system": fhir_service_system(), "value": str(target.uuid)}}
            ],
            "reasonCode": [
                {"text": "Lonely since her sister moved away; would like a weekly call"}
            ],
            "note": [
                {"text": "She is deaf in her left ear: speak clearly, and call in the afternoon"}
            ],
        },
        person_details,
        {
            "resourceType": "Consent",
            "status": "active",
            "scope": {"coding": [{"code": "patient-privacy"}]},
            "patient": {"reference": patient},
        },
        {
            "resourceType": "Flag",
            "status": "active",
            "code": {"text": "Lives alone; has a key safe"},
            "subject": {"reference": patient},
        },
        {"resourceType": "Encounter", "status": "finished", "subject": {"reference": patient}},
    ]
    urls = [f"urn:uuid:{BARS_MESSAGE_ID}", request, patient, consent, flag, encounter]
    return {
        "resourceType": "Bundle",
        "id": "5c0a9f5e-7d1b-4f43-9d53-2d5b2b1f0a00",
        "type": "message",
        "entry": [{"fullUrl": u, "resource": r} for u, r in zip(urls, resources, strict=True)],
    }


def _by_bars(place, found: dict[str, Service]) -> None:
    """The practice's GP system refers someone by BaRS and hears back as the coordinator
    accepts; Sam asks Riverside Surgery, whose system takes BaRS, to review someone."""
    from keepwell.referrals.bars import receiving

    coordinator = place.users["coordinator"]
    target = found["Friendly phone calls"]
    if not Referral.objects.filter(source=BARS_SOURCE).exists():
        with doors.held_open(target):
            answer = receiving.receive(
                json.dumps(_bars_message(place.people[8], target)),
                by=place.users["connector"],
                within_transaction=True,
            )
        if answer.status != 200:
            raise RuntimeError(f"the demo's BaRS referral was refused: {answer.body}")
        referral = Referral.objects.get(source=BARS_SOURCE)
        # Accepted in keepwell: the practice's system hears of it (a reply in the outbox).
        services.change_status(
            referral,
            Status.ACCEPTED,
            by=coordinator,
            note="Jo will call on Thursday afternoon",
            via="demo",
        )
    if not _done("review-bars"):
        riverside = place.organisations["riverside-surgery"]
        services.refer_to_practice(
            place.people[9],
            riverside,
            "Keeps missing her repeat prescription; the pharmacy says nothing was ordered",
            coordinator,
            source="demo:review-bars",
            from_organisation=place.organisations["wellbrook-mutual-aid"],
            consent_how=Consent.How.PHONE,
            via="demo",
            now=_at(1),
        )


def load(place) -> None:
    found = demo_services(place)
    for story in STORIES:
        if not _done(story.key):
            _to_community(place, story, found)
    _to_practice(place)
    _self_referral(place, found)
    _by_bars(place, found)
    # The late one has been chased: a reminder, then an escalation.
    services.remind_and_escalate()
