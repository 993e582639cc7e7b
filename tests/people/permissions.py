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
]
