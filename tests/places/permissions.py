from tests.permissions import OK, SIGNED_IN_ONLY, Row

STAFF = {"alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}

MATRIX = [
    Row("places:areas", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row(
        "places:area",
        expect={**SIGNED_IN_ONLY, **STAFF},
        kwargs=lambda w: {"slug": w.riverside.slug},
    ),
]
