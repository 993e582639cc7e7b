"""Dates on the time bank: an exchange typed in the wrong year is refused (how far back is
the bank's own setting, 90 days unless a broker changes it), and a statement reads in the
order the time was given."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from keepwell.timebank import services
from keepwell.timebank.models import Exchange, TimeBank


def _exchange_data(tb, **extra):
    data = {
        "direction": "gave",
        "other": tb.cath.pk,
        "minutes": "1 h",
        "category": "practical",
        "description": "Put up shelves",
        "key": services.new_key(),
    }
    data.update(extra)
    return data


def _summary(response) -> str:
    html = response.content.decode()
    assert 'class="nhsuk-error-summary"' in html, "expected the NHS.UK error summary"
    return html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0]


def test_a_new_bank_takes_exchanges_from_the_last_90_days(world, tb):
    assert TimeBank().backdate_days == 90
    assert tb.bank.earliest_exchange_date() == timezone.localdate() - timedelta(days=90)


def test_margaret_cannot_record_an_exchange_dated_2019(world, as_user, tb):
    url = f"/timebank/account/{tb.margaret.pk}/exchange/new/"
    response = as_user(world.margaret).post(url, _exchange_data(tb, occurred_on="2019-06-01"))
    assert response.status_code == 400
    earliest = timezone.localdate() - timedelta(days=90)
    assert f"The date must be on or after {earliest:%-d %B %Y}" in _summary(response)
    assert "the last 90 days" in _summary(response)
    assert not Exchange.objects.exists()
    form = as_user(world.margaret).get(url).content.decode()
    assert f'min="{earliest.isoformat()}"' in form


def test_the_ledger_itself_refuses_a_date_further_back_than_the_bank_allows(world, tb):
    with pytest.raises(services.LedgerError, match="more than 90 days ago"):
        services.record_exchange(
            giver=tb.margaret,
            receiver=tb.cath,
            minutes=60,
            by=world.sam,
            as_broker=True,
            idempotency_key="old",
            occurred_on=date(2019, 6, 1),
        )
    assert not Exchange.objects.exists()


def test_sam_lets_his_bank_take_exchanges_from_the_last_year(world, as_user, tb):
    sam = as_user(world.sam)
    page = sam.get(f"/timebank/{tb.bank.slug}/settings/")
    assert page.status_code == 200
    assert "How many days back an exchange may be dated" in page.content.decode()
    response = sam.post(
        f"/timebank/{tb.bank.slug}/settings/",
        {
            "min_balance": "-600",
            "max_balance": "6000",
            "chest_min_balance": "0",
            "limit_policy": "enforce",
            "backdate_days": "366",
        },
    )
    assert response.status_code == 302
    tb.bank.refresh_from_db()
    assert tb.bank.backdate_days == 366
    assert "up to 366 days back" in sam.get(f"/timebank/{tb.bank.slug}/").content.decode()

    then = timezone.localdate() - timedelta(days=300)
    response = as_user(world.margaret).post(
        f"/timebank/account/{tb.margaret.pk}/exchange/new/",
        _exchange_data(tb, occurred_on=then.isoformat()),
    )
    assert response.status_code == 302
    assert Exchange.objects.get().occurred_on == then


def test_the_settings_page_says_what_is_wrong_in_plain_words(world, as_user, tb):
    response = as_user(world.sam).post(
        f"/timebank/{tb.bank.slug}/settings/",
        {"min_balance": "60", "chest_min_balance": "", "backdate_days": "9999"},
    )
    assert response.status_code == 400
    summary = _summary(response)
    assert "The lowest balance a member may have (minutes) must be 0 or less" not in summary
    assert "Enter the lowest balance a member may have (minutes), from -100,000 to 0" in summary
    assert "Enter how many days back an exchange may be dated, from 0 to 3,660" in summary
    assert "Enter the lowest community chest balance (minutes)" in summary
    assert "Choose when an exchange would cross a limit" in summary
    tb.bank.refresh_from_db()
    assert tb.bank.backdate_days == 90


def test_margaret_cannot_change_the_bank_s_settings(world, as_user, tb):
    response = as_user(world.margaret).post(
        f"/timebank/{tb.bank.slug}/settings/", {"backdate_days": "3000"}
    )
    assert response.status_code == 403
    tb.bank.refresh_from_db()
    assert tb.bank.backdate_days == 90


def test_a_statement_reads_in_the_order_the_time_was_given(world, as_user, tb):
    today = timezone.localdate()
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.cath,
        minutes=30,
        by=world.sam,
        as_broker=True,
        idempotency_key="today",
        description="Tea today",
    )
    # Recorded second, but given a fortnight ago: it comes first.
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.margaret,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="late",
        description="Gardening a fortnight ago",
        occurred_on=today - timedelta(days=14),
    )
    # On the same day, the order they were recorded.
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.bill,
        minutes=15,
        by=world.sam,
        as_broker=True,
        idempotency_key="soup",
        description="Soup today",
    )
    opening, lines, closing = services.statement(tb.margaret)
    assert [line.movement.exchange.description for line in lines] == [
        "Gardening a fortnight ago",
        "Tea today",
        "Soup today",
    ]
    assert [line.balance for line in lines] == [-60, -30, -15] and closing == -15
    page = as_user(world.margaret).get(f"/timebank/account/{tb.margaret.pk}/statement/")
    html = page.content.decode()
    assert html.index("Gardening a fortnight ago") < html.index("Tea today")

    # "From" a week ago starts after the gardening, whenever it was recorded.
    opening, lines, closing = services.statement(tb.margaret, since=today - timedelta(days=7))
    assert opening == -60 and [line.balance for line in lines] == [-30, -15]
