"""What mutual aid says to people, through messaging (the one seam: no email or text leaves
keepwell any other way).

* a task offered to a volunteer: a text they can answer YES or NO (``tell_task_offered``);
* a reminder before a task they hold (``remind_before_tasks``, periodic);
* a doorstep concern routed, and escalated when nobody acknowledges it
  (``tell_concern_raised``, ``tell_concern_escalated``);
* a volunteer's check about to expire (``warn_expiring_checks``, daily).

Each is called inside the transaction of its event, so the messages and the event commit or
roll back together. Messages carry no more than the volunteer or contact needs: a volunteer
hears what, when and roughly where (the area), never the name or address of the person
helped; a concern's contact gets its kind and a link to sign in, nothing about the person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from keepwell.accounts.models import Membership, Role
from keepwell.core.phone import InvalidPhoneNumber, normalise_phone
from keepwell.help.models import (
    Authorisation,
    AuthorisationKind,
    Concern,
    ConcernContact,
    SafeguardingCheck,
    Task,
    TaskOffer,
    TaskState,
    Volunteer,
    VolunteerStatus,
)
from keepwell.messaging.models import Channel, Message, Purpose
from keepwell.messaging.services import DEFAULT_QUIET, Sent, To, in_quiet_hours, send
from keepwell.people.models import Person
from keepwell.places.postcodes import Postcode

# Texts and email reach a volunteer in time; a letter would arrive after the task. If neither
# works, messaging asks a coordinator to phone them.
VOLUNTEER_CHANNELS = [Channel.SMS, Channel.EMAIL, Channel.INBOX]
# A check's holder is told this many days before it expires, once at each.
CHECK_WARNING_DAYS = (30, 7)


def _mobile(raw: str) -> str:
    """The number in E.164 if it can take a text; "" for a landline or a typo."""
    try:
        return normalise_phone(raw, mobile=True) if raw.strip() else ""
    except InvalidPhoneNumber:
        return ""


def _link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def volunteer_person(volunteer: Volunteer) -> Person | None:
    """The volunteer's own person record, if they have one: the record their account is
    linked to (``Person.user``), whose preferences and consent messaging honours."""
    return (
        Person.objects.filter(user_id=volunteer.user_id, merged_into__isnull=True)
        .order_by("pk")
        .first()
    )


def volunteer_recipient(volunteer: Volunteer) -> To:
    """How to reach a volunteer: through their person record when they have one (their
    channels, languages, quiet hours and consent), else the mobile and email on their
    volunteer profile and account."""
    label = f"{volunteer} (volunteer)"
    person = volunteer_person(volunteer)
    if person is not None:
        return To(person=person, label=label, audience="volunteer")
    return To(
        phone=_mobile(volunteer.phone),
        email=volunteer.user.email,
        label=label,
        audience="volunteer",
    )


def _send_to_volunteer(volunteer: Volunteer, *, context: dict[str, str], **kwargs) -> Sent:
    """One message to the volunteer: on their person record's best channel, or without one
    a text to their mobile (an email if they gave no mobile)."""
    to = volunteer_recipient(volunteer)
    if to.person is not None:
        channels = VOLUNTEER_CHANNELS
    else:
        # ``send`` fills ((name)) from a person record only, and keeps quiet hours only for
        # a person: a volunteer without one is not texted at night either.
        context = {"name": volunteer.first_name, **context}
        channels = [Channel.SMS] if to.phone else [Channel.EMAIL]
        if to.phone:
            kwargs["not_before"] = in_quiet_hours(timezone.now(), DEFAULT_QUIET)
    return send(to=[to], purpose=Purpose.VOLUNTEERING, channels=channels, context=context, **kwargs)


def _when(task: Task) -> str:
    """'Tue 8 Dec, 10:00 to 12:00' in London time; 'when it suits you' with no time set."""
    if task.due_start is None:
        return "when it suits you"
    start = timezone.localtime(task.due_start)
    text = f"{start:%a} {start.day} {start:%b}, {start:%H:%M}"
    if task.due_end is not None:
        end = timezone.localtime(task.due_end)
        text += f" to {end:%H:%M}" if end.date() == start.date() else f" to {end:%a} {end:%H:%M}"
    return text


def _roughly_where(task: Task) -> str:
    """The area's name, else the postcode district (WB2): never the street or the house."""
    request = task.request
    if request.area_id is not None:
        return request.area.name
    parsed = Postcode.parse(request.person.postcode or "")
    return parsed.outward if parsed is not None else "near you"


def _in_a_sentence(name: str) -> str:
    """'Shopping' reads 'shopping' mid-sentence; 'IT help' stays as it is."""
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _task_context(task: Task) -> dict[str, str]:
    return {
        "need": _in_a_sentence(task.request.need_type.name),
        "when": _when(task),
        "area": _roughly_where(task),
    }


def _my_task_url(task: Task) -> str:
    return _link(reverse("help:my_task", kwargs={"task_id": task.pk}))


def tell_task_offered(offer: TaskOffer, *, by=None) -> Sent:
    """Text the volunteer the task just offered to them: what, when, roughly where, and
    "Reply YES to take it or NO to pass". Offered again later, it is a new message."""
    task = offer.task
    return _send_to_volunteer(
        offer.volunteer,
        event=f"task_offer:{task.pk}:{offer.volunteer_id}:{offer.offered_at:%Y%m%d%H%M%S%f}",
        kind="task_offer",
        context=_task_context(task),
        about=("task", task.pk),
        url=_my_task_url(task),
        by=by,
        sender_organisation_id=task.request.organisation_id,
    )


def reminder_hours() -> int:
    return int(getattr(settings, "KEEPWELL_TASK_REMINDER_HOURS", 24))


def remind_before_tasks(now: datetime | None = None) -> int:
    """Remind each volunteer of a task they hold that starts within the reminder window
    (``KEEPWELL_TASK_REMINDER_HOURS``). Once per task, volunteer and start time: run as often
    as you like; a task moved to a new time is reminded again. Returns how many reminded."""
    now = now or timezone.now()
    due = (
        Task.objects.filter(
            state=TaskState.ACCEPTED,
            volunteer__isnull=False,
            due_start__gt=now,
            due_start__lte=now + timedelta(hours=reminder_hours()),
        )
        .select_related("request__need_type", "request__area", "request__person", "volunteer__user")
        .order_by("due_start", "pk")
    )
    count = 0
    for task in due:
        event = f"task_reminder:{task.pk}:{task.volunteer_id}:{task.due_start:%Y%m%d%H%M%S}"
        # Once, whichever channel they are reached on this time.
        if Message.objects.filter(event=event).exists():
            continue
        url = _my_task_url(task)
        # Each reminder commits on its own (a periodic job, never inside a caller's work).
        with transaction.atomic(durable=True):
            _send_to_volunteer(
                task.volunteer,
                event=event,
                kind="task_reminder",
                context={**_task_context(task), "url": url},
                about=("task", task.pk),
                url=url,
                sender_organisation_id=task.request.organisation_id,
            )
        count += 1
    return count


def _coordinators(organisation_id: int) -> list[To]:
    """The group's shared inbox."""
    return [To(organisation_id=organisation_id, audience="coordinators")]


def _coordinator_users(organisation_id: int) -> list[To]:
    """Each coordinator of the group with an email address, by email."""
    memberships = (
        Membership.objects.filter(organisation_id=organisation_id, role=Role.COORDINATOR)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id")
    )
    seen: set[int] = set()
    found = []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            found.append(To(user=membership.user, audience="coordinators"))
    return found


def _concern_url(concern: Concern) -> str:
    return _link(reverse("help:concern", kwargs={"concern_id": concern.pk}))


def _concern_common(concern: Concern, *, event: str, kind: str, by) -> dict:
    """What every message about a concern shares: the link only, never the person's name,
    address or what was seen at the door."""
    url = _concern_url(concern)
    return {
        "event": event,
        "kind": kind,
        "purpose": Purpose.WORK,
        "context": {"url": url},
        "urgent": concern.urgent,
        "about": ("concern", concern.pk),
        "url": url,
        "by": by,
        "sender_organisation_id": concern.organisation_id,
    }


def _tell_contact(concern: Concern, contact: ConcernContact, *, event: str, kind: str, by):
    """The contact by email, and by text as well when the concern is urgent (if their number
    is a mobile); in their keepwell inbox too when they have an account, to acknowledge it."""
    common = _concern_common(concern, event=event, kind=kind, by=by)
    sent = send(
        to=[
            To(
                email=contact.email,
                phone=_mobile(contact.phone),
                label=f"{contact.name}, {contact.organisation}"[:200],
                audience="contact",
            )
        ],
        channels=[Channel.EMAIL, Channel.SMS] if concern.urgent else [Channel.EMAIL],
        **common,
    )
    if contact.user_id is not None:
        inbox = send(
            to=[To(user=contact.user, label=contact.name[:200], audience="contact")],
            channels=[Channel.INBOX],
            **common,
        )
        sent.messages += inbox.messages
    return sent


def _tell_coordinators(concern: Concern, *, event: str, kind: str, by, email: bool) -> Sent:
    """The group's inbox always; each coordinator by email too when the concern has nobody
    else to answer it (no rule fits, or it escalated)."""
    common = _concern_common(concern, event=event, kind=kind, by=by)
    sent = send(to=_coordinators(concern.organisation_id), **common)
    if email:
        by_email = send(
            to=_coordinator_users(concern.organisation_id), channels=[Channel.EMAIL], **common
        )
        sent.messages += by_email.messages
        sent.unreachable += by_email.unreachable
    return sent


def tell_concern_raised(concern: Concern, *, by=None) -> Sent:
    """A concern was raised: its contact hears (email; a text too when urgent) and the
    coordinators see it in their inbox; with no contact, the coordinators by email too."""
    event = f"concern_routed:{concern.pk}"
    sent = Sent()
    if concern.routed_to is not None:
        sent = _tell_contact(concern, concern.routed_to, event=event, kind="concern_routed", by=by)
    told = _tell_coordinators(
        concern, event=event, kind="concern_routed", by=by, email=concern.routed_to is None
    )
    sent.messages += told.messages
    sent.unreachable += told.unreachable
    return sent


def tell_concern_escalated(concern: Concern) -> Sent:
    """Nobody acknowledged in time: the next contact hears as a new contact would, and the
    coordinators by inbox and email. Each escalation is its own event."""
    event = f"concern_escalated:{concern.pk}:{concern.escalations}"
    sent = Sent()
    if concern.routed_to is not None:
        sent = _tell_contact(
            concern, concern.routed_to, event=event, kind="concern_escalated", by=None
        )
    told = _tell_coordinators(concern, event=event, kind="concern_escalated", by=None, email=True)
    sent.messages += told.messages
    sent.unreachable += told.unreachable
    return sent


def _threshold(expires_at: datetime, now: datetime) -> int | None:
    """The nearest warning a check has reached (7 within a week, 30 within a month)."""
    reached = [days for days in CHECK_WARNING_DAYS if expires_at <= now + timedelta(days=days)]
    return min(reached) if reached else None


def _expiring(model, now: datetime, horizon: datetime):
    """(held, renewed?) for each check or authorisation of ``model`` ending before the horizon.
    Renewed: another of the same kind, still valid then, outlasts the warning."""
    held = (
        model.objects.valid(now)
        .expiring_between(now, horizon)
        .exclude(volunteer__status=VolunteerStatus.LEFT)
        .select_related("volunteer__user")
        .prefetch_related("volunteer__organisations")
        .order_by("expires_at", "pk")
    )
    for one in held:
        renewed = (
            model.objects.filter(volunteer_id=one.volunteer_id, kind=one.kind)
            .exclude(pk=one.pk)
            .valid(horizon)
            .exists()
        )
        yield one, renewed


def _warn(volunteer: Volunteer, *, event: str, name: str, expires_at: datetime) -> None:
    """The volunteer on their channel, their groups' coordinators in their inbox. Whose
    check it is stays behind the link: the coordinators' opens the volunteer's record, the
    volunteer's their own tasks."""
    expires = timezone.localtime(expires_at)
    context = {"check": name, "date": f"{expires:%-d %B %Y}"}
    own = _link(reverse("help:my_tasks"))
    theirs = _link(reverse("help:volunteer", kwargs={"volunteer_id": volunteer.pk}))
    # Each warning commits on its own (a periodic job, never inside a caller's work).
    with transaction.atomic(durable=True):
        _send_to_volunteer(
            volunteer,
            event=event,
            kind="check_expiring",
            context={**context, "url": own},
            about=("volunteer", volunteer.pk),
            url=own,
        )
        send(
            event=event,
            kind="check_expiring",
            to=[
                To(organisation_id=org.pk, audience="coordinators")
                for org in volunteer.organisations.all()
            ],
            purpose=Purpose.WORK,
            context={**context, "url": theirs},
            about=("volunteer", volunteer.pk),
            url=theirs,
        )


def warn_expiring_checks(now: datetime | None = None) -> int:
    """Tell each volunteer (and their groups' coordinators, by inbox) of a check or an
    authorisation that expires within 30 days, again within 7, once at each. One already
    renewed is passed over. Returns how many warnings."""
    now = now or timezone.now()
    horizon = now + timedelta(days=max(CHECK_WARNING_DAYS))
    count = 0
    for model, prefix in (
        (SafeguardingCheck, "check_expiring"),
        (Authorisation, "authorisation_expiring"),
    ):
        for held, renewed in _expiring(model, now, horizon):
            threshold = _threshold(held.expires_at, now)
            if renewed or threshold is None:
                continue
            event = f"{prefix}:{held.pk}:{threshold}"
            if Message.objects.filter(event=event).exists():
                continue
            # The words say "A ((check)) check ends on ((date))": "DBS enhanced", "ID",
            # "medicines authorisation".
            name = held.get_kind_display().removesuffix(" check")
            if model is Authorisation:
                name = f"{AuthorisationKind(held.kind).name.lower()} authorisation"
            _warn(held.volunteer, event=event, name=name, expires_at=held.expires_at)
            count += 1
    return count
