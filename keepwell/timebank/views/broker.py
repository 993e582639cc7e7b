"""Time bank pages for brokers: inactive members, statements, settings and the report."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from keepwell.core import csvio
from keepwell.core.charts import Chart, Series
from keepwell.core.forms import form_status
from keepwell.timebank import forms, services
from keepwell.timebank.minutes import Minutes
from keepwell.timebank.models import Account
from keepwell.timebank.views.common import (
    _account,
    _bank,
    _form_page,
)


@login_required
def inactive(request, slug: str):
    """Members with no exchange in N months: someone to phone."""
    bank = _bank(request, slug, "timebank.broker")
    form = forms.InactiveForm(request.GET or None, initial={"months": 3})
    months = form.cleaned_data["months"] if request.GET and form.is_valid() else 3
    page = Paginator(services.inactive_members(bank, months=months), 50).get_page(
        request.GET.get("page")
    )
    services.record_listed(
        request.user,
        [a for a in page.object_list if a.person_id],
        f"Listed as inactive for {months} months",
    )
    return render(
        request,
        "timebank/inactive.html",
        {"bank": bank, "form": form, "page": page, "months": months},
        status=form_status(form),
    )


def _statement(request, account: Account):
    form = forms.StatementForm(request.GET or None)
    since = until = None
    if request.GET and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    opening, lines, closing = services.statement(account, since=since, until=until)
    return form, opening, lines, closing, since, until


@login_required
def statement(request, account_id: int):
    account = _account(request, account_id)
    form, opening, lines, closing, since, until = _statement(request, account)
    services.record_read(request.user, account, "Viewed a time bank statement")
    return render(
        request,
        "timebank/statement.html",
        {
            "account": account,
            "bank": account.bank,
            "form": form,
            "opening": Minutes(opening),
            "lines": lines,
            "closing": Minutes(closing),
            "since": since,
            "until": until,
            "query": request.GET.urlencode(),
        },
        status=form_status(form),
    )


@login_required
def statement_csv(request, account_id: int):
    account = _account(request, account_id)
    form, opening, lines, closing, _since, _until = _statement(request, account)
    if form.errors:
        return HttpResponse("Check the dates.", status=400, content_type="text/plain")
    services.record_read(
        request.user, account, "Downloaded a time bank statement (CSV)", export=True
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{account.bank.slug}-{account.pk}.csv"'
    )
    writer = csvio.Writer(response)
    writer.writerow(
        ["date", "exchange", "kind", "with", "description", "minutes", "balance_minutes"]
    )
    writer.writerow(["", "", "opening balance", "", "", "", opening])
    for line in lines:
        exchange = line.movement.exchange
        writer.writerow(
            [
                exchange.occurred_on.isoformat(),
                exchange.pk,
                exchange.get_kind_display(),
                line.movement.others,
                exchange.reason or exchange.description,
                line.movement.minutes,
                line.balance,
            ]
        )
    writer.writerow(["", "", "closing balance", "", "", "", closing])
    return response


@login_required
def bank_settings(request, slug: str):
    """A broker sets the bank's rules: balance limits and how far back exchanges go."""
    bank = _bank(request, slug, "timebank.broker")
    form = forms.SettingsForm(request.POST or None, bank=bank)
    return _form_page(
        request,
        form,
        title=f"Settings for {bank.name}",
        back=reverse("timebank:bank", kwargs={"slug": bank.slug}),
        intro="They apply to exchanges recorded from now on.",
        bank=bank,
        save=lambda: services.update_settings(bank, by=request.user, **form.cleaned_data),
        success="The bank's settings are saved.",
        redirect_to=reverse("timebank:bank", kwargs={"slug": bank.slug}),
    )


@login_required
def report(request, slug: str):
    bank = _bank(request, slug, "timebank.broker")
    data = services.report(bank)
    return render(
        request,
        "timebank/report.html",
        {"bank": bank, "report": data, "hours_chart": _hours_by_month(data)},
    )


def _hours_by_month(report) -> Chart:
    """Hours given in every month the report covers; a month with none is a real zero."""
    minutes = {entry["month"]: int(entry["minutes"]) for entry in report.by_month}
    months, month = [], report.since
    while month <= timezone.localdate():
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return Chart(
        title="Hours given by month",
        categories=tuple(date_format(m, "M Y") for m in months),
        series=(Series("Hours", tuple(round(minutes.get(m, 0) / 60, 2) for m in months)),),
        unit="hours",
        description="Hours given each month in exchanges, classes and help tasks.",
    )
