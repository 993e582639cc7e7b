from tests.permissions import OK, SIGNED_IN_ONLY, Row

# Analysts and the staff who plan with them; volunteers and residents use the public page.
INSIGHTS = {"nadia": OK, "alex": OK, "priya": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
EVERYONE = OK


def place(world):
    return {"slug": world.riverside.parent.slug}


MATRIX = [
    Row("insights:index", expect={**SIGNED_IN_ONLY, **INSIGHTS}),
    Row("insights:public_index", {}, default=EVERYONE),
    Row("insights:schema", {}, default=EVERYONE),
    Row("insights:public", {}, default=EVERYONE, kwargs=place),
    Row("insights:export_csv", {}, default=EVERYONE, kwargs=place),
    Row("insights:export_json", {}, default=EVERYONE, kwargs=place),
]
