import pytest

from keepwell.directory.models import ServiceCategory
from tests.referrals.factories import ServiceFactory


@pytest.fixture
def befriending(world):
    """Wellbrook Mutual Aid's phone befriending: open to anyone, taking new people."""
    return ServiceFactory(
        organisation=world.mutual_aid,
        name="Friendly phone calls",
        description="A weekly chat with a volunteer",
        category=ServiceCategory.SOCIAL,
    )


@pytest.fixture
def pantry(world):
    """Othertown's pantry: another town's group, whose door is Olly's to keep."""
    return ServiceFactory(
        organisation=world.other_group,
        name="Community pantry",
        description="Food and a cuppa",
        category=ServiceCategory.PRACTICAL,
    )
