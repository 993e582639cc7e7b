"""The demo place's spaces: the health centre's rooms halfway through a term, the hub's garden."""

from __future__ import annotations

from django.core.management import call_command
from django.urls import reverse

from keepwell.accounts.models import User
from keepwell.spaces.models import Booking, Space


def test_the_demo_has_a_term_of_weekly_bookings_and_a_garden(db, client, as_user):
    call_command("demo", "--load-only")
    rooms = Space.objects.filter(owner__slug="wellbrook-health-centre")
    assert {r.name for r in rooms} == {"Community Room", "Quiet Room"}
    garden = Space.objects.get(name="Community garden")
    assert garden.garden and garden.owner.slug == "northgate-hub"
    yoga = Booking.objects.filter(title="Chair yoga", status="approved")
    assert yoga.count() == 12 and len({b.series for b in yoga}) == 1
    assert Booking.objects.filter(status="requested").count() == 1

    room = rooms.get(name="Community Room")
    timetable = client.get(reverse("spaces:space", args=[room.pk])).content.decode()
    assert "Wellbrook Mutual Aid: Chair yoga" in timetable
    assert "18:00 to 19:30: Booked" in timetable  # the peer support group is not named

    connector = as_user(User.objects.get(username="connector"))
    estate = connector.get(reverse("spaces:estate", args=["wellbrook-health-centre"]))
    assert "Chair yoga" in estate.content.decode()
    assert "Growing together" not in estate.content.decode()  # the hub's garden, not theirs
