"""The communication audit's pages: the audit itself (with its chart and CSV), channels
logged by hand, and the 12-month review of what worked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from keepwell.accounts.models import Role
from keepwell.core import csvio
from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.directory.models import Organisation
from keepwell.messaging import handlogs, report
from keepwell.messaging.audit_forms import AuditFilterForm, HandLogForm, ReviewForm
from keepwell.messaging.models import Broadcast
from keepwell.places.models import Area


def audit_area_ids(user) -> set[int] | None:
    """The areas whose messages a user may count: everywhere for coordinators, NHS
    connectors and admins; an area lead only the areas they lead or deputise for."""
    if user.is_platform_admin or user.has_role(Role.COORDINATOR, Role.NHS_CONNECTOR):
        return None
    return user.led_area_ids()


def audit_organisation_ids(user) -> set[int] | None:
    """The organisations whose messages and hand logs a user may count: a coordinator or
    NHS connector only what their own organisations sent and logged (another town's group
    is not theirs to count); admins and area leads are not limited by sender."""
    if user.is_platform_admin or not user.has_role(Role.COORDINATOR, Role.NHS_CONNECTOR):
        return None
    return user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)


def _chosen_areas(scope: set[int] | None, area: Area | None) -> set[int] | None:
    if area is None:
        return scope
    chosen = Area.objects.with_descendants({area.pk})
    return chosen if scope is None else chosen & scope


# The bar chart's geometry, in SVG user units.
CHART_LABEL_WIDTH = 190
CHART_BAR_WIDTH = 300
CHART_ROW_HEIGHT = 34


@dataclass(frozen=True)
class Bar:
    name: str
    percent: int
    delivered: int
    sent: int
    y: int
    width: int


def chart_bars(by_channel: list[report.ChannelBar]) -> list[Bar]:
    return [
        Bar(
            name=bar.name,
            percent=bar.percent,
            delivered=bar.delivered,
            sent=bar.sent,
            y=index * CHART_ROW_HEIGHT,
            width=round(CHART_BAR_WIDTH * bar.percent / 100),
        )
        for index, bar in enumerate(by_channel)
    ]


NUMBERS = [
    ("Sent", "sent"),
    ("Delivered", "delivered"),
    ("Failed", "failed"),
    ("Replied", "replied"),
    ("Acted on", "acted"),
    ("Language fallbacks", "fallbacks"),
    ("Calls made", "calls"),
    ("Calls got through", "calls_answered"),
    ("Reach by hand", "reach"),
]
# What a channel logged by hand can say: how many it reached and how many answered.
HAND_NUMBERS = {"replied", "reach"}


@dataclass(frozen=True)
class TableRow:
    hand: bool
    cells: list[tuple[str, str]]
    numbers: list[tuple[str, object]]


def _applies(row: report.Row, name: str) -> bool:
    return name in HAND_NUMBERS if row.hand else name != "reach"


def table_rows(audit: report.Audit) -> list[TableRow]:
    return [
        TableRow(
            hand=row.hand,
            cells=[(report.DIMENSION_LABELS[d], row.labels[d]) for d in audit.group_by],
            numbers=[
                (label, getattr(row, name) if _applies(row, name) else "")
                for label, name in NUMBERS
            ],
        )
        for row in [*audit.rows, *audit.hand_rows]
    ]


@login_required
def audit(request):
    require(request, "messaging.view_audit")
    scope = audit_area_ids(request.user)
    today = report.local_today()
    submitted = any(name in request.GET for name in ("start", "end", "group_by", "area"))
    if submitted:
        form = AuditFilterForm(request.GET, area_ids=scope)
    else:
        form = AuditFilterForm(AuditFilterForm.defaults(today), area_ids=scope)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        result = report.communication_audit(
            start=data["start"],
            end=data["end"],
            group_by=data["group_by"],
            area_ids=_chosen_areas(scope, data["area"]),
            organisation_ids=audit_organisation_ids(request.user),
        )
        if request.GET.get("format") == "csv":
            header, rows = report.csv_rows(result)
            response = HttpResponse(
                csvio.to_text(header, rows), content_type="text/csv; charset=utf-8"
            )
            name = f"keepwell-communication-audit-{data['start']}-to-{data['end']}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
    bars = chart_bars(result.by_channel) if result else []
    group_labels = [report.DIMENSION_LABELS[d] for d in result.group_by] if result else []
    return render(
        request,
        "messaging/audit.html",
        {
            "form": form,
            "audit": result,
            "bars": bars,
            "group_labels": group_labels,
            "table_rows": table_rows(result) if result else [],
            "chart_height": max(1, len(bars)) * CHART_ROW_HEIGHT,
            "chart_label_width": CHART_LABEL_WIDTH,
            "chart_width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60,
            "csv_query": _csv_query(request),
            "scoped": scope is not None,
            "can_log": request.user.has_perm("messaging.log_by_hand"),
            "can_review": request.user.has_perm("messaging.review_channels"),
        },
        status=form_status(form),
    )


def _csv_query(request) -> str:
    query = request.GET.copy()
    query["format"] = "csv"
    return query.urlencode()


@login_required
def hand_log(request):
    require(request, "messaging.log_by_hand")
    scope = audit_area_ids(request.user)
    today = report.local_today()
    broadcast = _broadcast(request.GET.get("broadcast") or request.POST.get("broadcast"))
    if request.method == "POST":
        form = HandLogForm(request.POST, area_ids=scope, today=today)
        if form.is_valid():
            data = form.cleaned_data
            handlogs.log_by_hand(
                channel=data["channel"],
                happened_on=data["happened_on"],
                reach=data["reach"],
                replies=data["replies"] or 0,
                language=data["language"],
                purpose=data["purpose"],
                audience=data["audience"],
                area=data["area"],
                delivered_by=data["delivered_by"],
                notes=data["notes"],
                broadcast=broadcast,
                organisation=_own_organisation(request.user),
                by=request.user,
            )
            return redirect("messaging:audit_log")
    else:
        initial = {"happened_on": today}
        if broadcast is not None:
            initial.update(purpose=broadcast.purpose, audience=broadcast.title[:200])
        form = HandLogForm(initial=initial, area_ids=scope, today=today)
    return render(
        request,
        "messaging/audit_log.html",
        {
            "form": form,
            "logs": handlogs.recent_logs(
                area_ids=scope, organisation_ids=audit_organisation_ids(request.user)
            ),
            "broadcast": broadcast,
        },
        status=form_status(form),
    )


def _own_organisation(user) -> Organisation | None:
    """The organisation a hand log counts for: the logger's own (their first, if several),
    so their audit, scoped to what their organisations did, includes it."""
    ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
    return Organisation.objects.filter(pk__in=ids).order_by("pk").first() if ids else None


def _broadcast(value) -> Broadcast | None:
    if not value or not str(value).isdigit() or len(str(value)) > 18:
        return None
    return Broadcast.objects.filter(pk=int(value)).first()


@login_required
def review(request):
    require(request, "messaging.review_channels")
    today = report.local_today()
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            handlogs.record_review(**form.cleaned_data, by=request.user)
            return redirect("messaging:audit_review")
    else:
        form = ReviewForm(
            initial={"period_start": today - timedelta(days=364), "period_end": today}
        )
    period = _review_period(form, today)
    figures = report.communication_audit(
        start=period[0],
        end=period[1],
        group_by=["channel"],
        area_ids=audit_area_ids(request.user),
        organisation_ids=audit_organisation_ids(request.user),
    )
    return render(
        request,
        "messaging/audit_review.html",
        {
            "form": form,
            "figures": figures,
            "period": period,
            "reviews": handlogs.recent_reviews(),
        },
        status=form_status(form),
    )


def _review_period(form, today):
    """The period whose figures stand beside the form: the one typed, if it makes sense."""
    if form.is_bound and not form.errors.get("period_start") and not form.errors.get("period_end"):
        start, end = form.cleaned_data.get("period_start"), form.cleaned_data.get("period_end")
        if start and end and start <= end:
            return start, end
    return form.initial.get("period_start") or today, form.initial.get("period_end") or today
