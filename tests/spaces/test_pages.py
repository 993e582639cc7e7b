"""What people see: the public timetable and search, the booking form, the owner's queue
and estate, a group's bookings and the calendar feeds."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from icalendar import Calendar

from keepwell.spaces import services
from keepwell.spaces.models import Booking
from tests.spaces.factories import book, make_space, next_weekday


def _search(client, **params):
    query = {"people": 10, "start_time": "14:00", "end_time": "16:00", **params}
    return client.get(reverse("spaces:search"), query)


def test_anyone_sees_when_a_room_is_taken_but_not_by_whom(world, room, client):
    day = next_weekday(1)
    [quiet] = book(room, world.mutual_aid, world.sam, day, "10:00", "11:00", title="Carers' circle")
    [named] = book(
        room, world.mutual_aid, world.sam, day, "14:00", "15:00", title="Chair yoga", public=True
    )
    services.decide(quiet, by=world.priya, approve=True)
    services.decide(named, by=world.priya, approve=True)
    book(room, world.other_group, world.olly, day, "15:00", "16:00", title="Food bank shift")
    page = client.get(reverse("spaces:space", args=[room.pk]), {"week": day.isoformat()})
    text = page.content.decode()
    assert "10:00 to 11:00: Booked" in text
    assert "Carers" not in text
    assert "Wellbrook Mutual Aid: Chair yoga" in text
    assert "15:00 to 16:00: Held: waiting for the owner" in text
    assert "Othertown" not in text and "Food bank" not in text


def test_a_room_at_a_confidential_address_is_not_public(world, client):
    space = make_space(world.mutual_aid, name="Refuge lounge")
    space.location.confidential = True
    space.location.save(update_fields=["confidential"])
    assert client.get(reverse("spaces:space", args=[space.pk])).status_code == 404
    assert "Refuge" not in _search(client, date=next_weekday(1).isoformat()).content.decode()


def test_search_finds_free_step_free_rooms_near_a_postcode_nearest_first(world, room, client):
    far = make_space(world.mutual_aid, name="Far Hall", postcode="WB9 9ZZ", lat=53.2, lon=-1.48)
    near = make_space(world.mutual_aid, name="Hub Room", postcode="WB1 2AB", lat=53.05, lon=-1.48)
    stepped = make_space(world.mutual_aid, name="Upstairs Room", step_free=False)
    day = next_weekday(1)
    book(near, world.other_group, world.olly, day, "15:00", "17:00")
    page = _search(client, date=day.isoformat(), postcode="wb1 1aa", km="3")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Garden Room" in text
    assert "Upstairs Room" in text
    assert far.name not in text and near.name not in text
    page = _search(client, date=day.isoformat(), step_free="on")
    assert stepped.name not in page.content.decode()
    assert "Garden Room" in page.content.decode()


def test_search_leaves_out_rooms_too_small_or_closed_then(world, room, client):
    day = next_weekday(5)  # a Saturday: the Garden Room is closed
    assert "Garden Room" not in _search(client, date=day.isoformat()).content.decode()
    page = _search(client, date=next_weekday(1).isoformat(), people=50)
    assert "Garden Room" not in page.content.decode()


def test_search_with_an_unknown_postcode_says_so_on_the_form(world, room, client):
    page = _search(client, date=next_weekday(1).isoformat(), postcode="WB7 7QQ", end_time="13:00")
    text = page.content.decode()
    assert page.status_code == 400
    assert "There is a problem" in text
    assert "We do not know where WB7 7QQ is" in text
    assert "The end time must be after the start time" in text


def test_search_never_fails_on_nonsense(world, room, client):
    page = _search(client, date="31/02/2026", people="lots", km="9999", start_time="25:00")
    assert page.status_code == 400


def test_sam_asks_for_a_weekly_slot_and_is_told_what_happens_next(world, room, as_user):
    client = as_user(world.sam)
    day = next_weekday(2)
    page = client.post(
        reverse("spaces:book", args=[room.pk]),
        {
            "organisation": world.mutual_aid.pk,
            "title": "Walk and talk",
            "date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "11:30",
            "weeks": 6,
            "people": 12,
        },
        follow=True,
    )
    assert page.status_code == 200
    assert "Asked for 6 booking(s): the owner will decide" in page.content.decode()
    assert Booking.objects.filter(title="Walk and talk", status="requested").count() == 6


def test_the_booking_form_names_every_week_it_cannot_have(world, room, as_user):
    day = next_weekday(2)
    book(room, world.other_group, world.olly, day + timedelta(weeks=1), "10:00", "11:00")
    page = as_user(world.sam).post(
        reverse("spaces:book", args=[room.pk]),
        {
            "organisation": world.mutual_aid.pk,
            "title": "Walk and talk",
            "date": day.isoformat(),
            "start_time": "16:00",
            "end_time": "18:00",
            "weeks": 2,
            "people": 12,
        },
    )
    text = page.content.decode()
    assert page.status_code == 400
    assert "There is a problem" in text
    assert text.count("outside the opening hours, 09:00 to 17:00 on Wednesdays") == 2 * 2
    assert not Booking.objects.filter(organisation=world.mutual_aid).exists()


def test_the_booking_form_refuses_another_groups_name(world, room, as_user):
    page = as_user(world.sam).post(
        reverse("spaces:book", args=[room.pk]),
        {
            "organisation": world.other_group.pk,
            "title": "Not ours",
            "date": next_weekday(1).isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "weeks": 1,
            "people": 5,
        },
    )
    assert page.status_code == 400
    assert "Choose which group is booking from the list" in page.content.decode()


def test_priya_declines_with_a_reason_from_her_queue(world, room, as_user):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(3))
    client = as_user(world.priya)
    queue = client.get(reverse("spaces:approvals"))
    assert "Wellbrook Mutual Aid: Chair yoga" in queue.content.decode()
    url = reverse("spaces:decide", args=[booking.pk])
    page = client.post(url, {"decision": "decline", "reason": ""})
    assert page.status_code == 400
    assert "Enter the reason for declining" in page.content.decode()
    client.post(url, {"decision": "decline", "reason": "Flu clinic", "whole_series": "on"})
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason) == ("declined", "Flu clinic")
    assert (
        "No booking requests are waiting"
        in client.get(reverse("spaces:approvals")).content.decode()
    )


def test_the_queue_lists_a_weekly_request_once(world, room, as_user, django_assert_max_num_queries):
    for weekday in range(5):
        book(room, world.mutual_aid, world.sam, next_weekday(weekday), weeks=8)
    client = as_user(world.priya)
    with django_assert_max_num_queries(12):
        text = client.get(reverse("spaces:approvals")).content.decode()
    assert text.count("weekly for 8 weeks") == 5


def test_sam_cancels_and_the_slot_is_free_again(world, room, as_user):
    [booking] = book(room, world.mutual_aid, world.sam, next_weekday(4))
    as_user(world.sam).post(reverse("spaces:cancel", args=[booking.pk]), {"reason": "Rain"})
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancel_reason == "Rain"


def test_the_public_calendar_carries_approved_bookings_and_no_names(world, room, client):
    day = next_weekday(1)
    [approved] = book(room, world.mutual_aid, world.sam, day, "10:00", "11:00", title="Carers")
    services.decide(approved, by=world.priya, approve=True)
    book(room, world.mutual_aid, world.sam, day, "12:00", "13:00", title="Pending")
    response = client.get(reverse("spaces:space_calendar", args=[room.uuid]))
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Booked"]
    assert events[0].decoded("DTSTART") == approved.start
    assert b"Sam" not in response.content and b"Carers" not in response.content


def test_a_groups_calendar_is_read_by_its_secret_address_only(world, room, as_user, client):
    day = next_weekday(1)
    book(room, world.mutual_aid, world.sam, day, weeks=3, title="Knit and natter")
    sam = as_user(world.sam)
    sam.post(reverse("spaces:new_feed", args=[world.mutual_aid.slug]))
    page = sam.get(reverse("spaces:group", args=[world.mutual_aid.slug])).content.decode()
    token = services.feed_of(world.mutual_aid).token
    assert f"/spaces/calendar/{token}.ics" in page
    client.logout()
    feed = client.get(reverse("spaces:group_calendar", args=[token]))
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 3
    assert {str(e["STATUS"]) for e in events} == {"TENTATIVE"}
    services.renew_feed(world.mutual_aid)
    assert client.get(reverse("spaces:group_calendar", args=[token])).status_code == 404


def test_a_groups_bookings_page_does_not_grow_its_queries(
    world, room, as_user, django_assert_max_num_queries
):
    for weekday in range(5):
        book(room, world.mutual_aid, world.sam, next_weekday(weekday), weeks=6)
    client = as_user(world.sam)
    with django_assert_max_num_queries(16):
        page = client.get(reverse("spaces:group", args=[world.mutual_aid.slug]))
    assert page.content.decode().count("Chair yoga") == 30


def test_the_owner_sees_community_hours_by_building_and_month(world, room, as_user):
    day = next_weekday(1)
    made = book(room, world.mutual_aid, world.sam, day, "10:00", "11:30", weeks=2)
    services.decide(made[0], by=world.priya, approve=True)
    page = as_user(world.priya).get(
        reverse("spaces:estate", args=[world.practice.slug]), {"year": day.year}
    )
    text = page.content.decode()
    assert "Hours booked by community groups in" in text
    assert "Chair yoga" in text and "Wellbrook Mutual Aid" in text
    assert str(room.location) in text


def _space_form(location, **changes) -> dict:
    form = {
        "location": location.pk,
        "name": "Community room",
        "kind": "room",
        "capacity": "24",
        "step_free": "on",
        "hearing_loop": "on",
        "price": "12.50",
        "free_for_community": "on",
        "is_listed": "on",
        "opens_1": "09:00",
        "closes_1": "17:00",
        "opens_3": "18:00",
        "closes_3": "21:30",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_priya_adds_the_health_centre_s_community_room_and_groups_find_it(
    world, room, as_user, client
):
    client_priya = as_user(world.priya)
    mine = client_priya.get(reverse("spaces:mine")).content.decode()
    assert reverse("spaces:new_space", args=[world.practice.slug]) in mine
    assert mine.count("Spaces you look after") == 1 and mine.count("Add a room or space") == 1

    page = client_priya.post(
        reverse("spaces:new_space", args=[world.practice.slug]), _space_form(room.location)
    )

    space = world.practice.spaces.get(name="Community room")
    assert page.status_code == 302 and page["Location"] == reverse("spaces:space", args=[space.pk])
    assert (space.capacity, space.price_pence_per_hour) == (24, 1250)
    assert space.step_free and space.hearing_loop and not space.kitchen
    assert [(h.weekday, str(h.opens), str(h.closes)) for h in space.opening_hours.all()] == [
        (1, "09:00:00", "17:00:00"),
        (3, "18:00:00", "21:30:00"),
    ]
    public = client.get(reverse("spaces:space", args=[space.pk])).content.decode()
    assert "Up to 24 people" in public and "Thursday: 18:00 to 21:30" in public
    assert "Step-free access, Hearing loop" in public


def test_hours_half_typed_or_backwards_are_named_and_nothing_is_saved(world, room, as_user):
    form = _space_form(
        room.location, closes_1=None, opens_3="21:00", closes_3="18:00", price="£12.5p"
    )

    page = as_user(world.priya).post(reverse("spaces:new_space", args=[world.practice.slug]), form)

    text = page.content.decode()
    assert page.status_code == 400
    assert "nhsuk-error-summary" in text
    assert "Enter both times for Tuesday, or neither if it is closed that day" in text
    assert "Thursday: closing must be after opening" in text
    assert "Enter the price per hour in pounds, like 12.50" in text
    assert not world.practice.spaces.filter(name="Community room").exists()


def test_priya_changes_the_garden_room_and_the_page_says_so(world, room, as_user, client):
    url = reverse("spaces:edit_space", args=[room.pk])
    form_page = as_user(world.priya).get(url).content.decode()
    assert 'value="Garden Room"' in form_page and 'value="09:00"' in form_page

    as_user(world.priya).post(
        url,
        _space_form(room.location, name="Garden Room", capacity="12", opens_3=None, closes_3=None),
    )

    room.refresh_from_db()
    assert room.capacity == 12
    assert [h.weekday for h in room.opening_hours.all()] == [1]
    assert "Up to 12 people" in client.get(reverse("spaces:space", args=[room.pk])).content.decode()


def test_a_group_cannot_put_its_space_in_someone_else_s_building(world, room, as_user):
    from keepwell.directory import services as directory

    elsewhere = directory.place_venue(
        world.mutual_aid,
        directory.Venue(address_1="2 Hall Lane", town="Wellbrook", postcode="WB1 1AA"),
    )

    page = as_user(world.priya).post(
        reverse("spaces:new_space", args=[world.practice.slug]), _space_form(elsewhere)
    )

    assert page.status_code == 400
    assert "Select a valid choice" in page.content.decode() or "Choose" in page.content.decode()
    assert not world.practice.spaces.filter(name="Community room").exists()
