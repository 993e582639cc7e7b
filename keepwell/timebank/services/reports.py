"""Broker tools: statements, inactive members, reports and the ledger's integrity."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from keepwell.timebank.minutes import Minutes
from keepwell.timebank.models import Account, Category, Exchange, Movement, TimeBank


@dataclass(frozen=True)
class StatementLine:
    movement: Movement
    balance: int

    @property
    def balance_display(self) -> Minutes:
        return Minutes(self.balance)


def statement(account: Account, *, since: date | None = None, until: date | None = None):
    """(opening balance, lines with a running balance, closing balance).

    Lines are in the order the time was given (the exchange's date), then the order they
    were recorded: an exchange recorded late for last month sits in last month, and
    ``since``/``until`` choose by that date too."""
    movements = (
        Movement.objects.filter(account=account, exchange__state=Exchange.State.CONFIRMED)
        .select_related("exchange")
        .order_by("exchange__occurred_on", "exchange__recorded_at", "exchange_id")
    )
    opening = 0
    if since is not None:
        opening = (
            movements.filter(exchange__occurred_on__lt=since).aggregate(total=Sum("minutes"))[
                "total"
            ]
            or 0
        )
        movements = movements.filter(exchange__occurred_on__gte=since)
    if until is not None:
        movements = movements.filter(exchange__occurred_on__lte=until)
    movements = list(movements)
    # The other side of each line, fetched in one query.
    others: dict[int, list[str]] = defaultdict(list)
    for other in (
        Movement.objects.filter(exchange_id__in=[m.exchange_id for m in movements])
        .exclude(account=account)
        .select_related("account__person", "account__organisation")
    ):
        others[other.exchange_id].append(other.account.name)
    lines = []
    running = opening
    for movement in movements:
        running += movement.minutes
        movement.others = ", ".join(sorted(others[movement.exchange_id]))
        lines.append(StatementLine(movement, running))
    return opening, lines, running


def inactive_members(bank: TimeBank, *, months: int):
    since = timezone.now() - timedelta(days=round(months * 30.44))
    return (
        Account.objects.filter(bank=bank)
        .inactive_since(since)
        .select_related("person", "organisation")
        .order_by(F("last_exchange_at").asc(nulls_first=True), "id")
    )


@dataclass
class Report:
    since: date
    by_month: list[dict]
    by_category: list[dict]
    total_minutes: int
    members: int
    active_members: int
    gave_and_received: int

    @property
    def share_both(self) -> str:
        return _percent(self.gave_and_received, self.members)

    @property
    def share_both_of_active(self) -> str:
        return _percent(self.gave_and_received, self.active_members)

    @property
    def total_display(self) -> Minutes:
        return Minutes(self.total_minutes)


def _percent(part: int, whole: int) -> str:
    if not whole:
        return "none yet"
    return f"{(100 * part + whole // 2) // whole}%"


def report(bank: TimeBank, *, months: int = 12) -> Report:
    """Hours given by month and category, active members, and who both gave and received.

    Time given counts confirmed exchanges, group exchanges and help tasks that were not
    reversed; chest donations and grants move hours without anyone giving time.
    """
    today = timezone.localdate()
    since = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    given = Exchange.objects.filter(bank=bank, occurred_on__gte=since).time_given()
    rows = list(
        given.annotate(month=TruncMonth("occurred_on"))
        .values("month", "category")
        .annotate(minutes=Sum("minutes"), exchanges=Count("id"))
        .order_by("month", "category")
    )
    labels = dict(Category.choices)
    by_month: dict[Any, dict] = {}
    by_category: dict[str, dict] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = month.date()
        entry = by_month.setdefault(
            month, {"month": month, "minutes": 0, "exchanges": 0, "rows": []}
        )
        entry["minutes"] += row["minutes"]
        entry["exchanges"] += row["exchanges"]
        label = labels.get(row["category"], "Not given")
        entry["rows"].append({"category": label, "minutes": Minutes(row["minutes"])})
        cat = by_category.setdefault(label, {"category": label, "minutes": 0, "exchanges": 0})
        cat["minutes"] += row["minutes"]
        cat["exchanges"] += row["exchanges"]
    for entry in list(by_month.values()) + list(by_category.values()):
        entry["minutes"] = Minutes(entry["minutes"])
    legs = Movement.objects.filter(exchange__in=given, account__kind__in=["person", "organisation"])
    gave = set(legs.filter(minutes__gt=0).values_list("account_id", flat=True))
    received = set(legs.filter(minutes__lt=0).values_list("account_id", flat=True))
    members = Account.objects.filter(bank=bank).approved().members().count()
    return Report(
        since=since,
        by_month=list(by_month.values()),
        by_category=sorted(by_category.values(), key=lambda c: -int(c["minutes"])),
        total_minutes=sum(row["minutes"] for row in rows),
        members=members,
        active_members=len(gave | received),
        gave_and_received=len(gave & received),
    )


def ledger_problems(bank: TimeBank | None = None) -> list[str]:
    """Every way the ledger could be wrong, checked from the movements up. Empty is healthy.

    A handful of queries per bank, whatever its size, so it can run after every step of a
    test and after a benchmark.
    """
    problems = []
    banks = [bank] if bank is not None else list(TimeBank.objects.all())
    for item in banks:
        accounts = list(Account.objects.filter(bank=item).with_derived_balance())
        total = sum(account.balance for account in accounts)
        if total != 0:
            problems.append(f"{item}: balances sum to {total} minutes, not 0")
        over = []
        for account in accounts:
            if account.balance != account.derived_balance:
                problems.append(
                    f"{item}: account {account.pk} stores {account.balance} but its confirmed "
                    f"movements sum to {account.derived_balance}"
                )
            low, high = item.limits_for(account)
            if (low is not None and account.balance < low) or (
                high is not None and account.balance > high
            ):
                over.append(account)
        unbalanced = (
            Movement.objects.filter(exchange__bank=item)
            .values("exchange_id", "exchange__minutes")
            .annotate(
                net=Sum("minutes"),
                credits=Sum("minutes", filter=Q(minutes__gt=0), default=0),
                legs=Count("id"),
            )
            .filter(~Q(net=0) | ~Q(credits=F("exchange__minutes")) | Q(legs__lt=2))
            .order_by("exchange_id")
        )
        for row in unbalanced:
            problems.append(
                f"{item}: exchange {row['exchange_id']} has {row['legs']} movements summing to "
                f"{row['net']}, crediting {row['credits']} of {row['exchange__minutes']}"
            )
        for exchange_id in Exchange.objects.filter(bank=item, movements__isnull=True).values_list(
            "pk", flat=True
        ):
            problems.append(f"{item}: exchange {exchange_id} has no movements")
        foreign = Movement.objects.filter(exchange__bank=item).exclude(account__bank=item)
        for movement_id in foreign.values_list("pk", flat=True):
            problems.append(f"{item}: movement {movement_id} is on another bank's account")
        if over:
            explained = set(
                Movement.objects.filter(
                    account__in=over,
                    exchange__flagged=True,
                    exchange__state=Exchange.State.CONFIRMED,
                ).values_list("account_id", flat=True)
            )
            for account in over:
                if account.pk not in explained:
                    problems.append(
                        f"{item}: account {account.pk} is at {account.balance} minutes, past a "
                        "limit, with no flagged exchange to explain it"
                    )
    return problems


# The exchanges in which time really changed hands between members (not chest top-ups,
# donations or reversals), for insights' supply and reciprocity figures.
_GIVING = (Exchange.Kind.EXCHANGE, Exchange.Kind.GROUP, Exchange.Kind.HELP_TASK)


def monthly_counts(since: datetime) -> dict[str, list[tuple]]:
    """Insights' tallies of the time bank since ``since``, by month: no one named.

    Each measure is a list of ``(month, key, postcode, area_id, n)`` like help's:
    ``timebank_minutes`` is the time members gave, in minutes, by category (the giver's
    postcode). The area is left to insights to work out from the postcode.
    """
    minutes: dict[tuple, int] = defaultdict(int)
    for month, category, _who, postcode, given, _had in _moved(since):
        if given:
            minutes[(month, category or "", postcode or "", None)] += given
    return {"timebank_minutes": [(*k, n) for k, n in minutes.items()]}


def monthly_members(since: datetime) -> list[tuple]:
    """Members who gave or received time each month since ``since``, for insights'
    reciprocity: ``(month, person_id, postcode, area_id, gave, received)`` once a month a
    member (their person record, or the account where it has none); the area is left to
    insights to work out from the postcode."""
    members: dict[tuple, list] = {}
    for month, _category, who, postcode, given, had in _moved(since):
        seen = members.setdefault((month, who), [postcode or "", False, False])
        seen[1] = seen[1] or bool(given)
        seen[2] = seen[2] or bool(had)
    return [
        (month, who, postcode, None, gave, received)
        for (month, who), (postcode, gave, received) in members.items()
    ]


def _moved(since: datetime):
    """Confirmed giving since ``since`` by month, category and member: minutes given and
    how many times they received."""
    moved = (
        Movement.objects.filter(
            exchange__state=Exchange.State.CONFIRMED,
            exchange__kind__in=_GIVING,
            exchange__confirmed_at__gte=since,
            account__kind=Account.Kind.PERSON,
        )
        .annotate(month=TruncMonth("exchange__confirmed_at"))
        .values_list(
            "month", "exchange__category", "account_id", "account__person_id", "account__postcode"
        )
        .annotate(
            given=Sum("minutes", filter=Q(minutes__gt=0)), had=Count("id", filter=Q(minutes__lt=0))
        )
        .order_by()
    )
    for month, category, account_id, person_id, postcode, given, had in moved.iterator(
        chunk_size=5000
    ):
        who = person_id if person_id is not None else f"account:{account_id}"
        yield month, category, who, postcode, given, had


def category_labels() -> dict[str, str]:
    return dict(Category.choices)
