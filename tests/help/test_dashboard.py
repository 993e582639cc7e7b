"""Stories about Sam's mutual aid dashboard: "needs no volunteer can meet" says the truth about
checks, authorisations, cars and groups; the page costs the same queries however much data
there is; and its volunteer figures are shared by every web process, not kept in one."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import CacheHandler
from django.core.cache.backends import locmem
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from keepwell.directory.models import OrganisationKind
from keepwell.help import dashboard, services
from keepwell.help.models import Authorisation, NeedType, VolunteerStatus
from tests.factories import AreaFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.help.factories import make_request, make_volunteer


def _board(client) -> str:
    response = client.get(reverse("help:dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def _unmet(client) -> str:
    """The "Needs no volunteer can meet" section of the page."""
    html = _board(client)
    return html.split("Needs no volunteer can meet", 1)[1].split("<h2", 1)[0]


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        _board(client)
    return len(ctx.captured_queries)


def _ask(world, slug: str, n: int = 1) -> None:
    for _ in range(n):
        person = PersonFactory(postcode="WB2 1AB", area=world.riverside)
        person.organisations.add(world.mutual_aid)
        make_request(person, slug, by=world.sam, organisation=world.mutual_aid)


# --- needs no volunteer can meet -------------------------------------------------------------


def test_controlled_drugs_stay_unmet_until_a_volunteer_holds_both_authorisations(world, as_user):
    _ask(world, "controlled_drugs", 2)
    volunteer = make_volunteer(
        world.mutual_aid,
        checks=["dbs_enhanced"],
        authorisations=["medicines"],
        skills=["controlled_drugs"],
    )
    client = as_user(world.sam)
    assert "Prescription delivery: controlled drugs</strong>: 2 tasks waiting" in _unmet(client)
    Authorisation.objects.create(volunteer=volunteer, kind="controlled_drugs")
    assert "controlled drugs" not in _unmet(client)


def test_a_revoked_authorisation_or_an_expired_check_no_longer_meets_a_need(world, as_user):
    _ask(world, "prescription")
    volunteer = make_volunteer(
        world.mutual_aid,
        checks=["dbs_enhanced"],
        authorisations=["medicines"],
        skills=["prescription"],
    )
    client = as_user(world.sam)
    assert "Prescription collection" not in _unmet(client)
    Authorisation.objects.filter(volunteer=volunteer).update(
        revoked_at=timezone.now() - timedelta(minutes=1)
    )
    assert "Prescription collection and delivery</strong>: 1 task waiting" in _unmet(client)
    Authorisation.objects.filter(volunteer=volunteer).update(revoked_at=None)
    volunteer.checks.update(expires_at=timezone.now() - timedelta(days=1))
    assert "Prescription collection and delivery</strong>: 1 task waiting" in _unmet(client)


def test_a_hospital_run_needs_a_volunteer_with_a_car(world, as_user):
    _ask(world, "hospital_run")
    walker = make_volunteer(world.mutual_aid, checks=["dbs_basic"], skills=["hospital_run"])
    client = as_user(world.sam)
    assert "Hospital run</strong>: 1 task waiting" in _unmet(client)
    walker.transport = "car"
    walker.save(update_fields=["transport"])
    assert "Hospital run" not in _unmet(client)


def test_only_active_volunteers_of_sams_own_group_count(world, as_user):
    _ask(world, "befriending")
    elsewhere = OrganisationFactory(name="Other Aid", kind=OrganisationKind.GRASS_ROOTS)
    make_volunteer(elsewhere, checks=["dbs_basic", "safeguarding_training"], skills=["befriending"])
    paused = make_volunteer(
        world.mutual_aid,
        checks=["dbs_basic", "safeguarding_training"],
        skills=["befriending"],
        status=VolunteerStatus.PAUSED,
    )
    client = as_user(world.sam)
    assert "Befriending</strong>: 1 task waiting" in _unmet(client)
    services.change_volunteer_status(paused, VolunteerStatus.ACTIVE, by=world.sam)
    assert "Befriending" not in _unmet(client)


def test_a_lead_of_an_area_outside_any_group_sees_its_needs_unmet(world, as_user):
    lead = UserFactory(username="ward-lead", display_name="Wren")
    ward = AreaFactory(name="Ward Nine", lead=lead, postcode_sectors=["WB9 1"])
    person = PersonFactory(postcode="WB9 1AA", area=ward)
    person.organisations.add(world.mutual_aid)
    make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid)
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    unmet = _unmet(as_user(lead))
    assert "Shopping</strong>: 1 task waiting" in unmet  # no group, so no volunteers of theirs


def test_a_kind_of_help_asking_for_a_check_keepwell_does_not_know_is_unmet(world, as_user):
    NeedType.objects.create(
        slug="ladder_work", name="Ladder work", category="practical", required_checks=["ladder"]
    )
    _ask(world, "ladder_work")
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["ladder_work"])
    assert "Ladder work</strong>: 1 task waiting" in _unmet(as_user(world.sam))


def test_a_kind_nobody_has_asked_for_is_not_listed_as_unmet(world, as_user):
    _ask(world, "shopping")
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    unmet = _unmet(as_user(world.sam))
    assert "Every kind of help waiting has at least one volunteer who can give it." in unmet
    assert "Interpreting" not in unmet  # nobody offers it, but nobody is waiting for it


# --- queries ----------------------------------------------------------------------------------


def test_the_uncached_dashboard_costs_the_same_queries_with_far_more_data(world, as_user):
    client = as_user(world.sam)
    _ask(world, "shopping")
    _ask(world, "prescription")
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    small = _queries(client)
    # Ten times the requests, five more kinds nobody can meet, volunteers busy and idle, a
    # second group.
    for slug in ("shopping", "prescription", "controlled_drugs", "interpreting", "gardening"):
        _ask(world, slug, 4)
    _ask(world, "hospital_run", 2)
    _ask(world, "befriending", 2)
    other = OrganisationFactory(name="Other Aid", kind=OrganisationKind.GRASS_ROOTS)
    for i in range(8):
        make_volunteer(
            world.mutual_aid if i % 2 else other, checks=["id_check"], skills=["shopping"]
        )
    assert _queries(client) == small
    assert "Interpreting</strong>: 4 tasks waiting" in _unmet(client)


# --- the figures every web process shares -----------------------------------------------------


def _forget_this_process(monkeypatch) -> None:
    """Start afresh as another web process would: nothing in this process's memory, and a
    new set of cache connections made from the settings."""
    locmem._caches.clear()
    locmem._expire_info.clear()
    locmem._locks.clear()
    monkeypatch.setattr(dashboard, "cache", CacheHandler()["default"])


def test_a_second_web_process_shows_the_figures_the_first_worked_out(
    world, as_user, settings, monkeypatch
):
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 60
    _ask(world, "shopping")
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    client = as_user(world.sam)
    first = _queries(client)
    assert "Available now (2)" in _board(client)
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])

    _forget_this_process(monkeypatch)
    with CaptureQueriesContext(connection) as ctx:
        html = _board(client)
    assert "Available now (2)" in html  # read from the shared cache, not worked out again
    assert len(ctx.captured_queries) < first


def test_the_volunteer_figures_are_worked_out_afresh_once_they_are_older_than_the_setting(
    world, as_user, settings
):
    # Three seconds: long enough that a busy CI machine still reads the kept figures.
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 3
    _ask(world, "shopping")
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    client = as_user(world.sam)
    assert "Available now (1)" in _board(client)
    kept_at = time.monotonic()
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    if time.monotonic() - kept_at < 2.5:
        assert "Available now (1)" in _board(client)
    time.sleep(max(0.0, 3.1 - (time.monotonic() - kept_at)))
    assert "Available now (2)" in _board(client)


@pytest.mark.django_db(transaction=True)
def test_migrate_creates_the_table_of_the_shared_cache():
    table = "keepwell_cache"
    call_command("migrate", "help", "0005", verbosity=0)
    assert table not in connection.introspection.table_names()
    call_command("migrate", "help", verbosity=0)
    assert table in connection.introspection.table_names()
    dashboard.cache.set("help:dashboard:check", "kept", 60)
    assert CacheHandler()["default"].get("help:dashboard:check") == "kept"
