"""The communication audit, as a coordinator reads it: what was sent, what reached people,
what came of it, who no channel reaches, and the channels logged by hand."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwell.audit.models import AuditEvent
from keepwell.core.csvio import is_safe_cell
from keepwell.messaging import report
from keepwell.messaging.models import (
    FAILED,
    SYSTEM_CHANNELS,
    CallOutcome,
    Channel,
    ChannelReview,
    HandLog,
    Message,
    MessageTally,
    MonthTally,
    Purpose,
    Status,
    TalliedDay,
    Unreached,
)
from tests.factories import PersonFactory
from tests.messaging.factories import HandLogFactory, MessageFactory

AUDIT = reverse("messaging:audit")


def _days_ago(days: int, hour: int = 12):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) - timedelta(
        days=days
    )


def _period(days_back: int = 30) -> dict:
    today = timezone.localdate()
    return {"start": (today - timedelta(days=days_back)).isoformat(), "end": today.isoformat()}


def _a_week_of_messages(world):
    """What went out last week in Riverside, and one text in Northgate."""
    john, margaret = world.riverside_person, world.margaret_person
    area = world.riverside

    def ours(**fields):  # sent by Sam's group, Wellbrook Mutual Aid
        return MessageFactory(sender_organisation=world.mutual_aid, **fields)

    # Three texts delivered: John replied to one, Margaret accepted what another offered.
    ours(person=john, area=area, queued_at=_days_ago(3), replied_at=_days_ago(3))
    ours(
        person=margaret,
        area=area,
        purpose=Purpose.VOLUNTEERING,
        queued_at=_days_ago(3),
        acted_at=_days_ago(2),
    )
    ours(person=margaret, area=area, queued_at=_days_ago(2))
    # One bounced; an email went in English because the Portuguese words were not approved.
    ours(person=john, area=area, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(2))
    ours(
        person=john,
        area=area,
        channel=Channel.EMAIL,
        language="en",
        language_fallback=True,
        queued_at=_days_ago(1),
    )
    # Two coordinator's calls: one got through, one rang out.
    ours(
        person=margaret,
        area=area,
        channel=Channel.PHONE,
        call_outcome=CallOutcome.GOT_THROUGH,
        queued_at=_days_ago(1),
    )
    ours(
        person=margaret,
        area=area,
        channel=Channel.PHONE,
        status=Status.QUEUED,  # to be tried again tomorrow
        call_outcome=CallOutcome.NO_ANSWER,
        queued_at=_days_ago(1),
    )
    ours(area=world.northgate, queued_at=_days_ago(1))
    HandLogFactory(
        channel="leaflet",
        happened_on=timezone.localdate() - timedelta(days=2),
        reach=500,
        replies=4,
        area=area,
        logged_by=world.sam,
    )


def _row(audit, **key):
    return next(r for r in audit.rows if all(r.key[k] == v for k, v in key.items()))


def test_coordinator_reads_what_was_sent_delivered_failed_and_came_of_it(world):
    _a_week_of_messages(world)
    today = timezone.localdate()

    audit = report.communication_audit(
        start=today - timedelta(days=7), end=today, group_by=["channel"]
    )

    texts = _row(audit, channel="sms")
    assert (texts.sent, texts.delivered, texts.failed) == (5, 4, 1)
    assert (texts.replied, texts.acted) == (1, 1)
    assert _row(audit, channel="email").fallbacks == 1
    calls = _row(audit, channel="phone")
    assert (calls.calls, calls.calls_answered) == (2, 1)
    [leaflets] = audit.hand_rows
    assert (leaflets.labels["channel"], leaflets.reach, leaflets.replied) == (
        "Leaflets delivered",
        500,
        4,
    )
    assert audit.total.messages == 8
    assert audit.total.replied == 5  # John's text and the leaflets' four


def test_the_page_shows_the_figures_the_chart_and_a_table_beside_it(world, as_user):
    _a_week_of_messages(world)
    client = as_user(world.sam)

    response = client.get(AUDIT, {**_period(7), "group_by": ["channel", "area"]})

    assert response.status_code == 200
    page = response.content.decode()
    chart = page[page.index('class="keepwell-chart"') :].split("</svg>")[0]
    assert 'width="240"' in chart  # texts: a bar four fifths of the way along
    assert "<script" not in chart
    assert "Share of messages sent that were delivered" in page
    assert "80%" in page  # texts: four of five delivered
    assert "Leaflets delivered" in page and "Logged by hand" in page
    # Counts of people and messages, never who they are.
    assert "John" not in page and "Margaret" not in page and "Smith" not in page


def test_messages_outside_the_period_are_not_counted(world):
    MessageFactory(queued_at=_days_ago(40))
    MessageFactory(queued_at=_days_ago(5))
    today = timezone.localdate()

    last_month = report.communication_audit(start=today - timedelta(days=30), end=today)
    since_spring = report.communication_audit(start=today - timedelta(days=60), end=today)
    long_ago = report.communication_audit(
        start=today - timedelta(days=60), end=today - timedelta(days=35)
    )

    assert last_month.total.messages == 1
    assert since_spring.total.messages == 2
    assert long_ago.total.messages == 1


def test_hand_logs_outside_the_period_or_area_are_left_out(world):
    today = timezone.localdate()
    HandLogFactory(happened_on=today, reach=120, area=world.riverside, logged_by=world.sam)
    HandLogFactory(happened_on=today, reach=80, area=world.northgate, logged_by=world.sam)
    HandLogFactory(happened_on=today - timedelta(days=90), reach=999, logged_by=world.sam)

    everywhere = report.communication_audit(start=today - timedelta(days=30), end=today)
    riverside = report.communication_audit(
        start=today - timedelta(days=30), end=today, area_ids={world.riverside.pk}
    )

    assert everywhere.total.reach == 200
    assert riverside.total.reach == 120


def test_people_no_channel_reaches_are_counted_by_purpose(world):
    ann, bob, cat, dev = (PersonFactory(given_name=n) for n in ("Ann", "Bob", "Cat", "Dev"))
    # Ann: her text and her email both failed.
    MessageFactory(person=ann, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(3))
    MessageFactory(
        person=ann, channel=Channel.EMAIL, status=Status.TEMPORARY_FAILURE, queued_at=_days_ago(2)
    )
    # Bob: the text failed but the letter keepwell tried next arrived.
    bounced = MessageFactory(person=bob, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(3))
    MessageFactory(person=bob, channel=Channel.LETTER, fallback_of=bounced, queued_at=_days_ago(2))
    # Cat: nothing digital, and the coordinator's call was to a wrong number.
    MessageFactory(
        person=cat,
        channel=Channel.PHONE,
        status=Status.PERMANENT_FAILURE,
        call_outcome=CallOutcome.WRONG_NUMBER,
        queued_at=_days_ago(2),
    )
    # Dev: hears about his own help, but no news reaches him.
    MessageFactory(person=dev, queued_at=_days_ago(2))
    MessageFactory(
        person=dev, purpose=Purpose.NEWS, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(2)
    )
    today = timezone.localdate()

    audit = report.communication_audit(start=today - timedelta(days=7), end=today)

    assert audit.unreached_people == 3
    # A long period looks for them another way, and finds the same people.
    year = report.unreached_people(start=today - timedelta(days=365), end=today)
    assert year == report.unreached_people(start=today - timedelta(days=7), end=today)
    assert dict(audit.unreached_by_purpose) == {
        "About their own help, referral or wellbeing": 2,
        "News and broadcasts": 1,
    }
    # Once the days are rolled up, the rollup's record of them finds the same people.
    report.roll_up_all()
    rolled = report.communication_audit(start=today - timedelta(days=7), end=today)
    assert rolled.tallied_days == 3  # from the first message to yesterday
    assert (rolled.unreached_people, rolled.unreached_by_purpose) == (
        3,
        audit.unreached_by_purpose,
    )


def test_a_message_still_on_its_way_means_the_person_may_yet_be_reached(world):
    person = PersonFactory()
    MessageFactory(person=person, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(1))
    MessageFactory(
        person=person, channel=Channel.LETTER, status=Status.SENT, queued_at=_days_ago(1)
    )
    today = timezone.localdate()

    assert report.communication_audit(start=today, end=today).unreached_people == 0


def test_an_area_lead_sees_only_their_areas(world, as_user):
    for area in (world.riverside, world.northgate, world.northgate):
        MessageFactory(area=area, sender_organisation=world.mutual_aid, queued_at=_days_ago(1))

    ana_sees = as_user(world.ana).get(AUDIT, _period()).context["audit"]
    sam_sees = as_user(world.sam).get(AUDIT, _period()).context["audit"]
    # Choosing an area she does not lead is refused, not quietly widened.
    other = as_user(world.ana).get(AUDIT, {**_period(), "area": world.northgate.pk})

    assert ana_sees.total.messages == 1
    assert sam_sees.total.messages == 3
    assert other.status_code == 400
    assert "Choose the area from the list" in other.content.decode()


@pytest.mark.parametrize(
    "name", ["messaging:audit", "messaging:audit_log", "messaging:audit_review"]
)
def test_a_volunteer_may_not_open_the_audit(world, as_user, name):
    assert as_user(world.jo).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start": "31/02/2026", "end": "2026-03-01"}, "Enter the start date as a real date"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "The end date must be the same as or after"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose a period of 3 years or less"),
        ({"start": "2026-01-01", "end": ""}, "Enter the end date"),
        (
            {"start": "2026-01-01", "end": "2026-02-01", "group_by": "name"},
            "Choose “Group by” from",
        ),
        ({"start": "2026-01-01", "end": "2026-02-01", "area": "x" * 400}, "Choose the area"),
    ],
)
def test_bad_dates_show_the_error_summary_not_an_error_page(world, as_user, query, message):
    response = as_user(world.sam).get(AUDIT, query)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page


def test_the_csv_export_escapes_what_people_typed(world, as_user):
    MessageFactory(
        audience='=HYPERLINK("http://evil")',
        sender_organisation=world.mutual_aid,
        queued_at=_days_ago(1),
    )
    HandLogFactory(channel="whatsapp", audience="@everyone", reach=80, logged_by=world.sam)

    response = as_user(world.sam).get(
        AUDIT, {**_period(7), "group_by": ["channel", "audience"], "format": "csv"}
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Channel", "Audience", "Kind"]
    cells = [cell for row in rows for cell in row]
    assert '\'=HYPERLINK("http://evil")' in cells
    assert "'@everyone" in cells
    assert all(is_safe_cell(cell) for cell in cells)
    assert rows[-1][:3] == ["WhatsApp group post", "'@everyone", "Logged by hand"]


def test_the_audit_page_costs_the_same_queries_with_more_messages(
    world, as_user, django_assert_max_num_queries, count_queries
):
    client = as_user(world.sam)
    query = {**_period(20), "group_by": ["channel", "language", "purpose", "audience", "area"]}
    _a_week_of_messages(world)
    MessageFactory(area=world.riverside, queued_at=_days_ago(12))
    report.roll_up_all()  # days 9 and more ago are read from tallies, the rest live
    few = count_queries(lambda: client.get(AUDIT, query))
    for days in range(1, 15):
        MessageFactory(area=world.northgate, language="pt", queued_at=_days_ago(days))
        HandLogFactory(channel="poster", area=world.northgate, logged_by=world.sam)
    report.roll_up_all()

    with django_assert_max_num_queries(few):
        response = client.get(AUDIT, query)

    assert response.status_code == 200


def test_a_coordinator_logs_leaflets_by_hand_and_the_audit_counts_them(world, as_user):
    client = as_user(world.sam)
    today = timezone.localdate()

    response = client.post(
        reverse("messaging:audit_log"),
        {
            "channel": "prescription_bag",
            "happened_on": today.isoformat(),
            "reach": "240",
            "replies": "",
            "language": "pt",
            "purpose": "care",
            "audience": "Portuguese-speaking patients",
            "area": world.riverside.pk,
            "delivered_by": "Wellbrook pharmacy",
        },
    )

    assert response.status_code == 302
    listing = client.get(response["Location"]).content.decode()
    assert "Sheet with prescriptions" in listing and "Wellbrook pharmacy" in listing
    log = HandLog.objects.get()
    assert (log.reach, log.logged_by, log.language) == (240, world.sam, "pt")
    assert AuditEvent.objects.filter(object_type="messaging.handlog", actor=world.sam).exists()
    audit = report.communication_audit(start=today, end=today)
    assert audit.total.reach == 240


def test_a_hand_log_for_a_future_date_or_with_no_reach_is_refused_plainly(world, as_user):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = as_user(world.sam).post(
        reverse("messaging:audit_log"),
        {"channel": "poster", "happened_on": tomorrow.isoformat(), "reach": "-3", "language": "en"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "must be today or in the past" in page
    assert "Choose the purpose" in page
    assert not HandLog.objects.exists()


def test_the_twelve_month_review_shows_each_channels_figures_and_records_what_worked(
    world, as_user
):
    # What Priya's practice sent and logged: her review counts it.
    MessageFactory(sender_organisation=world.practice, queued_at=_days_ago(30))
    MessageFactory(
        sender_organisation=world.practice,
        queued_at=_days_ago(30),
        status=Status.PERMANENT_FAILURE,
    )
    HandLogFactory(channel="radio", reach=3000, logged_by=world.priya)
    client = as_user(world.priya)
    url = reverse("messaging:audit_review")

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {
            "channel": "radio",
            "period_start": (timezone.localdate() - timedelta(days=364)).isoformat(),
            "period_end": timezone.localdate().isoformat(),
            "what_worked": "The Portuguese slot on community radio",
            "why": "Older residents listen every Sunday",
            "best_messenger": "The mosque and the Portuguese helpline",
        },
    )

    assert "Text message" in page and "Radio slot (logged by hand)" in page
    assert "about 3000" in page
    assert response.status_code == 302
    review = ChannelReview.objects.get()
    assert review.recorded_by == world.priya
    listed = client.get(url).content.decode()
    assert "The mosque and the Portuguese helpline" in listed


def test_rollup_command_counts_every_day_and_the_report_stays_the_same(world):
    _a_week_of_messages(world)
    MessageFactory(queued_at=_days_ago(200), status=Status.TECHNICAL_FAILURE)
    today = timezone.localdate()
    before = report.communication_audit(
        start=today - timedelta(days=365), end=today, group_by=["channel", "area"]
    )

    call_command("messaging_rollup", "--all", stdout=io.StringIO())
    after = report.communication_audit(
        start=today - timedelta(days=365), end=today, group_by=["channel", "area"]
    )

    assert TalliedDay.objects.filter(final=True).count() == 192  # day 200 to day 9 ago
    assert MessageTally.objects.filter(day=today - timedelta(days=200)).get().failed == 1
    assert after.tallied_days == 200  # every day before today
    assert [(r.key, r.sent, r.failed) for r in after.rows] == [
        (r.key, r.sent, r.failed) for r in before.rows
    ]


def test_a_coordinator_counts_only_what_their_own_organisations_sent(world, as_user):
    today = timezone.localdate()
    for days in (0, 40, 70):  # today's counted live, the others from tallies
        MessageFactory(sender_organisation=world.mutual_aid, queued_at=_days_ago(days))
        MessageFactory(
            sender_organisation=world.other_group,
            status=Status.PERMANENT_FAILURE,
            queued_at=_days_ago(days),
        )
    HandLogFactory(happened_on=today, reach=300, logged_by=world.sam)
    HandLogFactory(happened_on=today, reach=40, logged_by=world.olly)
    report.roll_up_all()
    assert MonthTally.objects.exists()
    year = {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}

    def sees(user):
        audit = as_user(user).get(AUDIT, year).context["audit"]
        return audit.total.messages, audit.total.failed, audit.total.reach, audit.unreached_people

    # Sam sees Wellbrook Mutual Aid's three texts and leaflets, none of the other town's.
    assert sees(world.sam) == (3, 0, 300, 0)
    # Olly, in the other town, sees his group's three bounced texts, not ours.
    assert sees(world.olly) == (3, 3, 40, 3)
    # A platform admin sees everything.
    assert sees(world.alex) == (6, 3, 340, 3)


def test_a_hand_log_counts_for_the_organisation_of_who_logged_it(world, as_user):
    today = timezone.localdate()
    as_user(world.olly).post(
        reverse("messaging:audit_log"),
        {
            "channel": "leaflet",
            "happened_on": today.isoformat(),
            "reach": "75",
            "language": "en",
            "purpose": "news",
        },
    )

    assert HandLog.objects.get().organisation == world.other_group
    period = {"start": today.isoformat(), "end": today.isoformat()}
    assert as_user(world.olly).get(AUDIT, period).context["audit"].total.reach == 75
    assert as_user(world.sam).get(AUDIT, period).context["audit"].total.reach == 0


def test_the_latest_hand_logs_listed_are_only_those_of_your_own_organisation(world, as_user):
    today = timezone.localdate().isoformat()
    leaflets = {"channel": "leaflet", "happened_on": today, "language": "en", "purpose": "news"}
    as_user(world.olly).post(
        reverse("messaging:audit_log"), {**leaflets, "reach": "75", "notes": "Othertown market"}
    )
    as_user(world.sam).post(
        reverse("messaging:audit_log"), {**leaflets, "reach": "40", "notes": "Wellbrook surgery"}
    )

    def listed(user):
        page = as_user(user).get(reverse("messaging:audit_log"))
        return sorted(log.notes for log in page.context["logs"])

    assert listed(world.sam) == ["Wellbrook surgery"]
    assert listed(world.olly) == ["Othertown market"]
    assert listed(world.alex) == ["Othertown market", "Wellbrook surgery"]


def test_rolling_up_twice_writes_the_same_tallies_and_months_add_up_their_days(world):
    for days in range(0, 100, 3):
        MessageFactory(area=world.riverside, queued_at=_days_ago(days), cost_pence=days)
        MessageFactory(
            person=PersonFactory(), status=Status.PERMANENT_FAILURE, queued_at=_days_ago(days)
        )
    today = timezone.localdate()
    live = report.communication_audit(start=today - timedelta(days=120), end=today)

    report.roll_up_all()
    first = (
        sorted(MessageTally.objects.values_list("day", "messages", "cost_pence")),
        sorted(MonthTally.objects.values_list("month", "messages", "cost_pence")),
        sorted(Unreached.objects.values_list("message_id", "day")),
    )
    report.roll_up_all()
    report.roll_up_recent()
    again = (
        sorted(MessageTally.objects.values_list("day", "messages", "cost_pence")),
        sorted(MonthTally.objects.values_list("month", "messages", "cost_pence")),
        sorted(Unreached.objects.values_list("message_id", "day")),
    )
    tallied = report.communication_audit(start=today - timedelta(days=120), end=today)

    assert first == again
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    in_last_month = Message.objects.filter(
        queued_at__gte=report.day_start(last_month),
        queued_at__lt=report.day_start(today.replace(day=1)),
    )
    assert sum(MonthTally.objects.filter(month=last_month).values_list("messages", flat=True)) == (
        in_last_month.count()
    )
    assert (tallied.total.messages, tallied.total.cost_pence, tallied.unreached_people) == (
        live.total.messages,
        live.total.cost_pence,
        live.unreached_people,
    )
    assert tallied.unreached_people == 34


def test_late_receipts_and_fallbacks_count_once_recent_days_roll_up_again(world):
    person = PersonFactory()
    on_its_way = MessageFactory(status=Status.SENT, queued_at=_days_ago(3))
    bounced = MessageFactory(person=person, status=Status.PERMANENT_FAILURE, queued_at=_days_ago(3))
    report.roll_up_all()
    today = timezone.localdate()
    week = {"start": today - timedelta(days=7), "end": today - timedelta(days=1)}
    before = report.communication_audit(**week)
    # The receipt comes in, and the letter keepwell tried after the bounce arrives.
    Message.objects.filter(pk=on_its_way.pk).update(status=Status.DELIVERED)
    MessageFactory(
        person=person, channel=Channel.LETTER, fallback_of=bounced, queued_at=_days_ago(3)
    )

    report.roll_up_recent()
    after = report.communication_audit(**week)

    assert (before.total.delivered, before.unreached_people) == (0, 1)
    assert (after.total.delivered, after.unreached_people) == (2, 0)


# --- report == live GROUP BY, for any messages --------------------------------------

DIMS = report.DIMENSIONS

messages = st.lists(
    st.fixed_dictionaries(
        {
            "days_ago": st.integers(0, 30),
            "hour": st.integers(0, 23),
            "channel": st.sampled_from(Channel.values),
            "language": st.sampled_from(["en", "pt", "ur"]),
            "purpose": st.sampled_from(Purpose.values),
            "audience": st.sampled_from(["person", "volunteer", ""]),
            "area": st.sampled_from([None, "riverside", "northgate"]),
            "sender": st.sampled_from([None, "mutual_aid", "other_group"]),
            "status": st.sampled_from(Status.values),
            "replied": st.booleans(),
            "acted": st.booleans(),
            "fallback": st.booleans(),
            "call_outcome": st.sampled_from(["", *CallOutcome.values]),
            "cost": st.integers(0, 90),
        }
    ),
    max_size=25,
)


def _expected(rows, start, end, dims, senders=None):
    """The audit counted the plain way, in Python, from every message in the period."""
    found: dict[tuple, dict] = {}
    for m in rows:
        if m.channel in SYSTEM_CHANNELS:
            continue  # messages to other systems (BaRS) are nobody's: not the audit's
        if not start <= timezone.localtime(m.queued_at).date() <= end:
            continue
        if senders is not None and m.sender_organisation_id not in senders:
            continue
        key = tuple(m.area_id if d == "area" else getattr(m, d) for d in dims)
        c = found.setdefault(key, dict.fromkeys(report.COUNTS, 0))
        c["messages"] += 1
        c["sent"] += m.status not in (Status.QUEUED, Status.CANCELLED)
        c["delivered"] += m.status == Status.DELIVERED
        c["failed"] += m.status in FAILED
        c["replied"] += m.replied_at is not None
        c["acted"] += m.acted_at is not None
        c["fallbacks"] += m.language_fallback
        c["calls"] += m.channel == Channel.PHONE and m.call_outcome != ""
        c["calls_answered"] += m.channel == Channel.PHONE and m.call_outcome == "got_through"
        c["cost_pence"] += m.cost_pence
    return found


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=messages,
    dims=st.sets(st.sampled_from(DIMS)),
    back=st.integers(0, 30),
    length=st.integers(0, 30),
    rolled_days_ago=st.integers(0, 20),
    late=st.booleans(),
    rolled_lately=st.booleans(),
    scoped=st.booleans(),
)
def test_the_report_equals_a_live_count_of_the_messages(
    world, data, dims, back, length, rolled_days_ago, late, rolled_lately, scoped
):
    Message.objects.all().delete()
    MessageTally.objects.all().delete()
    MonthTally.objects.all().delete()
    Unreached.objects.all().delete()
    TalliedDay.objects.all().delete()
    senders = {"mutual_aid": world.mutual_aid, "other_group": world.other_group}
    areas = {"riverside": world.riverside, "northgate": world.northgate}
    for n, m in enumerate(data):
        MessageFactory(
            person=world.riverside_person,
            idempotency_key=f"hyp-{n}",
            queued_at=_days_ago(m["days_ago"], m["hour"]),
            channel=m["channel"],
            language=m["language"],
            purpose=m["purpose"],
            audience=m["audience"],
            area=areas.get(m["area"]),
            sender_organisation=senders.get(m["sender"]),
            status=m["status"],
            replied_at=timezone.now() if m["replied"] else None,
            acted_at=timezone.now() if m["acted"] else None,
            language_fallback=m["fallback"],
            call_outcome=m["call_outcome"],
            cost_pence=m["cost"],
        )
    # Receipts and replies keep arriving for recent days; the rollup ran some days ago (or
    # never), and maybe again since: days it never counted are counted live.
    if late:
        Message.objects.filter(queued_at__gte=_days_ago(5, 0)).update(
            status=Status.DELIVERED, replied_at=timezone.now()
        )
    if rolled_days_ago:
        report.roll_up_all(timezone.now() - timedelta(days=rolled_days_ago))
    if rolled_lately:
        report.roll_up_recent()
    today = timezone.localdate()
    start = today - timedelta(days=back)
    end = start + timedelta(days=length)
    dims = tuple(d for d in DIMS if d in dims)

    ours = {world.mutual_aid.pk} if scoped else None

    audit = report.communication_audit(start=start, end=end, group_by=dims, organisation_ids=ours)

    got = {
        tuple(r.key[d] for d in dims): {c: getattr(r, c) for c in report.COUNTS} for r in audit.rows
    }
    assert got == _expected(Message.objects.all(), start, end, dims, ours)
    live = report.unreached_people(start=start, end=end, organisation_ids=ours)
    assert (audit.unreached_people, audit.unreached_by_purpose) == (
        len({person for person, _ in live}),
        report._by_purpose(live),
    )
