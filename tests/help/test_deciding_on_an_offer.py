"""Jo decides on an offer knowing what she is saying yes to (issue 12, item 10): the area, how
far from her home, how urgent, when and for how long, but not the address or phone until
she accepts; and "My tasks" lists her tasks in the order they are due, done ones last."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from keepwell.help import services
from keepwell.help.models import Urgency
from keepwell.people.models import Person
from tests.help.factories import make_request


def ask(world, person, **kw):
    return make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid, **kw)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_jo_sees_area_distance_urgency_when_and_how_long_but_no_address_before_accepting(
    places, jo_volunteer, as_user
):
    world = places
    start = (timezone.now() + timedelta(days=2)).replace(hour=10, minute=0, second=0)
    request = ask(
        world,
        world.margaret_person,
        urgency=Urgency.URGENT,
        window_start=start,
        window_end=start + timedelta(hours=1, minutes=30),
    )
    task = request.tasks.get()
    services.offer_task(task, jo_volunteer, by=world.sam)
    Person.objects.filter(pk=world.margaret_person.pk).update(
        address_line_1="12 Mill Lane", phone="+441632960123"
    )
    person = Person.objects.get(pk=world.margaret_person.pk)

    page = text(as_user(world.jo).get(reverse("help:my_task", args=[task.pk])))

    assert f"Area {request.area.name}" in page
    # Jo lives at WB2 1AE, Margaret at WB2 1AB: about 0.2 km apart.
    assert "Distance from your home 0.2 km" in page
    assert "Urgency Urgent (today)" in page
    assert "How long Up to 1 hour 30 minutes" in page
    assert timezone.localtime(start).strftime("%H:%M") in page
    assert person.postcode not in page
    assert person.address_line_1 not in page
    assert "960123" not in page
    assert "You will see the address and phone number once you accept" in page


def test_my_tasks_are_in_the_order_they_are_due_with_done_ones_last(places, jo_volunteer, as_user):
    world = places
    now = timezone.now()

    def task_on(days, person):
        start = now + timedelta(days=days)
        return ask(
            world, person, window_start=start, window_end=start + timedelta(hours=1)
        ).tasks.get()

    done = task_on(-1, world.riverside_person)
    services.assign_task(done, jo_volunteer, by=world.sam)
    services.complete_task(done, by=world.jo)
    later = task_on(3, world.margaret_person)
    services.offer_task(later, jo_volunteer, by=world.sam)
    sooner = make_request(
        world.riverside_person,
        "phone_check_in",
        by=world.sam,
        organisation=world.mutual_aid,
        window_start=now + timedelta(days=1),
        window_end=now + timedelta(days=1, hours=1),
    ).tasks.get()
    services.assign_task(sooner, jo_volunteer, by=world.sam)

    page = as_user(world.jo).get(reverse("help:my_tasks")).content.decode()

    positions = [
        page.index(reverse("help:my_task", args=[t.pk]) + '"') for t in (sooner, later, done)
    ]
    assert positions == sorted(positions)
