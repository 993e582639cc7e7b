from tests.permissions import OK, SIGNED_IN_ONLY, Row

STAFF = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
HOLDERS = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK}


def margaret(world):
    return {"person_id": world.margaret_person.pk}


MATRIX = [
    Row("outcomes:cohort", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("outcomes:cohort_csv", expect={**SIGNED_IN_ONLY, **STAFF}),
    # The questions themselves are public: nothing personal.
    Row("outcomes:measures", expect={}, default=OK),
    Row("outcomes:person", expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK}, kwargs=margaret),
    # Margaret may answer for herself; those holding her record may record answers for her.
    Row("outcomes:record", expect={**SIGNED_IN_ONLY, **HOLDERS, "margaret": OK}, kwargs=margaret),
]
