"""The communication audit: what reached whom, by channel, language, purpose, audience and area.

Counting two million ``Message`` rows on every page view is too slow, so each day is
counted into ``MessageTally`` rows (:func:`roll_up`), and a month whose every day is
tallied is added up again into ``MonthTally`` rows. The report reads a month's tallies for
each whole month of the period rolled up, the day tallies of the other days rolled up
before today, and counts the rest live (today, and any day never rolled up), so no message
is ever missing and a year reads a dozen months instead of 365 days. The messages no
channel reached are kept by the rollup too (``Unreached``), a few rows per day.

Receipts, replies and call outcomes arrive late: the periodic task counts the last
``SETTLE_DAYS`` days again every quarter of an hour (and adds their months up again), so a
figure for a recent day is at most that far behind; a day tallied after it settled is
marked ``final``. Tallies and the live part count with the same expressions
(:func:`_counts`), so the report equals a live GROUP BY over the period once rolled up.

Channels keepwell does not send itself (``HandLog``) are few rows and always read live.
The audit counts people and messages; it never names anyone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django_tasks import task

from keepwell.accounts.models import Membership
from keepwell.messaging.models import (
    FAILED,
    PEOPLE_CHANNELS,
    CallOutcome,
    Channel,
    HandChannel,
    HandLog,
    Message,
    MessageTally,
    MonthTally,
    Purpose,
    Status,
    TalliedDay,
    Unreached,
)
from keepwell.places.models import Area

# A message's fate is known within this many days of its queueing (Notify gives up on a
# text after 72 hours; letters take a few days more): tallies of older days are final.
SETTLE_DAYS = 8
# Up to this long, people no channel reaches are found through the queued_at index.
SHORT_PERIOD_DAYS = 45

# Every column a tally counts by; the audit groups by any of DIMENSIONS, and scopes
# coordinators by sending organisation.
TALLY_FIELDS = ("channel", "language", "purpose", "audience", "area_id", "sender_organisation_id")
DIMENSIONS = ("channel", "language", "purpose", "audience", "area")
DIMENSION_LABELS = {
    "channel": "Channel",
    "language": "Language",
    "purpose": "Purpose",
    "audience": "Audience",
    "area": "Area",
}
COUNTS = (
    "messages",
    "sent",
    "delivered",
    "failed",
    "replied",
    "acted",
    "fallbacks",
    "calls",
    "calls_answered",
    "cost_pence",
)
# A phone call that did not reach the person: as much a failed attempt as a bounced text.
CALL_FAILURES = (CallOutcome.NO_ANSWER, CallOutcome.WRONG_NUMBER, CallOutcome.NO_NUMBER)

CHANNEL_NAMES = {**dict(Channel.choices), **dict(HandChannel.choices)}
PURPOSE_NAMES = dict(Purpose.choices)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """The first instant of a Europe/London day, aware (a day may be 23 or 25 hours)."""
    return datetime.combine(day, time.min, tzinfo=_zone())


def local_today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), _zone()).date()


def _counts() -> dict:
    """How every figure is counted from ``Message`` rows: the one definition the tallies
    and the live part share."""
    return {
        "messages": Count("id"),
        # Handed to a provider or a coordinator: neither still waiting nor called off.
        "sent": Count("id", filter=~Q(status__in=[Status.QUEUED, Status.CANCELLED])),
        "delivered": Count("id", filter=Q(status=Status.DELIVERED)),
        "failed": Count("id", filter=Q(status__in=FAILED)),
        "replied": Count("id", filter=Q(replied_at__isnull=False)),
        "acted": Count("id", filter=Q(acted_at__isnull=False)),
        "fallbacks": Count("id", filter=Q(language_fallback=True)),
        "calls": Count("id", filter=Q(channel=Channel.PHONE) & ~Q(call_outcome="")),
        "calls_answered": Count(
            "id", filter=Q(channel=Channel.PHONE, call_outcome=CallOutcome.GOT_THROUGH)
        ),
        "cost_pence": Coalesce(Sum("cost_pence"), 0),
    }


def _in_days(first: date, last: date) -> Q:
    return Q(queued_at__gte=day_start(first), queued_at__lt=day_start(last + timedelta(days=1)))


# ---------------------------------------------------------------------------------------
# Rolling up


def roll_up(first: date, last: date, *, now: datetime | None = None) -> int:
    """Count the messages of the days ``first``..``last`` (inclusive) into tallies again,
    replacing what those days had. Returns the number of tally rows written."""
    now = now or timezone.now()
    settled_before = local_today(now) - timedelta(days=SETTLE_DAYS)
    written = 0
    chunk_first = first
    while chunk_first <= last:
        # A month at a time keeps each transaction and GROUP BY a modest size.
        chunk_last = min(last, chunk_first + timedelta(days=30))
        grouped = (
            Message.objects.filter(_in_days(chunk_first, chunk_last), channel__in=PEOPLE_CHANNELS)
            .annotate(day=TruncDate("queued_at", tzinfo=_zone()))
            .order_by()
            .values("day", *TALLY_FIELDS)
            .annotate(**_counts())
        )
        rows = [MessageTally(**group) for group in grouped]
        unreached = [
            Unreached(
                message_id=pk,
                day=local_today(queued_at),
                person_id=person,
                purpose=purpose,
                area_id=area,
                sender_organisation_id=sender,
            )
            for pk, queued_at, person, purpose, area, sender in _unreached_messages(
                [(chunk_first, chunk_last)]
            ).values_list(
                "pk", "queued_at", "person_id", "purpose", "area_id", "sender_organisation_id"
            )
            if person is not None
        ]
        days = [chunk_first + timedelta(days=n) for n in range((chunk_last - chunk_first).days + 1)]
        with transaction.atomic():
            MessageTally.objects.filter(day__gte=chunk_first, day__lte=chunk_last).delete()
            MessageTally.objects.bulk_create(rows, batch_size=2_000)
            Unreached.objects.filter(day__gte=chunk_first, day__lte=chunk_last).delete()
            Unreached.objects.bulk_create(unreached, batch_size=2_000)
            TalliedDay.objects.filter(day__in=days).delete()
            TalliedDay.objects.bulk_create(
                TalliedDay(day=day, tallied_at=now, final=day < settled_before) for day in days
            )
        written += len(rows)
        chunk_first = chunk_last + timedelta(days=1)
    month = first.replace(day=1)
    while month <= last:
        _add_up_month(month)
        month = _next_month(month)
    return written


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _month_days(month: date) -> int:
    return (_next_month(month) - month).days


def _add_up_month(month: date) -> None:
    """Write the month's tally from its days' tallies, if every day of it is tallied; a
    month with a day not yet tallied has none (the report reads its days instead)."""
    end = _next_month(month) - timedelta(days=1)
    whole = TalliedDay.objects.filter(day__gte=month, day__lte=end).count() == _month_days(month)
    with transaction.atomic():
        MonthTally.objects.filter(month=month).delete()
        if not whole:
            return
        grouped = (
            MessageTally.objects.filter(day__gte=month, day__lte=end)
            .order_by()
            .values(*TALLY_FIELDS)
            .annotate(**{name: Sum(name) for name in COUNTS})
        )
        MonthTally.objects.bulk_create(
            (MonthTally(month=month, **group) for group in grouped), batch_size=2_000
        )


def roll_up_recent(now: datetime | None = None) -> int:
    """The periodic rollup: the last ``SETTLE_DAYS`` days and the day that has just
    settled, whose tally this makes final."""
    today = local_today(now)
    return roll_up(today - timedelta(days=SETTLE_DAYS), today, now=now)


def roll_up_all(now: datetime | None = None) -> int:
    """Every day from the first message to today (``keepwell messaging_rollup --all``)."""
    first = Message.objects.order_by("queued_at").values_list("queued_at", flat=True).first()
    if first is None:
        return 0
    return roll_up(local_today(first), local_today(now), now=now)


@task()
def roll_up_messages() -> int:
    """Keep the audit's tallies of the last days current; returns the rows written."""
    return roll_up_recent()


# ---------------------------------------------------------------------------------------
# The report


@dataclass
class Row:
    """One line of the audit: a group of messages, or of hand-logged channels."""

    key: dict[str, object]
    labels: dict[str, str]
    hand: bool = False
    messages: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    replied: int = 0
    acted: int = 0
    fallbacks: int = 0
    calls: int = 0
    calls_answered: int = 0
    cost_pence: int = 0
    reach: int = 0  # hand-logged channels: about how many people

    def add(self, counts: dict) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + int(counts.get(name) or 0))

    @property
    def delivered_percent(self) -> int | None:
        return round(100 * self.delivered / self.sent) if self.sent else None


@dataclass
class ChannelBar:
    channel: str
    name: str
    sent: int
    delivered: int

    @property
    def percent(self) -> int:
        return round(100 * self.delivered / self.sent) if self.sent else 0


@dataclass
class Audit:
    start: date
    end: date
    group_by: tuple[str, ...]
    rows: list[Row]
    hand_rows: list[Row]
    total: Row
    by_channel: list[ChannelBar]
    unreached_people: int
    unreached_by_purpose: list[tuple[str, int]] = field(default_factory=list)
    tallied_days: int = 0


def _grouping(group_by: Sequence[str]) -> tuple[str, ...]:
    return tuple(d for d in DIMENSIONS if d in group_by)


def _fields(dims: Iterable[str]) -> list[str]:
    return ["area_id" if d == "area" else d for d in dims]


def _tallied_days(start: date, end: date, today: date) -> list[date]:
    """The days of the period read from tallies: rolled up, and over (today is live)."""
    return list(
        TalliedDay.objects.filter(day__gte=start, day__lte=end, day__lt=today).values_list(
            "day", flat=True
        )
    )


def _runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[date, date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _grouped(queryset, fields: list[str], counts: dict) -> list[dict]:
    if not fields:
        # With nothing to group by, one aggregate over everything.
        return [queryset.aggregate(**counts)]
    return list(queryset.order_by().values(*fields).annotate(**counts))


def hand_logs_of(organisation_ids: set[int]) -> Q:
    """The hand logs that belong to these organisations: those naming one, and those logged
    before logs named an organisation, by one of its members."""
    return Q(organisation_id__in=organisation_ids) | Q(
        organisation=None,
        logged_by_id__in=Membership.objects.filter(organisation_id__in=organisation_ids).values(
            "user_id"
        ),
    )


def communication_audit(
    *,
    start: date,
    end: date,
    group_by: Sequence[str] = ("channel",),
    area_ids: set[int] | None = None,
    organisation_ids: set[int] | None = None,
    now: datetime | None = None,
) -> Audit:
    """The audit of messages queued from ``start`` to ``end`` (Europe/London dates, both
    included), grouped by any of ``DIMENSIONS``; ``area_ids`` limits it to those areas and
    ``organisation_ids`` to what those organisations sent and logged (None: no limit).
    Month tallies for the whole months rolled up, day tallies for the other days rolled up,
    live rows for the rest."""
    dims = _grouping(group_by)
    fields = _fields(dims)
    today = local_today(now)
    tallied = set(_tallied_days(start, end, today))
    months = _whole_months(start, end, tallied)
    in_months = {m + timedelta(days=n) for m in months for n in range(_month_days(m))}
    live = _live_runs(start, end, tallied)
    day_runs = _runs(tallied - in_months)

    # Only the days not tallied, each a range of the queued_at index (today, usually).
    # Messages to other systems (BaRS replies) are nobody's: the audit counts people's.
    messages = (
        Message.objects.filter(_any_days(live), channel__in=PEOPLE_CHANNELS)
        if live
        else Message.objects.none()
    )
    hand_logs = HandLog.objects.filter(happened_on__gte=start, happened_on__lte=end)
    tallies = []
    if day_runs:
        tallies.append(MessageTally.objects.filter(_days(day_runs)))
    if months:
        tallies.append(MonthTally.objects.filter(month__in=months))
    if area_ids is not None:
        messages = messages.filter(area_id__in=area_ids)
        hand_logs = hand_logs.filter(area_id__in=area_ids)
        tallies = [t.filter(area_id__in=area_ids) for t in tallies]
    if organisation_ids is not None:
        messages = messages.filter(sender_organisation_id__in=organisation_ids)
        hand_logs = hand_logs.filter(hand_logs_of(organisation_ids))
        tallies = [t.filter(sender_organisation_id__in=organisation_ids) for t in tallies]

    groups: dict[tuple, Row] = {}

    def row_for(values: dict, hand: bool = False) -> Row:
        key = tuple(values.get(f) for f in fields)
        found = groups.get((hand, *key))
        if found is None:
            found = groups[(hand, *key)] = Row(
                key=dict(zip(dims, key, strict=True)), labels={}, hand=hand
            )
        return found

    for values in _grouped(messages, fields, _counts()):
        row_for(values).add(values)
    sums = {name: Coalesce(Sum(name), 0) for name in COUNTS}
    for counted in tallies:
        for values in _grouped(counted, fields, sums):
            row_for(values).add(values)
    for values in _grouped(
        hand_logs,
        fields,
        {"reach_sum": Coalesce(Sum("reach"), 0), "replies_sum": Coalesce(Sum("replies"), 0)},
    ):
        if not values["reach_sum"] and not values["replies_sum"]:
            continue
        row = row_for(values, hand=True)
        row.reach += values["reach_sum"]
        row.replied += values["replies_sum"]

    rows = [r for r in groups.values() if not r.hand and r.messages]
    hand_rows = [r for r in groups.values() if r.hand]
    _label(rows + hand_rows)
    rows.sort(key=lambda r: [r.labels[d] for d in dims])
    hand_rows.sort(key=lambda r: [r.labels[d] for d in dims])

    total = Row(key={}, labels={})
    for row in rows:
        total.add({name: getattr(row, name) for name in COUNTS})
    total.reach = sum(r.reach for r in hand_rows)
    total.replied += sum(r.replied for r in hand_rows)

    unreached = unreached_people(
        start=start,
        end=end,
        area_ids=area_ids,
        organisation_ids=organisation_ids,
        tallied=tallied,
    )
    return Audit(
        start=start,
        end=end,
        group_by=dims,
        rows=rows,
        hand_rows=hand_rows,
        total=total,
        by_channel=_channels_of(rows) if "channel" in dims else _by_channel(messages, tallies),
        unreached_people=len({person for person, _ in unreached}),
        unreached_by_purpose=_by_purpose(unreached),
        tallied_days=len(tallied),
    )


def _live_runs(start: date, end: date, tallied: Iterable[date]) -> list[tuple[date, date]]:
    """The runs of days of ``start``..``end`` not read from tallies: counted live."""
    skip = set(tallied)
    days = (start + timedelta(days=n) for n in range((end - start).days + 1))
    return _runs(day for day in days if day not in skip)


def _any_days(runs: list[tuple[date, date]], field: str = "queued_at") -> Q:
    """Messages queued on the days of ``runs``."""
    found = Q()
    for first, last in runs:
        found |= Q(
            **{f"{field}__gte": day_start(first), f"{field}__lt": day_start(last + timedelta(1))}
        )
    return found


def _days(runs: list[tuple[date, date]]) -> Q:
    """Tally rows of the days of ``runs``."""
    days = Q()
    for first, last in runs:
        days |= Q(day__gte=first, day__lte=last)
    return days


def _whole_months(start: date, end: date, tallied: set[date]) -> list[date]:
    """The months wholly inside ``start``..``end`` whose every day is tallied: the rollup
    has added each of them up into ``MonthTally`` rows."""
    months = []
    month = start.replace(day=1)
    if month < start:
        month = _next_month(month)
    while _next_month(month) - timedelta(days=1) <= end:
        if all(month + timedelta(days=n) in tallied for n in range(_month_days(month))):
            months.append(month)
        month = _next_month(month)
    return months


def _by_channel(messages, tallies: list) -> list[ChannelBar]:
    sent: dict[str, int] = {}
    delivered: dict[str, int] = {}
    counts = {"sent": _counts()["sent"], "delivered": _counts()["delivered"]}
    found = list(messages.order_by().values("channel").annotate(**counts))
    for counted in tallies:
        found += list(
            counted.order_by()
            .values("channel")
            .annotate(sent=Coalesce(Sum("sent"), 0), delivered=Coalesce(Sum("delivered"), 0))
        )
    for values in found:
        sent[values["channel"]] = sent.get(values["channel"], 0) + values["sent"]
        delivered[values["channel"]] = delivered.get(values["channel"], 0) + values["delivered"]
    return [
        ChannelBar(channel, CHANNEL_NAMES.get(channel, channel), sent[channel], delivered[channel])
        for channel in Channel.values
        if sent.get(channel)
    ]


def _channels_of(rows: list[Row]) -> list[ChannelBar]:
    """The chart's figures from rows already grouped by channel: no second count."""
    sent: dict[str, int] = {}
    delivered: dict[str, int] = {}
    for row in rows:
        channel = str(row.key["channel"])
        sent[channel] = sent.get(channel, 0) + row.sent
        delivered[channel] = delivered.get(channel, 0) + row.delivered
    return [
        ChannelBar(channel, CHANNEL_NAMES.get(channel, channel), sent[channel], delivered[channel])
        for channel in Channel.values
        if sent.get(channel)
    ]


def _label(rows: list[Row]) -> None:
    area_ids = {r.key.get("area") for r in rows if r.key.get("area")}
    areas = dict(Area.objects.filter(pk__in=area_ids).values_list("pk", "name")) if area_ids else {}
    for row in rows:
        for dim, value in row.key.items():
            if dim == "channel":
                text = CHANNEL_NAMES.get(value, value)
            elif dim == "purpose":
                text = PURPOSE_NAMES.get(value, value)
            elif dim == "area":
                text = areas.get(value, "No area") if value else "No area"
            else:
                text = value or "Not given"
            row.labels[dim] = str(text)


def unreached_people(
    *,
    start: date,
    end: date,
    area_ids: set[int] | None = None,
    organisation_ids: set[int] | None = None,
    tallied: Iterable[date] = (),
) -> set[tuple[int, str]]:
    """(person id, purpose) for everyone a message of the period could not reach: it failed
    (bounced, gave up, or a coordinator's call that did not get through) and nothing was
    tried after it. When a channel fails for good, keepwell tries the next one, then a
    phone call, each pointing back with ``fallback_of``; so a failure with no fallback is
    the end of the line: every attempt failed. For the ``tallied`` days the rollup has kept
    those messages (``Unreached``); the other days are looked for among the messages."""
    runs = _runs(day for day in tallied if start <= day <= end)
    pairs: set[tuple[int, str]] = set()
    if runs:
        kept = Unreached.objects.filter(_days(runs))
        if area_ids is not None:
            kept = kept.filter(area_id__in=area_ids)
        if organisation_ids is not None:
            kept = kept.filter(sender_organisation_id__in=organisation_ids)
        pairs |= set(kept.order_by().values_list("person_id", "purpose").distinct())
    live = _live_runs(start, end, tallied)
    if not live:
        return pairs
    live_days = sum((last - first).days + 1 for first, last in live)
    failed = _unreached_messages(live, long=live_days > SHORT_PERIOD_DAYS)
    if area_ids is not None:
        failed = failed.filter(area_id__in=area_ids)
    if organisation_ids is not None:
        failed = failed.filter(sender_organisation_id__in=organisation_ids)
    # Contacts who are not person records (a safeguarding contact) are left out here, in
    # Python, for the same reason: the person index would be a year of messages too.
    pairs |= {
        (person, purpose)
        for person, purpose in failed.values_list("person_id", "purpose")
        if person is not None
    }
    return pairs


def _unreached_messages(runs: list[tuple[date, date]], *, long: bool = False):
    """The messages of the days of ``runs`` no channel got through (see
    :func:`unreached_people`); those to contacts who are not person records too."""
    failed = (
        # Wrong and missing numbers, and a third unanswered call, are failures already; an
        # unanswered call waits in the queue for the next try. Channel and status spelled
        # out, and for a long period kept off the queued_at index, so the database walks
        # the (channel, status) index: a few failures, not a year of messages.
        Message.objects.annotate(
            # A few weeks of messages are fewer than a year's failures: let those use it.
            queued=Coalesce("queued_at", "queued_at") if long else F("queued_at")
        )
        .filter(
            Q(channel__in=PEOPLE_CHANNELS, status__in=FAILED)
            | Q(channel=Channel.PHONE, status=Status.QUEUED, call_outcome__in=CALL_FAILURES),
        )
        .filter(_any_days(runs, "queued"))
    )
    tried_again = Message.objects.filter(fallback_of=OuterRef("pk"))
    return failed.filter(~Exists(tried_again)).order_by()


def _by_purpose(pairs: set[tuple[int, str]]) -> list[tuple[str, int]]:
    counted: dict[str, int] = {}
    for _, purpose in pairs:
        counted[purpose] = counted.get(purpose, 0) + 1
    return [(PURPOSE_NAMES[p], counted[p]) for p in Purpose.values if counted.get(p)]


# ---------------------------------------------------------------------------------------
# CSV


def csv_rows(audit: Audit) -> tuple[list[str], list[list]]:
    """The audit as a header and rows, for ``keepwell.core.csvio``."""
    header = [DIMENSION_LABELS[d] for d in audit.group_by] + [
        "Kind",
        "Messages",
        "Sent",
        "Delivered",
        "Failed",
        "Replied",
        "Acted on",
        "Language fallbacks",
        "Phone calls made",
        "Phone calls got through",
        "Reach (logged by hand)",
        "Estimated cost (pence)",
    ]
    body = []
    for row in [*audit.rows, *audit.hand_rows]:
        body.append(
            [row.labels[d] for d in audit.group_by]
            + [
                "Logged by hand" if row.hand else "Sent by keepwell",
                row.messages,
                row.sent,
                row.delivered,
                row.failed,
                row.replied,
                row.acted,
                row.fallbacks,
                row.calls,
                row.calls_answered,
                row.reach,
                row.cost_pence,
            ]
        )
    return header, body


def monthly_counts(since: datetime) -> dict[str, list[tuple]]:
    """Insights' reach figures since ``since``, by month: messages to people (not staff)
    that were delivered, and that failed, by channel, and the people reached by channels
    logged by hand, as ``(month, channel, postcode, area_id, n)``; the postcode is the
    person's (none for a hand log). Nobody is named."""
    from django.db.models.functions import TruncMonth

    def rows(statuses) -> list[tuple]:
        return list(
            Message.objects.filter(person__isnull=False, queued_at__gte=since, status__in=statuses)
            .annotate(month=TruncMonth("queued_at"))
            .values_list("month", "channel", "person__postcode", "area_id")
            .annotate(n=Count("id"))
            .order_by()
        )

    # Channels keepwell does not send itself, as logged by hand: about how many people each
    # leaflet drop, group post or poster reached, by neighbourhood (a log has no postcode).
    by_hand = (
        HandLog.objects.filter(happened_on__gte=timezone.localtime(since, _zone()).date())
        .annotate(month=TruncMonth("happened_on"))
        .values_list("month", "channel", "area_id")
        .annotate(n=Sum("reach"))
        .order_by()
    )
    return {
        "messages_delivered": rows([Status.DELIVERED]),
        "messages_failed": rows(list(FAILED)),
        "hand_reach": [(month, channel, "", area_id, n) for month, channel, area_id, n in by_hand],
    }
