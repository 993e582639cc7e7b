"""The Wellbrook Health Centre's Garden Room (Priya, an NHS connector there, decides its
bookings) and Wellbrook Mutual Aid, whose coordinator Sam books it for the group."""

from __future__ import annotations

import pytest

from tests.spaces.factories import make_space


@pytest.fixture
def room(world):
    return make_space(
        world.practice, step_free=True, price_pence_per_hour=1500, free_for_community=True
    )
