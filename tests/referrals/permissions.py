from keepwell.directory.models import ServiceCategory
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row
from tests.referrals.factories import ServiceFactory, refer

STAFF = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
# Margaret's record: her GP (Priya), the group holding it (Sam), her area's lead and deputy.
HOLDERS = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK}
# Wellbrook Mutual Aid's people, who answer its referrals and keep its door.
MUTUAL_AID = {"alex": OK, "sam": OK, "ana": OK, "tom": OK}
PUBLIC = {}
MOVED = 301  # a permanent redirect to where the page lives now


def _service(world):
    return ServiceFactory(
        organisation=world.mutual_aid, name="Friendly phone calls", category=ServiceCategory.SOCIAL
    )


def margaret(world):
    return {"person_id": world.margaret_person.pk}


def margaret_and_service(world):
    return {"person_id": world.margaret_person.pk, "service_id": _service(world).pk}


def service(world):
    return {"service_id": _service(world).pk}


def concern(world):
    """Jo noticed Margaret was unwell on her doorstep; Wellbrook Mutual Aid holds the concern."""
    from keepwell.help import services as help_services

    raised = help_services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        kind="health_worse",
        urgent=False,
        details="Breathless on the stairs",
        organisation=world.mutual_aid,
    )
    return {"concern_id": raised.pk}


def referral(world):
    """Priya's referral of Margaret to Wellbrook Mutual Aid's phone befriending."""
    return {"referral_id": refer(world, _service(world)).pk}


def northgate_referral(world):
    """Priya's referral of a Northgate patient to Wellbrook Mutual Aid: Riverside's lead and
    deputy work for the group but not for Northgate, so it is not theirs to see."""
    from tests.factories import PersonFactory

    patient = PersonFactory(
        given_name="Nora",
        family_name="North",
        area=world.northgate,
        postcode="WB3 1AB",
        gp_practice=world.practice,
    )
    return {"referral_id": refer(world, _service(world), person=patient).pk}


MATRIX = [
    Row("referrals:inbox", expect={**SIGNED_IN_ONLY, **STAFF}),
    # The inbox moved to messaging: the old addresses send everyone there (it checks).
    Row("referrals:notifications", expect={}, default=MOVED),
    Row("referrals:notifications_read", method="post", expect={}, default=MOVED),
    Row("referrals:find_service", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("referrals:door", expect={**SIGNED_IN_ONLY, **MUTUAL_AID}, kwargs=service),
    Row("referrals:self_refer", expect=PUBLIC, default=OK),
    Row("referrals:self_refer_done", expect=PUBLIC, default=OK),
    # The person's timeline moved to people: the old address sends everyone there (it checks).
    Row("referrals:timeline", expect={}, default=MOVED, kwargs=margaret),
    Row("referrals:refer_start", expect={**SIGNED_IN_ONLY, **HOLDERS}, kwargs=margaret),
    Row("referrals:refer", expect={**SIGNED_IN_ONLY, **HOLDERS}, kwargs=margaret_and_service),
    Row("referrals:refer_to_practice", expect={**SIGNED_IN_ONLY, **HOLDERS}, kwargs=margaret),
    Row("referrals:strengths", expect={**SIGNED_IN_ONLY, **HOLDERS}, kwargs=margaret),
    # The concern's group and area leads may turn it into a review request; the volunteer
    # who raised it does not hold Margaret's record.
    Row("referrals:concern_to_practice", expect={**SIGNED_IN_ONLY, **MUTUAL_AID}, kwargs=concern),
    # The referrer (Priya) and the receiving group (Mutual Aid) see it; nobody else.
    Row("referrals:detail", expect={**SIGNED_IN_ONLY, **MUTUAL_AID, "priya": OK}, kwargs=referral),
    # Only the receiving side moves it on ...
    Row(
        "referrals:change_status",
        expect={**SIGNED_IN_ONLY, **MUTUAL_AID},
        kwargs=referral,
        query="to=accepted",
    ),
    # ... while the referrer may also close (withdraw) it.
    Row(
        "referrals:change_status",
        expect={**SIGNED_IN_ONLY, **MUTUAL_AID, "priya": OK},
        kwargs=referral,
        query="to=closed",
    ),
    # Someone outside Riverside: the referrer (her GP) and the group's coordinator, not its
    # area lead or deputy, though they work for the receiving group.
    Row(
        "referrals:detail",
        expect={**SIGNED_IN_ONLY, "alex": OK, "priya": OK, "sam": OK},
        kwargs=northgate_referral,
    ),
    Row(
        "referrals:change_status",
        expect={**SIGNED_IN_ONLY, "alex": OK, "sam": OK},
        kwargs=northgate_referral,
        query="to=accepted",
    ),
    Row(
        "referrals:change_status",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
        kwargs=northgate_referral,
        query="to=accepted",
        data=lambda world: {"to": "accepted"},
    ),
]
