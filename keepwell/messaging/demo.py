"""Wellbrook speaks: how the demo place's people are reached, and what came back.

* **Preferences**: Rui Pereira wants texts in Portuguese; Betty Cooper has no phone or
  internet and is written to in large print; a dozen residents said yes to news; Arthur
  Hall texts STOP after the broadcast.
* **A broadcast** from Sam Okafor to the members of Wellbrook Mutual Aid who want news, in
  English, Portuguese and Polish (an Urdu speaker gets the English, counted as a language
  fallback), sent through the outbox to the fake provider, with its delivery receipts;
  letters go as PDFs (large print, or Polish).
* **Two ways**: George Taylor's question lands with the coordinators and Sam answers it; Rui
  writes in Portuguese and is answered in Portuguese; Helena Ferreira's thanks still waits
  on the replies page. Jo Bell answers a task offer YES by text and the task is
  hers.
* **A fallback**: Ernest Harris's mobile no longer works, so Sam's text to him fails and
  becomes a coordinator's call, which Sam makes and records.
* **By hand**: leaflets with the broadcast, a WhatsApp group post and its reach, a poster at
  the health centre, a community radio slot; a 12-month review of text messages.
* **A year of history** for the communication audit: a few thousand messages over the last
  twelve months across channels, languages, purposes and areas, with realistic delivered,
  failed, replied and acted-on rates, then counted into the audit's daily tallies.

Everything but the history goes through messaging's own services, so the rows are what
the real code writes. The demo always sends through the fake provider, never Notify.
Loaded between 21:00 and 08:00, the broadcast's texts wait for the end of quiet hours, as
anyone's would; ``serve`` (run beside the demo's web server) sends them then.

Loading twice changes nothing: each story checks it has not happened yet (received texts
are idempotent by their provider id, history rows by ``demo-history:<n>`` keys).
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import date, timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from keepwell.messaging import broadcasts, calls, conversation, handlogs, outbox, preferences
from keepwell.messaging import services as messaging
from keepwell.messaging.inbound import receive_text
from keepwell.messaging.models import (
    Broadcast,
    CallOutcome,
    Channel,
    ChannelReview,
    HandChannel,
    HandLog,
    InboundMessage,
    Message,
    Preference,
    Purpose,
    PurposeChoice,
    Status,
)
from keepwell.messaging.providers import FakeProvider
from keepwell.messaging.report import roll_up_all

logger = logging.getLogger(__name__)

BROADCAST_TITLE = "Flu jabs at St Mary's church hall on Saturday"
BROADCAST_LINK = "https://wellbrook.example/flu-jabs"
BROADCAST_TEXTS = {
    "en": (
        "Free flu jabs this Saturday",
        "Hello ((name)), free flu jabs at St Mary's church hall, Saturday 10am to 2pm. "
        "No appointment needed. Reply to this text if you need a lift.",
    ),
    "pt": (
        "Vacina da gripe gratuita no sábado",
        "Olá ((name)), vacina da gripe gratuita no salão da igreja de St Mary, sábado das "
        "10h às 14h. Não precisa de marcação. Responda a esta mensagem se precisar de boleia.",
    ),
    "pl": (
        "Bezpłatne szczepienia przeciw grypie w sobotę",
        "Dzień dobry ((name)), bezpłatne szczepienia przeciw grypie w sali kościoła St Mary, "
        "sobota 10:00-14:00. Bez zapisów. Odpisz na tę wiadomość, jeśli potrzebujesz "
        "podwózki.",
    ),
}
# Residents who said yes to news (on the phone to a coordinator). Their records are made by
# keepwell/demo/place.py; the broadcast reaches them in their languages and channels.
NEWS_YES = [
    "John Smith",
    "Tomasz Nowak",
    "George Taylor",
    "Joan Wilson",
    "Rui Pereira",
    "Lucy Green",
    "Arthur Hall",
    "Agnieszka Kowalska",
    "Yusuf Ahmed",
    "Betty Cooper",
    "Helena Ferreira",
]
# A mobile number Notify's test mode always fails for good (see providers.fake_outcome).
BROKEN_MOBILE = "07700 900002"
# Jo Bell's mobile, as help's demo gives it (the first volunteer).
JO_MOBILE = "+447700900000"

# (provider id, name, words): texts people send back after the broadcast.
REPLIES = [
    (
        "demo-reply-george",
        "George Taylor",
        "Is the hall step-free? I use a walker and my daughter can't drive me.",
    ),
    ("demo-reply-rui", "Rui Pereira", "Posso levar a minha vizinha Maria? Ela não lê inglês."),
    ("demo-reply-helena", "Helena Ferreira", "Obrigada! Vou estar lá às 10h."),
]
ANSWERS = {
    "George Taylor": (
        "en",
        "Hello George, yes, the hall has a ramp at the side door. Kwame can pick you up at "
        "10:30 on Saturday; we will text the day before. Sam, Wellbrook Mutual Aid",
    ),
    "Rui Pereira": (
        "pt",
        "Olá Rui, claro que sim. A Beatriz estará lá para ajudar em português. Sam",
    ),
}

HISTORY_SIZE = 3_000
HISTORY_DAYS = 360
# How a year of messages was spread: weights, not counts.
HISTORY_CHANNELS = {
    Channel.SMS: 52,
    Channel.EMAIL: 18,
    Channel.LETTER: 8,
    Channel.INBOX: 14,
    Channel.PHONE: 8,
}
# (kind, purpose, audience, weight, who answers it: "offer" YES/NO, "reply" or "")
HISTORY_KINDS = [
    ("task_offer", Purpose.VOLUNTEERING, "volunteer", 22, "offer"),
    ("task_reminder", Purpose.VOLUNTEERING, "volunteer", 12, ""),
    ("referral_update", Purpose.CARE, "person", 16, "reply"),
    ("outcome_follow_up", Purpose.CARE, "person", 10, "acted"),
    ("referral_status", Purpose.WORK, "referrer", 8, ""),
    ("broadcast", Purpose.NEWS, "person", 22, "reply"),
    ("check_expiring", Purpose.VOLUNTEERING, "volunteer", 4, ""),
    ("reply", Purpose.CARE, "person", 6, ""),
]
HISTORY_WORDS = {
    "task_offer": "Can you help with shopping in Riverside tomorrow? Reply YES to take it "
    "or NO to pass.",
    "task_reminder": "A reminder: the prescription collection you took is tomorrow.",
    "referral_update": "Your referral to the walking group has been accepted. They will "
    "phone you this week.",
    "outcome_follow_up": "How are things now? Tell us in two minutes: ((link))",
    "referral_status": "The referral you made has been accepted by the service.",
    "broadcast": "The community café is open again on Thursdays, 10am to 12 noon.",
    "check_expiring": "Your DBS check runs out in 30 days. Please get in touch to renew it.",
    "reply": "Thank you for your message. Someone will call you tomorrow morning.",
}
# Delivered, else failed, for each channel (a phone call: got through).
DELIVERED_RATE = {
    Channel.SMS: 0.93,
    Channel.EMAIL: 0.88,
    Channel.LETTER: 0.97,
    Channel.INBOX: 1.0,
    Channel.PHONE: 0.7,
}


def load(place) -> None:
    coordinator = place.users["coordinator"]
    group = place.organisations["wellbrook-mutual-aid"]
    people = {person.full_name: person for person in place.people}
    _preferences(people, coordinator)
    broadcast = _broadcast(coordinator, group)
    send_now()
    _replies(people, coordinator)
    _jo_says_yes(coordinator)
    _fallback_to_a_call(people, coordinator)
    _by_hand(place, coordinator, group, broadcast)
    _history(place, coordinator)
    settle(place)


def settle(place) -> None:
    """Once every room has loaded: whatever the stories queued (a confirmation, Jo's thanks,
    the later rooms' booking and grant messages) goes now and is counted, so a second load
    finds nothing left to send."""
    send_now()
    roll_up_all()


def send_now() -> dict[str, int]:
    """Send what is due through the fake provider and write its delivery receipts: what a
    worker would do in the next seconds. Texts in quiet hours (21:00 to 08:00) wait."""
    sender = FakeProvider()
    counts = outbox.send_due(sender)
    counts["receipts"] = sender.deliver_receipts()
    return counts


def _preferences(people, coordinator) -> None:
    for name in NEWS_YES:
        person = people[name]
        if not PurposeChoice.objects.filter(person=person, purpose=Purpose.NEWS).exists():
            messaging.choose_purpose(
                person,
                Purpose.NEWS,
                True,
                how=PurposeChoice.How.PHONE,
                by=coordinator,
                note="Said yes on the phone to the coordinator",
            )
    wanted = {
        # Portuguese first, by text; a letter if texts stop working.
        "Rui Pereira": ([Channel.SMS, Channel.LETTER], ["pt", "en"], False),
        # No phone or internet: letters only, in large print.
        "Betty Cooper": ([Channel.LETTER], ["en"], True),
        # Only texts: when they fail, a coordinator phones him.
        "Ernest Harris": ([Channel.SMS], ["en"], False),
        # Their own language first; the channels their record gives.
        "Tomasz Nowak": (None, ["pl", "en"], False),
        "Agnieszka Kowalska": (None, ["pl", "en"], False),
        "Yusuf Ahmed": (None, ["ur", "en"], False),
    }
    for name, (channels, languages, large_print) in wanted.items():
        person = people[name]
        if Preference.objects.filter(person=person).exists():
            continue
        current = preferences.current(person)
        preferences.set_preferences(
            person,
            by=coordinator,
            channels=channels or current.channels,
            languages=languages,
            large_print=large_print,
            quiet_from=current.quiet_from,
            quiet_until=current.quiet_until,
            purposes={},
            how=PurposeChoice.How.PHONE,
        )


def _broadcast(coordinator, group) -> Broadcast:
    found = Broadcast.objects.filter(title=BROADCAST_TITLE, organisation=group).first()
    if found is not None:
        return found
    draft = broadcasts.save_draft(
        by=coordinator,
        title=BROADCAST_TITLE,
        audience_kind="group_members",
        audience_params={"organisation": group.pk},
        texts=BROADCAST_TEXTS,
        link=BROADCAST_LINK,
    )
    broadcasts.schedule(draft, timezone.now(), coordinator)
    broadcasts.release(draft)
    draft.refresh_from_db()
    return draft


def _replies(people, coordinator) -> None:
    for provider_id, name, words in REPLIES:
        receive_text(
            provider="fake",
            provider_id=provider_id,
            from_number=people[name].mobile,
            body=words,
        )
    # Arthur had the broadcast and wants no more.
    receive_text(
        provider="fake", provider_id="demo-stop-arthur", from_number=people["Arthur Hall"].mobile,
        body="STOP",
    )  # fmt: skip
    for name, (language, body) in ANSWERS.items():
        person = people[name]
        waiting = InboundMessage.objects.filter(
            person=person,
            handled_as=InboundMessage.Handling.COORDINATORS,
            answered_at=None,
        )
        if waiting.exists():
            conversation.reply(person, body=body, language=language, by=coordinator)


def _jo_says_yes(coordinator) -> None:
    """Help's demo offered Jo two tasks by text; she answers YES to the latest (collecting a
    prescription) and it is hers. The first stays offered, for her to weigh up on screen."""
    from keepwell.help import services as help_services
    from keepwell.help.models import Volunteer

    jo = Volunteer.objects.filter(user__username="volunteer").first()
    if jo is None:
        return
    if jo.phone != JO_MOBILE:
        # Help's demo writes her number as typed ("07700 900000"); the volunteer form keeps
        # it as E.164, which is how a text's sender is matched to her.
        help_services.update_volunteer(jo, by=coordinator, phone=JO_MOBILE)
    receive_text(provider="fake", provider_id="demo-yes-jo", from_number=JO_MOBILE, body="Yes")


def _fallback_to_a_call(people, coordinator) -> None:
    from keepwell.people import services as people_services

    ernest = people["Ernest Harris"]
    if Message.objects.filter(person=ernest, kind="reply", sent_by=coordinator).exists():
        return
    people_services.update_person(ernest, by=coordinator, mobile=BROKEN_MOBILE)
    conversation.reply(
        ernest,
        body="Hello Ernest, your walking group starts next Wednesday at 10am by the "
        "bandstand. Sam, Wellbrook Mutual Aid",
        by=coordinator,
    )
    send_now()  # the text fails for good: a coordinator's call is queued instead
    call = Message.objects.filter(
        person=ernest, channel=Channel.PHONE, status=Status.QUEUED
    ).first()
    if call is not None:
        calls.record_call(
            call,
            outcome=CallOutcome.GOT_THROUGH,
            notes="Told him about the walking group. His new mobile is on a note by his "
            "phone; he will bring it on Wednesday.",
            by=coordinator,
        )


def _by_hand(place, coordinator, group, broadcast) -> None:
    if HandLog.objects.filter(broadcast=broadcast).exists():
        return
    today = timezone.localdate()
    logs = [
        (HandChannel.LEAFLET, 1, 420, 6, "riverside", "Riverside volunteers", "en", broadcast),
        (HandChannel.FOOD_PARCEL, 1, 85, 2, "town-centre", "Food bank", "pt", broadcast),
        (HandChannel.WHATSAPP, 0, 2_300, 41, None, "Wellbrook Mutual Aid admins", "en", None),
        (HandChannel.POSTER, 3, 600, 0, "town-centre", "Wellbrook Health Centre", "en", None),
        (HandChannel.RADIO, 5, 4_000, 12, None, "Wellbrook Community Radio", "en", None),
    ]
    for channel, days_ago, reach, replies, area, delivered_by, language, about in logs:
        handlogs.log_by_hand(
            channel=channel,
            happened_on=today - timedelta(days=days_ago),
            reach=reach,
            replies=replies,
            by=coordinator,
            language=language,
            purpose=Purpose.NEWS,
            audience="Residents" if area else "Everyone in Wellbrook",
            area=place.areas[area] if area else None,
            delivered_by=delivered_by,
            organisation=group,
            broadcast=about,
            notes="The flu jab Saturday" if about else "",
        )
    if not ChannelReview.objects.filter(channel=Channel.SMS).exists():
        handlogs.record_review(
            channel=Channel.SMS,
            period_start=today - timedelta(days=365),
            period_end=today,
            what_worked="Task offers answered YES or NO by text: most volunteers answered "
            "within the hour. Texts in Portuguese were answered twice as often as in English.",
            why="Volunteers read texts on the move; residents trusted a text that named "
            "their group and came in their own language.",
            best_messenger="The mutual aid group's coordinators for volunteers; the GP "
            "practice for health news; Beatriz Santos for Portuguese speakers.",
            by=coordinator,
        )


# --- a year of history ----------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _history(place, coordinator) -> int:
    """A few thousand messages over the last year, for the communication audit; written in
    bulk (the live stories above go through the services)."""
    if Message.objects.filter(idempotency_key="demo-history:0").exists():
        return 0
    from keepwell.messaging import sms

    rng = random.Random(2025)
    now = timezone.now()
    people = [p for p in place.people if p.area_id]
    languages_of = {
        p.pk: sorted(p.languages.values_list("code", flat=True)) or ["en"] for p in people
    }
    kinds = {k[0]: k for k in HISTORY_KINDS}
    kind_weights = {k[0]: k[3] for k in HISTORY_KINDS}
    rows = []
    for n in range(HISTORY_SIZE):
        kind, purpose, audience, _, answer = kinds[_weighted(rng, kind_weights)]
        person = rng.choice(people)
        channel = _weighted(rng, HISTORY_CHANNELS)
        if person.no_digital and channel in (Channel.SMS, Channel.EMAIL):
            channel = Channel.LETTER
        spoken = languages_of[person.pk]
        language = spoken[0] if spoken[0] != "en" or len(spoken) == 1 else spoken[-1]
        fallback = language in ("ur", "bn") and rng.random() < 0.6
        if fallback:
            language = "en"
        # Busier in winter and on weekdays, in the daytime.
        days_ago = int(rng.triangular(1, HISTORY_DAYS, 60))
        queued = (now - timedelta(days=days_ago)).replace(
            hour=rng.randint(8, 19), minute=rng.randint(0, 59), second=0, microsecond=0
        )
        body = HISTORY_WORDS[kind].replace("((link))", "https://wellbrook.example/f")
        row = Message(
            idempotency_key=f"demo-history:{n}",
            event=f"demo-history:{n}",
            kind=kind,
            purpose=purpose,
            channel=channel,
            person=person,
            recipient_label=person.full_name,
            to=person.mobile if channel == Channel.SMS else "",
            audience=audience,
            area_id=person.area_id,
            sender_organisation_id=place.organisations["wellbrook-mutual-aid"].pk,
            language=language,
            language_fallback=fallback,
            subject="",
            body=body,
            queued_at=queued,
            next_attempt_at=queued,
            attempts=1,
        )
        if channel == Channel.EMAIL:
            row.to = person.email or f"{person.given_name.lower()}@example.com"
        if channel == Channel.SMS:
            row.sms_encoding, row.sms_parts = sms.encoding(body), sms.parts(body)
            row.cost_pence = sms.cost_pence(body, settings.KEEPWELL_SMS_PART_PENCE)
            row.provider = "fake"
        elif channel == Channel.LETTER:
            row.cost_pence = settings.KEEPWELL_LETTER_PENCE
            row.provider = "fake"
            row.address = [person.full_name, person.address_line_1, person.town, person.postcode]
        elif channel == Channel.EMAIL:
            row.provider = "fake"
        else:
            row.provider = channel
        sent = queued + timedelta(minutes=rng.randint(1, 40))
        ok = rng.random() < DELIVERED_RATE[channel]
        row.sent_at = sent
        if channel == Channel.PHONE:
            row.call_by, row.call_at = coordinator, sent
            row.call_outcome = CallOutcome.GOT_THROUGH if ok else CallOutcome.NO_ANSWER
            row.call_notes = "Passed the message on." if ok else "No answer; tried three times."
        if ok:
            row.status = Status.DELIVERED
            row.delivered_at = sent + timedelta(minutes=rng.randint(0, 30))
            answered = channel in (Channel.SMS, Channel.PHONE) and (
                (answer == "offer" and rng.random() < 0.75)
                or (answer == "reply" and rng.random() < 0.12)
                or (answer == "acted" and rng.random() < 0.45)
            )
            if answered:
                row.replied_at = row.delivered_at + timedelta(minutes=rng.randint(2, 300))
                if answer in ("offer", "acted") and rng.random() < 0.7:
                    row.acted_at = row.replied_at
            if channel == Channel.INBOX:
                row.read_at = row.delivered_at
        else:
            row.status = rng.choice(
                [Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE, Status.PERMANENT_FAILURE]
            )
            row.failed_at = sent + timedelta(hours=rng.randint(1, 72))
            row.status_detail = (
                "No answer" if channel == Channel.PHONE else "Not delivered: number or address"
            )
        rows.append(row)
    Message.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)


# --- the live outbox beside the demo's web server -------------------------------------------

LIVE_TICK_SECONDS = 2.0


def serve_once() -> dict[str, int]:
    """One round of the live outbox: release the broadcasts that are due, send what is
    queued through the fake provider, write its delivery receipts."""
    broadcasts.release_due()
    return dict(outbox.work(FakeProvider(), once=True).counts)


def serve(stop: threading.Event, *, tick: float = LIVE_TICK_SECONDS) -> None:
    """What ``keepwell demo`` runs in a daemon thread beside the web server until ``stop``
    is set: a round every couple of seconds, so a coordinator who schedules a broadcast sees
    it delivered on the outbox page a few seconds later.

    Each step is its own short transaction (a claim of at most 100 messages, a batch of
    receipts): on SQLite, where a write holds the whole file, a web request waits
    milliseconds for it (keepwell opens SQLite transactions IMMEDIATE with a busy timeout),
    never the length of a round."""
    while not stop.is_set():
        try:
            serve_once()
        except Exception:  # noqa: BLE001 - the demo's server must outlive a bad round
            logger.exception("the demo's outbox could not send")
        finally:
            close_old_connections()
        stop.wait(tick)


def history_span(today: date | None = None) -> tuple[date, date]:
    """The days the history covers: for the audit page's period."""
    today = today or timezone.localdate()
    return today - timedelta(days=HISTORY_DAYS), today
