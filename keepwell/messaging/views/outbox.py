"""The outbox: every message keepwell wrote, as its recipient saw it (or will)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from keepwell.core.forms import Form, form_status
from keepwell.core.permissions import require
from keepwell.core.querystring import page_number
from keepwell.messaging import services_read, sms
from keepwell.messaging.kinds import KINDS, LANGUAGE_NAMES, is_rtl
from keepwell.messaging.models import FAILED, Channel, Message, Status
from keepwell.messaging.pdf import LetterError
from keepwell.messaging.queries import visible_messages

PER_PAGE = 25
# Dates outside these years are typing mistakes, and beyond them date arithmetic fails.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class OutboxFilterForm(Form):
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any"), ("failed", "Failed, for any reason"), *Status.choices],
    )
    channel = forms.ChoiceField(
        label="Channel", required=False, choices=[("", "Any"), *Channel.choices]
    )
    kind = forms.ChoiceField(
        label="Kind of message",
        required=False,
        choices=[
            ("", "Any"),
            *sorted(((k, kind.title) for k, kind in KINDS.items()), key=lambda c: c[1]),
        ],
    )
    queued_from = forms.DateField(
        label="Written on or after",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d"),
        help_text="For example, 2026-12-01",
    )
    queued_to = forms.DateField(
        label="Written on or before",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        for name in ("queued_from", "queued_to"):
            day = cleaned.get(name)
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(name, f"Enter a date between {EARLIEST.year} and {LATEST.year}")
        start, end = cleaned.get("queued_from"), cleaned.get("queued_to")
        if start and end and start > end and not self.errors:
            self.add_error("queued_to", "The last day must be on or after the first day")
        return cleaned

    def filter(self, messages):
        data = self.cleaned_data
        if data["status"] == "failed":
            messages = messages.filter(status__in=FAILED)
        elif data["status"]:
            messages = messages.filter(status=data["status"])
        if data["channel"]:
            messages = messages.filter(channel=data["channel"])
        if data["kind"]:
            messages = messages.filter(kind=data["kind"])
        zone = timezone.get_current_timezone()
        if data["queued_from"]:
            messages = messages.filter(
                queued_at__gte=datetime.combine(data["queued_from"], time.min, tzinfo=zone)
            )
        if data["queued_to"]:
            after = data["queued_to"] + timedelta(days=1)
            messages = messages.filter(queued_at__lt=datetime.combine(after, time.min, tzinfo=zone))
        return messages


def recipient(message: Message) -> str:
    """Who it went to, as a coordinator would say it."""
    if message.recipient_label:
        return message.recipient_label
    if message.person_id is not None:
        return message.person.full_name
    if message.user_id is not None:
        return message.user.display_name or message.user.username
    if message.organisation_id is not None:
        return f"Staff of {message.organisation.name}"
    return message.to or "Someone"


def sender(message: Message) -> str:
    if message.sent_by_id is not None:
        return message.sent_by.display_name or message.sent_by.username
    if message.sender_organisation_id is not None:
        return message.sender_organisation.name
    return "keepwell"


def times(message: Message) -> list[tuple[str, datetime]]:
    """Each state the message reached, in order, with when."""
    stages = [
        ("Written", message.queued_at),
        ("Sending", message.sending_at),
        ("Sent", message.sent_at),
        ("Delivered", message.delivered_at),
        ("Failed", message.failed_at),
        ("Cancelled", message.cancelled_at),
        ("Read", message.read_at if message.channel == Channel.INBOX else None),
        ("Called", message.call_at),
    ]
    return [(label, at) for label, at in stages if at is not None]


STATUS_TAG = {
    Status.QUEUED: "nhsuk-tag--grey",
    Status.SENDING: "nhsuk-tag--blue",
    Status.SENT: "nhsuk-tag--blue",
    Status.DELIVERED: "nhsuk-tag--green",
    Status.PERMANENT_FAILURE: "nhsuk-tag--red",
    Status.TEMPORARY_FAILURE: "nhsuk-tag--red",
    Status.TECHNICAL_FAILURE: "nhsuk-tag--red",
    Status.CANCELLED: "nhsuk-tag--grey",
}


def _row(message: Message) -> dict:
    row = {
        "message": message,
        "recipient": recipient(message),
        "sender": sender(message),
        "language_name": LANGUAGE_NAMES.get(message.language, message.language),
        "rtl": is_rtl(message.language),
        "kind": KINDS[message.kind].title if message.kind in KINDS else message.kind,
        "times": times(message),
        "status_tag": STATUS_TAG.get(message.status, ""),
        "redacted": message.redacted_at is not None,
    }
    if message.channel == Channel.SMS:
        row["sms"] = {
            "encoding": sms.encoding(message.body),
            "characters": sms.characters(message.body),
            "parts": sms.parts(message.body),
        }
    return row


@login_required
def outbox(request):
    require(request, "messaging.view_outbox")
    params = request.GET.copy()
    params.pop("page", None)
    form = OutboxFilterForm(params or None)
    messages = visible_messages(request.user)
    if form.is_bound:
        messages = form.filter(messages) if form.is_valid() else messages.none()
    messages = messages.select_related(
        "person", "user", "organisation", "sender_organisation", "sent_by"
    ).order_by("-queued_at", "-id")
    page = Paginator(messages, PER_PAGE).get_page(page_number(request.GET.get("page")))
    services_read.read_outbox(page.object_list, by=request.user)
    return render(
        request,
        "messaging/outbox.html",
        {"form": form, "page": page, "rows": [_row(m) for m in page.object_list]},
        status=form_status(form),
    )


@login_required
def letter(request, message_id: int):
    require(request, "messaging.view_outbox")
    message = get_object_or_404(
        visible_messages(request.user).select_related("sender_organisation"),
        pk=message_id,
        channel=Channel.LETTER,
    )
    try:
        pdf = services_read.read_letter(message, by=request.user)
    except LetterError as problem:
        return render(
            request,
            "messaging/outbox_letter_problem.html",
            {"message": message, "problem": str(problem), "recipient": recipient(message)},
            status=409,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="keepwell-letter-{message.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
