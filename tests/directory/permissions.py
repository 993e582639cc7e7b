"""Every directory URL as every persona. The public directory and the ORUK feed are open to
all; staff pages need a staff role; the relationship log needs the mapping team (admin,
NHS connector, infrastructure coordinator); listings are edited by their coordinators."""

from __future__ import annotations

from keepwell.directory.models import TaxonomyTerm
from tests.permissions import REDIRECT, SIGNED_IN_ONLY, Row

OK = 200
EVERYONE = {}


def _service(world):
    from tests.directory.factories import ServiceFactory, listed

    service = ServiceFactory(organisation=world.mutual_aid, name="Riverside lunch club")
    listed(service, "WB2 1AB", 53.033, -1.462)
    return service


def service_uuid(world):
    return {"service_id": str(_service(world).uuid)}


def sal_uuid(world):
    return {"sal_id": str(_service(world).at_locations.get().uuid)}


def term_uuid(world):
    return {"term_id": str(TaxonomyTerm.objects.get(code="befriending").uuid)}


def taxonomy_uuid(world):
    return {"taxonomy_id": str(TaxonomyTerm.objects.get(code="befriending").taxonomy.uuid)}


FEED = [
    Row("directory:oruk_root", expect={}, default=OK),
    Row("directory:oruk_services", expect={}, default=OK),
    Row("directory:oruk_service", expect={}, default=OK, kwargs=service_uuid),
    Row("directory:oruk_service_at_locations", expect={}, default=OK),
    Row("directory:oruk_service_at_location", expect={}, default=OK, kwargs=sal_uuid),
    Row("directory:oruk_taxonomies", expect={}, default=OK),
    Row("directory:oruk_taxonomy", expect={}, default=OK, kwargs=taxonomy_uuid),
    Row("directory:oruk_taxonomy_terms", expect={}, default=OK),
    Row("directory:oruk_taxonomy_term", expect={}, default=OK, kwargs=term_uuid),
]


def mutual_aid(world):
    return {"slug": world.mutual_aid.slug}


def service_id(world):
    return {"service_id": _service(world).uuid}


def suggestion(world):
    from keepwell.directory.models import Suggestion

    service = _service(world)
    made = Suggestion.objects.create(
        organisation=world.mutual_aid,
        service=service,
        suggested_by=world.margaret,
        data={"name": ["Riverside lunch club"]},
        changes={"Name": ["Riverside lunch club", "Riverside lunch club and cafe"]},
    )
    return {"suggestion_id": made.pk}


def interaction(world):
    from tests.directory.factories import InteractionFactory

    made = InteractionFactory(organisation=world.mutual_aid, recorded_by=world.priya)
    return {"interaction_id": made.pk}


SIGNED_IN = {
    name: OK for name in ("alex", "priya", "sam", "ana", "tom", "jo", "margaret", "olly", "nadia")
}
STAFF = {name: OK for name in ("alex", "priya", "sam", "ana", "tom", "olly")}
# The mapping team: platform admins, NHS connectors, infrastructure coordinators.
MAPPING_TEAM = {"alex": OK, "priya": OK}
# Sam coordinates Wellbrook Mutual Aid; Olly coordinates a group in another town.
OWNERS = {"alex": OK, "sam": OK}
REVIEWERS = {"alex": OK, "sam": OK, "olly": OK}

PUBLIC = [
    Row("directory:search", expect={}, default=OK),
    Row("directory:search", expect={}, default=OK, query="q=lunch&postcode=&radius=5"),
    Row("directory:service", expect={}, default=OK, kwargs=service_id),
    Row("directory:organisations", expect={}, default=OK),
    Row("directory:organisation", expect={}, default=OK, kwargs=mutual_aid),
    Row("directory:kinds", expect={}, default=OK),
    Row("directory:kind", expect={}, default=OK, kwargs=lambda w: {"kind": "faith_group"}),
    Row("directory:network", expect={}, default=OK),
    Row("directory:csv_template", expect={}, default=OK),
    Row("directory:export_csv", expect={}, default=OK),
    Row("directory:export_oruk", expect={}, default=OK),
    Row("directory:organisation_csv", expect={}, default=OK, kwargs=mutual_aid),
]

PAGES = [
    Row("directory:organisation_create", expect={**SIGNED_IN_ONLY, **MAPPING_TEAM}),
    Row("directory:organisation_edit", expect={**SIGNED_IN_ONLY, **OWNERS}, kwargs=mutual_aid),
    Row(
        "directory:organisation_suggest", expect={**SIGNED_IN_ONLY, **SIGNED_IN}, kwargs=mutual_aid
    ),
    Row("directory:history", expect={**SIGNED_IN_ONLY, **STAFF}, kwargs=mutual_aid),
    Row(
        "directory:link_add",
        expect={**SIGNED_IN_ONLY, **MAPPING_TEAM, **OWNERS},
        kwargs=mutual_aid,
    ),
    Row("directory:service_create", expect={**SIGNED_IN_ONLY, **OWNERS}, kwargs=mutual_aid),
    Row("directory:csv_import", expect={**SIGNED_IN_ONLY, **OWNERS}, kwargs=mutual_aid),
    Row("directory:service_edit", expect={**SIGNED_IN_ONLY, **OWNERS}, kwargs=service_id),
    Row("directory:service_suggest", expect={**SIGNED_IN_ONLY, **SIGNED_IN}, kwargs=service_id),
    Row(
        "directory:service_verify",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "sam": REDIRECT},
        kwargs=service_id,
    ),
    Row("directory:review_queue", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("directory:suggestions", expect={**SIGNED_IN_ONLY, **REVIEWERS}),
    Row("directory:suggestion", expect={**SIGNED_IN_ONLY, **OWNERS}, kwargs=suggestion),
    Row("directory:mapping", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("directory:mapping", expect={**SIGNED_IN_ONLY, **STAFF}, query="area=riverside"),
    Row("directory:mapping_csv", expect={**SIGNED_IN_ONLY, **STAFF}),
    Row("directory:relationship", expect={**SIGNED_IN_ONLY, **MAPPING_TEAM}, kwargs=mutual_aid),
    Row("directory:interaction_add", expect={**SIGNED_IN_ONLY, **MAPPING_TEAM}, kwargs=mutual_aid),
    Row("directory:follow_ups", expect={**SIGNED_IN_ONLY, **MAPPING_TEAM}),
    Row(
        "directory:follow_up_done",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "priya": REDIRECT},
        kwargs=interaction,
    ),
]

MATRIX = [*PUBLIC, *PAGES, *FEED]
