"""Stories on the time bank pages: joining, trading, the chest, corrections, broker tools."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.people.models import Strength
from keepwell.timebank import services
from keepwell.timebank.models import Account, Exchange, GiveInvitation, Listing
from tests.factories import PersonFactory, PostcodeLocationFactory, UserFactory
from tests.timebank.factories import make_member


@pytest.fixture
def cath_user(tb):
    user = UserFactory(username="cath")
    person = tb.cath.person
    person.user = user
    person.save(update_fields=["user"])
    return user


def _balance(account) -> int:
    return Account.objects.get(pk=account.pk).balance


def test_the_time_bank_is_in_the_navigation(world, as_user, tb):
    page = as_user(world.margaret).get("/")
    assert b'href="/timebank/"' in page.content
    index = as_user(world.margaret).get("/timebank/")
    assert "Margaret Evans at Wellbrook Time Bank" in index.content.decode()


def test_a_resident_asks_to_join_and_a_broker_approves_who_approved_is_kept(world, as_user, tb):
    person = world.riverside_person
    person.user = UserFactory(username="john")
    person.save(update_fields=["user"])
    client = as_user(person.user)
    response = client.post(
        f"/timebank/{tb.bank.slug}/join/",
        {"who": f"person:{person.pk}", "postcode": "wb2 1ad", "about": "Keen gardener"},
    )
    assert response.status_code == 302
    account = Account.objects.get(bank=tb.bank, person=person)
    assert account.status == Account.Status.PENDING and account.postcode == "WB2 1AD"

    sam = as_user(world.sam)
    approvals = sam.get(f"/timebank/{tb.bank.slug}/approvals/")
    assert "John Smith" in approvals.content.decode()
    sam.post(f"/timebank/account/{account.pk}/decide/", {"decision": "approve"})
    account.refresh_from_db()
    assert account.status == Account.Status.APPROVED
    assert account.decided_by == world.sam and account.decided_at is not None


def test_joining_without_choosing_who_shows_the_error_summary(world, as_user, tb):
    response = as_user(world.sam).post(f"/timebank/{tb.bank.slug}/join/", {"postcode": "nope"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "Choose who is joining" in body


def test_margaret_records_time_given_and_cath_confirms_it_on_her_page(
    world, as_user, tb, cath_user
):
    margaret = as_user(world.margaret)
    form = margaret.get(f"/timebank/account/{tb.margaret.pk}/exchange/new/")
    key = form.context["form"].initial["key"]
    data = {
        "direction": "gave",
        "other": tb.cath.pk,
        "minutes": "1 h 30 min",
        "category": "practical",
        "description": "Put up shelves",
        "key": key,
    }
    response = margaret.post(f"/timebank/account/{tb.margaret.pk}/exchange/new/", data)
    assert response.status_code == 302
    # Pressing the button twice (same form, same key) records it once.
    margaret.post(f"/timebank/account/{tb.margaret.pk}/exchange/new/", data)
    exchange = Exchange.objects.get()
    assert exchange.is_pending and exchange.minutes == 90
    assert _balance(tb.margaret) == 0

    cath = as_user(cath_user)
    page = cath.get(f"/timebank/account/{tb.cath.pk}/")
    assert "Put up shelves" in page.content.decode()
    cath.post(f"/timebank/exchange/{exchange.pk}/confirm/")
    assert (_balance(tb.margaret), _balance(tb.cath)) == (90, -90)


@pytest.mark.parametrize(
    "typed, message",
    [("1.33 h", "Enter whole minutes"), ("a while", "Enter how long"), ("", "Enter how long")],
)
def test_time_that_is_not_whole_minutes_is_refused_with_the_error_summary(
    world, as_user, tb, typed, message
):
    response = as_user(world.margaret).post(
        f"/timebank/account/{tb.margaret.pk}/exchange/new/",
        {
            "direction": "gave",
            "other": tb.cath.pk,
            "minutes": typed,
            "category": "food",
            "key": "k",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert 'href="#id_minutes"' in body
    assert not Exchange.objects.exists()


def test_a_limit_is_explained_on_the_form(world, as_user, tb):
    tb.bank.min_balance = -60
    tb.bank.save()
    response = as_user(world.sam).post(
        f"/timebank/account/{tb.bill.pk}/exchange/new/",
        {
            "direction": "received",
            "other": tb.cath.pk,
            "minutes": "2 h",
            "category": "food",
            "key": "k",
        },
    )
    assert response.status_code == 400
    assert "below the lowest balance" in response.content.decode()


def test_a_broker_records_for_bill_who_has_no_computer_and_it_counts_at_once(world, as_user, tb):
    response = as_user(world.sam).post(
        f"/timebank/account/{tb.bill.pk}/exchange/new/",
        {
            "direction": "gave",
            "other": tb.margaret.pk,
            "minutes": "45",
            "category": "company",
            "key": "phone-1",
        },
    )
    assert response.status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.is_confirmed and exchange.by_broker and exchange.recorded_by == world.sam
    assert (_balance(tb.bill), _balance(tb.margaret)) == (45, -45)


def test_a_class_the_chest_and_a_reversal_through_the_pages(world, as_user, tb):
    sam = as_user(world.sam)
    sam.post(
        f"/timebank/{tb.bank.slug}/group/",
        {
            "giver": tb.margaret.pk,
            "receivers": [tb.bill.pk, tb.cath.pk],
            "minutes_each": "1 h",
            "category": "arts",
            "description": "Knitting class",
            "key": "class-1",
        },
    )
    assert _balance(tb.margaret) == 120
    as_user(world.margaret).post(
        f"/timebank/account/{tb.margaret.pk}/donate/", {"minutes": "30", "key": "gift"}
    )
    assert (_balance(tb.margaret), _balance(tb.chest)) == (90, 30)
    sam = as_user(world.sam)
    sam.post(
        f"/timebank/{tb.bank.slug}/chest/grant/",
        {"receiver": tb.bill.pk, "minutes": "20", "reason": "Welcome hours", "key": "g"},
    )
    assert (_balance(tb.chest), _balance(tb.bill)) == (10, -40)

    knitting = Exchange.objects.get(idempotency_key="class-1")
    refused = sam.post(f"/timebank/exchange/{knitting.pk}/reverse/", {"reason": ""})
    assert refused.status_code == 400 and "Say why the exchange is reversed" in (
        refused.content.decode()
    )
    sam.post(f"/timebank/exchange/{knitting.pk}/reverse/", {"reason": "Class was cancelled"})
    reversal = Exchange.objects.get(reverses=knitting)
    assert reversal.reason == "Class was cancelled"
    assert (_balance(tb.margaret), _balance(tb.bill), _balance(tb.cath)) == (-30, 20, 0)
    assert services.ledger_problems(tb.bank) == []


def test_margaret_lists_offers_and_needs_and_they_show_by_category(world, as_user, tb):
    client = as_user(world.margaret)
    client.post(
        f"/timebank/account/{tb.margaret.pk}/listings/new/",
        {"kind": "offer", "category": "food", "title": "Baking bread"},
    )
    client.post(
        f"/timebank/account/{tb.margaret.pk}/listings/new/",
        {"kind": "need", "category": "digital", "title": "Help with video calls"},
    )
    page = client.get(f"/timebank/account/{tb.margaret.pk}/").content.decode()
    assert "Cooking and food" in page and "Baking bread" in page
    assert "Computers, phones and the internet" in page and "Help with video calls" in page
    bad = client.post(f"/timebank/account/{tb.margaret.pk}/listings/new/", {"kind": "offer"})
    assert bad.status_code == 400 and "Choose a category" in bad.content.decode()


def test_find_offers_near_me_nearest_first_in_bounded_queries(
    world, as_user, tb, django_assert_max_num_queries
):
    PostcodeLocationFactory(postcode="WB2 1AB", latitude=51.500, longitude=-0.100)
    PostcodeLocationFactory(postcode="WB2 1AD", latitude=51.505, longitude=-0.100)
    PostcodeLocationFactory(postcode="WB3 1AB", latitude=51.600, longitude=-0.100)
    Account.objects.filter(pk=tb.margaret.pk).update(postcode="WB2 1AB")
    for account, title in [(tb.bill, "Gardening"), (tb.cath, "Far away gardening")]:
        services.add_listing(account, by=world.sam, kind="offer", category="practical", title=title)
    client = as_user(world.margaret)
    url = f"/timebank/{tb.bank.slug}/find/?kind=offer&category=practical&postcode=WB2+1AB&km=3"
    body = client.get(url).content.decode()
    assert "Gardening" in body and "Far away gardening" not in body and "0.6 km" in body
    for i in range(15):
        member = make_member(tb.bank, postcode="WB2 1AD")
        services.add_listing(
            member, by=world.sam, kind="offer", category="practical", title=f"Job {i}"
        )
    with django_assert_max_num_queries(19):
        response = client.get(url)
    assert response.content.decode().count("Job ") == 15


def test_list_pages_do_not_grow_their_queries_with_the_data(world, as_user, tb, count_queries):
    sam = as_user(world.sam)
    pages = [
        f"/timebank/{tb.bank.slug}/approvals/",
        f"/timebank/{tb.bank.slug}/inactive/?months=3",
        f"/timebank/{tb.bank.slug}/suggestions/",
        f"/timebank/{tb.bank.slug}/invite/",
        f"/timebank/{tb.bank.slug}/report/",
        f"/timebank/account/{tb.margaret.pk}/statement/",
        f"/timebank/account/{tb.margaret.pk}/",
    ]

    def add_members(count: int, start: int) -> None:
        for i in range(start, start + count):
            member = make_member(tb.bank, postcode="WB2 1AD")
            services.apply_to_join(tb.bank, by=world.sam, person=PersonFactory())
            services.add_listing(member, by=world.sam, kind="need", category="food", title=f"N{i}")
            services.add_listing(member, by=world.sam, kind="offer", category="food", title=f"O{i}")
            services.record_exchange(
                giver=member,
                receiver=tb.margaret,
                minutes=10,
                by=world.sam,
                as_broker=True,
                idempotency_key=f"x{i}",
            )
            person = member.person
            person.organisations.add(world.mutual_aid)
            Strength.objects.create(person=person, kind="skill", description="Cooking")

    add_members(2, 0)
    for url in pages:
        sam.get(url)
    few = {url: count_queries(lambda url=url: sam.get(url)) for url in pages}
    add_members(8, 2)
    for url in pages:
        assert count_queries(lambda url=url: sam.get(url)) == few[url], url


def test_statements_print_and_download_with_running_balances(world, as_user, tb):
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.margaret,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="a",
        description="=cmd()",
    )
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.cath,
        minutes=15,
        by=world.sam,
        as_broker=True,
        idempotency_key="b",
        description="Tea",
    )
    client = as_user(world.margaret)
    page = client.get(f"/timebank/account/{tb.margaret.pk}/statement/").content.decode()
    assert "Closing balance" in page and "−45 min" in page
    response = client.get(f"/timebank/account/{tb.margaret.pk}/statement.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-1] == "balance_minutes"
    assert [r[-1] for r in rows[1:]] == ["0", "-60", "-45", "-45"]
    assert rows[2][4] == "'=cmd()"  # never a spreadsheet formula
    assert AuditEvent.objects.filter(action="export", person_id=tb.margaret.person_id).exists()
    bad = client.get(
        f"/timebank/account/{tb.margaret.pk}/statement/?since=2026-03-02&until=2026-03-01"
    )
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()


def test_brokers_see_who_to_phone_and_the_report(world, as_user, tb):
    services.record_exchange(
        giver=tb.bill,
        receiver=tb.margaret,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="a",
        category="company",
    )
    services.record_exchange(
        giver=tb.margaret,
        receiver=tb.bill,
        minutes=30,
        by=world.sam,
        as_broker=True,
        idempotency_key="b",
        category="food",
    )
    sam = as_user(world.sam)
    inactive = sam.get(f"/timebank/{tb.bank.slug}/inactive/?months=1").content.decode()
    assert "Cath Rowe" in inactive and "Bill Stone" not in inactive
    report = sam.get(f"/timebank/{tb.bank.slug}/report/")
    data = report.context["report"]
    assert data.total_minutes == 90 and data.members == 3
    assert data.active_members == 2 and data.gave_and_received == 2
    assert data.share_both == "67%"
    body = report.content.decode()
    assert "Company, befriending and phone calls" in body and "1 h 30 min" in body
    bad = sam.get(f"/timebank/{tb.bank.slug}/inactive/?months=0")
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()


def test_suggestions_pair_margarets_need_with_a_neighbours_offer(world, as_user, tb):
    services.add_listing(
        tb.margaret, by=world.margaret, kind="need", category="digital", title="Video calls"
    )
    services.add_listing(
        tb.cath, by=world.sam, kind="offer", category="digital", title="Phone and tablet help"
    )
    services.add_listing(tb.bill, by=world.sam, kind="offer", category="food", title="Soup")
    page = as_user(world.margaret).get(f"/timebank/{tb.bank.slug}/suggestions/")
    found = page.context["found"]
    assert [(s.need.title, s.offer.title) for s in found] == [
        ("Video calls", "Phone and tablet help")
    ]


def test_a_volunteer_earns_hours_for_help_tasks_from_the_chest(world, as_user, tb):
    from keepwell.help.models import Task, TaskState
    from tests.help.factories import make_request, make_volunteer

    jo_person = make_member(tb.bank, given_name="Jo", family_name="Bell").person
    jo_person.user = world.jo
    jo_person.save(update_fields=["user"])
    jo_account = Account.objects.get(bank=tb.bank, person=jo_person)
    volunteer = make_volunteer(world.mutual_aid, user=world.jo)
    task = make_request(
        world.riverside_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    Task.objects.filter(pk=task.pk).update(
        state=TaskState.DONE, volunteer=volunteer, finished_at=timezone.now()
    )
    tb.bank.chest_min_balance = -600
    tb.bank.save()
    jo = as_user(world.jo)
    jo.post(
        f"/timebank/account/{jo_account.pk}/edit/",
        {"postcode": "", "about": "", "earn_help_hours": "on"},
    )
    page = jo.get(f"/timebank/account/{jo_account.pk}/help-hours/")
    assert "Shopping" in page.content.decode()
    jo.post(f"/timebank/account/{jo_account.pk}/help-hours/", {"task": task.pk, "minutes": "45"})
    jo.post(f"/timebank/account/{jo_account.pk}/help-hours/", {"task": task.pk, "minutes": "45"})
    assert (_balance(jo_account), _balance(tb.chest)) == (45, -45)
    # Credited once, the task leaves the list of tasks to claim hours for.
    page = jo.get(f"/timebank/account/{jo_account.pk}/help-hours/")
    assert "Shopping" not in page.content.decode()
    credit = Exchange.objects.get(kind=Exchange.Kind.HELP_TASK)
    assert credit.beneficiary == world.riverside_person
    # John, who was helped, is never charged for it.
    assert not Account.objects.filter(person=world.riverside_person).exists()


def test_someone_who_received_help_is_invited_and_gives_using_their_strengths(world, as_user, tb):
    john = world.riverside_person
    strength = Strength.objects.create(person=john, kind="skill", description="Fixing bikes")
    sam = as_user(world.sam)
    page = sam.get(f"/timebank/{tb.bank.slug}/invite/").content.decode()
    assert "John Smith" in page and "Fixing bikes" in page
    sam.post(f"/timebank/{tb.bank.slug}/invite/{john.pk}/", {"note": "Said on the phone"})
    invitation = GiveInvitation.objects.get(person=john)
    # John has no computer: Sam records his yes on the phone.
    sam.post(
        f"/timebank/invitation/{invitation.pk}/", {"answer": "yes", "strengths": [strength.pk]}
    )
    account = Account.objects.get(bank=tb.bank, person=john)
    assert account.is_approved
    offer = Listing.objects.get(account=account)
    assert offer.kind == "offer" and offer.title == "Fixing bikes" and offer.strength == strength
    assert john not in sam.get(f"/timebank/{tb.bank.slug}/invite/").context["page"].object_list


def test_the_chest_has_no_exchange_or_donate_page(world, as_user, tb):
    sam = as_user(world.sam)
    assert sam.get(f"/timebank/account/{tb.chest.pk}/exchange/new/").status_code == 404
    assert sam.get(f"/timebank/account/{tb.chest.pk}/donate/").status_code == 404
    assert sam.get(f"/timebank/account/{tb.chest.pk}/").status_code == 200
