from keepwell.people.models import Consent
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row

STAFF = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
# Margaret's record: her GP (Priya), the group holding it (Sam), her area's lead and deputy.
HOLDERS = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK}


def _consent(world):
    consent = Consent.objects.create(
        person=world.margaret_person, purpose="contact", lawful_basis="consent", how="phone"
    )
    return {"person_id": world.margaret_person.pk, "consent_id": consent.pk}


def margaret(world):
    return {"person_id": world.margaret_person.pk}


def _duplicate_of_margaret(world):
    """A second record with Margaret's NHS number, held only by her GP practice: Priya (her
    GP) sees both, Sam's group only Margaret's."""
    from keepwell.people import services

    margaret = world.margaret_person
    margaret.nhs_number = "9434765919"
    margaret.save()
    duplicate = services.create_person(
        by=world.alex,
        given_name="Maggie",
        nhs_number="9434765919",
        organisations=[world.practice.pk],
        possible_duplicate=True,
    )
    return {"person_id": duplicate.pk}


MATRIX = [
    Row("people:list", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("people:create", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("people:detail", expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK}, kwargs=margaret),
    # Someone only another town's group holds: only that group and the platform admin.
    Row(
        "people:detail",
        expect={**SIGNED_IN_ONLY, "alex": OK, "olly": OK},
        kwargs=lambda w: {"person_id": w.faraway_person.pk},
    ),
    Row("people:edit", expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK}, kwargs=margaret),
    Row("people:consent_add", expect={**SIGNED_IN_ONLY, **HOLDERS}, kwargs=margaret),
    Row(
        "people:consent_withdraw",
        method="post",
        kwargs=_consent,
        expect={**SIGNED_IN_ONLY, **{name: REDIRECT for name in HOLDERS}},
    ),
    Row(
        "people:household_add",
        expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK},
        kwargs=margaret,
    ),
    Row("people:audit", expect={**SIGNED_IN_ONLY, "alex": OK, "margaret": OK}, kwargs=margaret),
    Row("people:timeline", expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK}, kwargs=margaret),
    # Information governance, and the coordinators and NHS connectors whose organisations
    # may hold both records of a pair; each sees only the pairs they may merge.
    Row(
        "people:duplicates",
        expect={**SIGNED_IN_ONLY, "alex": OK, "priya": OK, "sam": OK, "olly": OK},
    ),
    # Merging: only who may see both records (Sam's group holds Margaret's, not this one).
    Row(
        "people:merge",
        expect={**SIGNED_IN_ONLY, "alex": OK, "priya": OK},
        kwargs=_duplicate_of_margaret,
    ),
    Row(
        "people:merge",
        method="post",
        data=lambda w: {"confirm": "on"},
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "priya": REDIRECT},
        kwargs=_duplicate_of_margaret,
    ),
]
