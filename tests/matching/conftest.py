"""Matching stories start from the shared world with located postcodes (as in mutual aid's
tests): Riverside's WB2 1 postcodes are a few hundred metres apart; Northgate's WB3 1AA is
about 3.6 km away."""

from __future__ import annotations

import pytest

from tests.help.factories import locate


@pytest.fixture
def places(world):
    locate("WB2 1AB", 53.0330, -1.4620)  # Margaret, Riverside
    locate("WB2 1AD", 53.0340, -1.4600)  # John Smith, Riverside
    locate("WB2 1AE", 53.0320, -1.4640)  # Jo
    locate("WB2 1AF", 53.0300, -1.4700)
    locate("WB3 1AA", 53.0610, -1.4890)  # Northgate
    return world
