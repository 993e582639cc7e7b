"""Mutual aid stories start from the shared world, plus Jo's volunteer profile.

* Jo (the ``jo`` persona) volunteers for Wellbrook Mutual Aid with an ID check and
  safeguarding training: enough for shopping and phone check-ins, not for medicines.
* Riverside and Northgate have located postcodes, so distances are real.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.help.factories import locate, make_volunteer, need


@pytest.fixture
def places(world):
    locate("WB2 1AB", 53.0330, -1.4620)  # Margaret, Riverside
    locate("WB2 1AD", 53.0340, -1.4600)  # John Smith, Riverside
    locate("WB2 1AE", 53.0320, -1.4640)  # Jo
    locate("WB3 1AA", 53.0610, -1.4890)  # Northgate, about 3.6 km away
    return world


@pytest.fixture
def jo_volunteer(places):
    world = places
    need("shopping")
    return make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping", "phone_check_in", "befriending"],
    )


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services see: ``clock(moment)``."""

    def set_now(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


@pytest.fixture(autouse=True)
def live_dashboard(settings):
    """Stories see the dashboard's volunteer figures live; the cache's own stories turn it on.
    (It is the database cache, so each test's rollback empties it.)"""
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 0
