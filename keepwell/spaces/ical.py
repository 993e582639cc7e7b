"""iCalendar (RFC 5545) feeds of bookings, written with the ``icalendar`` library.

A space's public feed carries approved bookings only and names a group only where it chose
to be named; a group's own feed (behind its secret address) carries its requested and
approved bookings, the requested ones as TENTATIVE. Neither names a person.
"""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from keepwell.spaces.models import Booking
from keepwell.spaces.queries import public_label


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//keepwell//spaces//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(booking: Booking, summary: str) -> Event:
    event = Event()
    host = settings.SITE_URL.split("//", 1)[-1].strip("/") or "keepwell"
    event.add("uid", f"booking-{booking.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    event.add("summary", summary)
    event.add("location", f"{booking.space.name}, {booking.space.location.one_line}")
    confirmed = booking.status == Booking.Status.APPROVED
    event.add("status", "CONFIRMED" if confirmed else "TENTATIVE")
    return event


def space_feed(space, bookings) -> bytes:
    cal = _calendar(f"{space.name}: bookings")
    for booking in bookings:
        if booking.status == Booking.Status.APPROVED:
            cal.add_component(_event(booking, public_label(booking)))
    return cal.to_ical()


def group_feed(organisation, bookings) -> bytes:
    cal = _calendar(f"{organisation.name}: room bookings")
    for booking in bookings:
        if booking.is_holding:
            cal.add_component(_event(booking, f"{booking.title} ({booking.space.name})"))
    return cal.to_ical()
