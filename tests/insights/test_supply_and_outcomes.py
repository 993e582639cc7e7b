"""Insights beyond need: what the place offers, whom messages reached, who both gave and
received, and how people's lives changed, by neighbourhood and decile, small numbers hidden."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.directory.models import Location, Service, ServiceAtLocation, ServiceCategory
from keepwell.insights import disclosure, services
from keepwell.insights.exports import SCHEMA
from keepwell.messaging.models import Channel, HandChannel, Status
from keepwell.timebank import services as timebank
from tests.factories import PersonFactory, UserFactory, lsoa_in_decile
from tests.messaging.factories import HandLogFactory, MessageFactory
from tests.outcomes.factories import BETTER_LATER, GOOD_START, answer
from tests.timebank.factories import make_bank, make_member

RIVERSIDE_LSOA, NORTHGATE_LSOA = "E01999201", "E01999301"


@pytest.fixture
def wellbrook(world):
    lsoa_in_decile("WB2 1AB", RIVERSIDE_LSOA, 1)
    lsoa_in_decile("WB3 1AB", NORTHGATE_LSOA, 9)
    return world.riverside.parent


def published(client, place, **query):
    url = reverse("insights:export_json", kwargs={"slug": place.slug})
    data = client.get(url, query).json()
    jsonschema.validate(data, SCHEMA)
    return data


def measure(data, name):
    return next(m for m in data["measures"] if m["measure"] == name)


def rows_of(data, name):
    return {r["row"]: r for r in measure(data, name)["rows"]}


def test_time_bank_hours_and_members_who_both_gave_and_received(wellbrook, world, client):
    """Ten Riverside members each give an hour and a half to the next; only their time bank
    postcode says where they live, and that is enough to place them."""
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    members = [
        make_member(bank, by=world.sam, postcode="WB2 1AB", area=None, given_name=f"M{i}")
        for i in range(10)
    ]
    for i, giver in enumerate(members):
        timebank.record_exchange(
            giver=giver,
            receiver=members[(i + 1) % 10],
            minutes=90,
            by=world.sam,
            as_broker=True,
            category="practical",
            idempotency_key=f"swap-{i}",
        )
    services.refresh()

    data = published(client, wellbrook)

    hours = rows_of(data, "timebank_minutes")
    assert hours["Riverside"]["total"] == 15  # 10 x 1.5 hours
    assert hours["Northgate"]["total"] == 0
    both = rows_of(data, "reciprocity")["Riverside"]["by_key"]
    assert both == {"Gave and received": 10}
    by_decile = rows_of(published(client, wellbrook, by="decile"), "reciprocity")
    assert by_decile["1"]["total"] == 10


def test_reciprocity_joins_mutual_aid_and_the_time_bank_person_by_person(wellbrook, world, client):
    """Ten Riverside neighbours volunteer with the mutual aid group and each is helped by the
    next one this month: each both gave and received. Two more volunteers only gave; a
    time bank member who gave an hour to one of the ten is counted once, not twice, with
    what she did in mutual aid."""
    from keepwell.help.models import HelpRequest, Task, TaskState
    from tests.help.factories import make_volunteer, need

    now = timezone.now()
    people, volunteers = [], []
    for i in range(12):
        user = UserFactory(username=f"neighbour{i}")
        people.append(
            PersonFactory(area=world.riverside, postcode="WB2 1AB", user=user, given_name=f"N{i}")
        )
        volunteers.append(make_volunteer(world.mutual_aid, user=user, area=world.riverside))
    for i in range(12):
        helped = people[(i + 1) % 10] if i < 10 else people[i % 10]
        request = HelpRequest.objects.create(
            person=helped,
            organisation=world.mutual_aid,
            area=world.riverside,
            need_type=need("shopping"),
        )
        Task.objects.create(
            request=request, volunteer=volunteers[i], state=TaskState.DONE, finished_at=now
        )
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    giver = make_member(bank, by=world.sam, person=people[0])
    taker = make_member(bank, by=world.sam, postcode="WB2 1AB", area=None, given_name="T")
    timebank.record_exchange(
        giver=giver,
        receiver=taker,
        minutes=60,
        by=world.sam,
        as_broker=True,
        category="practical",
        idempotency_key="an-hour",
    )
    services.refresh()

    reciprocity = rows_of(published(client, wellbrook), "reciprocity")["Riverside"]["by_key"]

    # Ten who gave and received; two volunteers and N0's time bank hour change nothing
    # there (she is one of the ten); the two only gave and T only received: both hidden.
    assert reciprocity["Gave and received"] == 10
    assert reciprocity["Gave only"] == "*" and reciprocity["Received only"] == "*"


def test_services_now_and_those_not_taking_new_people(wellbrook, world, client):
    hall = Location.objects.create(
        organisation=world.mutual_aid,
        address_1="Riverside Hall",
        town="Wellbrook",
        postcode="WB2 1AB",
        area=world.riverside,
    )
    for i in range(9):
        service = Service.objects.create(
            organisation=world.mutual_aid,
            name=f"Club {i}",
            category=ServiceCategory.SOCIAL,
            taking_new_people=i >= 3,
        )
        ServiceAtLocation.objects.create(service=service, location=hall)
    world.mutual_aid.areas_served.set([world.riverside])
    Service.objects.create(
        organisation=world.mutual_aid, name="Phone line", category=ServiceCategory.EMOTIONAL
    )
    services.refresh()

    data = published(client, wellbrook)

    now = measure(data, "services")
    assert now["as_of_now"] is True and now["by_month"] == {}
    assert rows_of(data, "services")["Riverside"]["total"] == 10  # 9, rounded
    assert rows_of(data, "services_full")["Riverside"]["total"] == "*"  # 3 full: never shown
    # The phone line runs from no building: it counts where its organisation works.
    assert rows_of(data, "services")["Riverside"]["by_key"]["Emotional"] == "*"
    # Services are as they are now: a period years ago still shows them.
    old = published(client, wellbrook, start="2020-01", end="2020-12")
    assert rows_of(old, "services")["Riverside"]["total"] == 10


def test_reach_counts_messages_delivered_and_failed_by_channel(wellbrook, world, client):
    for i in range(12):
        person = PersonFactory(area=world.riverside, postcode="WB2 1AB", given_name=f"R{i}")
        MessageFactory(person=person, area=world.riverside)
        MessageFactory(
            person=person,
            area=world.riverside,
            channel=Channel.EMAIL,
            status=Status.PERMANENT_FAILURE if i < 9 else Status.DELIVERED,
        )
    services.refresh()

    data = published(client, wellbrook)

    delivered = rows_of(data, "messages_delivered")["Riverside"]["by_key"]
    failed = rows_of(data, "messages_failed")["Riverside"]["by_key"]
    # The 3 emails are hidden, and so are the 12 texts beside them: the row's total would
    # otherwise give the 3 back.
    assert delivered == {"Text message": "*", "Email": "*"}
    assert rows_of(data, "messages_delivered")["Riverside"]["total"] == 15
    assert failed == {"Email": 10}  # 9, rounded


def test_reach_counts_people_reached_by_hand_by_neighbourhood(wellbrook, world, client):
    """Riverside's leaflet drops and WhatsApp posts are logged by hand, and Northgate's
    poster; one poster seen by about three people is too few to show."""
    HandLogFactory(channel=HandChannel.LEAFLET, area=world.riverside, reach=1200)
    HandLogFactory(channel=HandChannel.WHATSAPP, area=world.riverside, reach=600)
    HandLogFactory(channel=HandChannel.WHATSAPP, area=world.riverside, reach=203)
    HandLogFactory(channel=HandChannel.POSTER, area=world.northgate, reach=40)
    HandLogFactory(channel=HandChannel.POSTER, area=world.riverside, reach=3)
    HandLogFactory(
        channel=HandChannel.LEAFLET,
        area=world.riverside,
        reach=999,
        happened_on=timezone.localdate() - timedelta(days=800),  # outside the period
    )
    services.refresh()

    data = published(client, wellbrook)

    riverside = rows_of(data, "hand_reach")["Riverside"]
    # The poster's 3 is hidden, and so is a figure beside it that would give it back.
    assert riverside["by_key"]["Leaflets delivered"] == 1200
    assert riverside["by_key"]["Poster"] == "*"
    # ... in its column too: Northgate's 40 would give it back through the posters' total.
    assert rows_of(data, "hand_reach")["Northgate"]["by_key"]["Poster"] == "*"
    assert "*" in (riverside["total"], riverside["by_key"]["WhatsApp group post"])
    assert measure(data, "hand_reach")["section"] == "reach"
    # A log names no address: by decile it is counted, under "not known".
    by_decile = published(client, wellbrook, by="decile")
    assert rows_of(by_decile, "hand_reach")["not known"]["by_key"]["Leaflets delivered"] == 1200
    page = client.get(reverse("insights:public", kwargs={"slug": wellbrook.slug}))
    assert "People reached by leaflets, posts and visits" in page.content.decode()


def test_outcomes_show_a_mean_only_over_the_minimum_cohort(wellbrook, world, client, as_user):
    """Twelve Riverside people and four in Northgate answered the 3Cs at the start and at
    eight weeks. Riverside's change shows; Northgate's four do not, and neither does the
    place's mean, which with Riverside's would give the four back."""
    start = timezone.now() - timedelta(weeks=9)
    for area, postcode, people in (
        (world.riverside, "WB2 1AB", 12),
        (world.northgate, "WB3 1AB", 4),
    ):
        for i in range(people):
            person = PersonFactory(area=area, postcode=postcode, given_name=f"{area.name}{i}")
            first = answer(person, world.sam, GOOD_START, at=start)
            answer(person, world.sam, BETTER_LATER, weeks=8, plan=first[0].plan)
    services.refresh()

    data = published(client, wellbrook)
    outcomes = {q["key"]: q for q in data["outcomes"]["questions"]}
    control = outcomes["3cs:control"]
    anxiety = outcomes["ons4:anxiety"]

    assert data["outcomes"]["weeks"] == 8
    assert control["rows"]["Riverside"] == 3.0  # 3 -> 6
    assert control["rows"]["Northgate"] == disclosure.SUPPRESSED
    assert control["everyone"] == disclosure.SUPPRESSED
    assert anxiety["rows"]["Riverside"] == 3.0  # 7 -> 4: lower is better, so a rise of 3
    assert outcomes["ucla3:total"]["rows"]["Riverside"] == 4.0  # 9 -> 5
    by_decile = published(client, wellbrook, by="decile")
    assert {q["key"]: q for q in by_decile["outcomes"]["questions"]}["3cs:control"]["rows"][
        "1"
    ] == 3.0
    page = as_user(world.nadia).get(reverse("insights:index")).content.decode()
    assert "Mean improvement at 8 weeks by neighbourhood" in page
    lines = csv.DictReader(
        io.StringIO(
            client.get(
                reverse("insights:export_csv", kwargs={"slug": wellbrook.slug})
            ).content.decode()
        )
    )
    shown = {(r["measure"], r["row"]): r["figure"] for r in lines if r["section"] == "outcomes"}
    assert shown[("3Cs: Control", "Riverside")] == "3.0"
    assert shown[("3Cs: Control", "Northgate")] == "*"
