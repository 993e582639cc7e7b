"""The Open Referral UK feed: every response body validates against the standard's compiled
schemas, pages are complete, filters work, and bad filters get a JSON 400."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from keepwell.directory import oruk
from keepwell.directory.models import Service, Taxonomy, TaxonomyTerm
from tests.directory.factories import ServiceFactory, generated_directory, listed

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "oruk" / "schema"
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


SCHEMAS = {
    name: oruk.validator(f"{name}.json")
    for name in ("service", "service_list", "service_at_location_list", "taxonomy", "taxonomy_term")
}


def assert_valid(name: str, body: dict) -> None:
    errors = [f"{list(e.path)}: {e.message}" for e in SCHEMAS[name].iter_errors(body)]
    assert not errors, errors[:5]
    assert_no_nulls(body)


def assert_no_nulls(value, path="") -> None:
    """Optional fields are left out, never sent as null or empty."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert item is not None, f"{path}/{key} is null"
            assert item != [] or key == "contents", f"{path}/{key} is an empty list"
            assert_no_nulls(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_nulls(item, f"{path}/{i}")


def get_json(client, url, **params):
    response = client.get(url, params)
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return response, json.loads(response.content)


def walk_pages(client, url, **params):
    bodies, page = [], 1
    while True:
        response, body = get_json(client, url, page=page, **params)
        assert response.status_code == 200, body
        assert set(body) == PAGE_KEYS
        bodies.append(body)
        if body["last_page"]:
            return bodies
        page += 1


@pytest.fixture
def directory(db):
    return generated_directory(130)


def test_the_vendored_schemas_are_the_shared_ones():
    if not SHARED.exists():
        pytest.skip("the shared ORUK data is not beside this checkout")
    for name in ("service.json", "service_list.json", "service_at_location_list.json"):
        assert oruk.load_schema(name) == json.loads((SHARED / "compiled" / name).read_text())


def test_the_root_says_which_standard_it_follows(client, db):
    _, body = get_json(client, "/oruk/")
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")


def test_every_page_of_services_validates_and_together_they_list_every_service(client, directory):
    bodies = walk_pages(client, "/oruk/services")
    assert len(bodies) == 3  # 130 services at the default 50 a page
    ids = []
    for body in bodies:
        assert body["total_items"] == 130 and body["total_pages"] == 3
        assert body["size"] == len(body["contents"])
        for item in body["contents"]:
            assert_valid("service_list", item)
            ids.append(item["id"])
    assert sorted(ids) == sorted(str(s.uuid) for s in directory)
    assert bodies[0]["first_page"] and not bodies[0]["last_page"]


def test_every_full_service_validates_and_never_shows_a_confidential_venue(client, directory):
    confidential = 0
    for service in directory:
        response, body = get_json(client, f"/oruk/services/{service.uuid}")
        assert response.status_code == 200
        assert_valid("service", body)
        venues = service.at_locations.select_related("location")
        public = {str(sal.uuid) for sal in venues if not sal.confidential}
        assert {sal["id"] for sal in body.get("service_at_locations", [])} == public
        confidential += any(sal.confidential for sal in venues)
        text = json.dumps(body)
        for sal in venues:
            if sal.confidential:
                confidential += 1
                assert sal.location.address_1 not in text
                assert str(sal.location.uuid) not in text
    assert confidential  # the generated directory has refuges


def test_a_full_service_carries_its_activities_languages_times_and_costs(client, db):
    service = generated_directory(2)[1]
    _, body = get_json(client, f"/oruk/services/{service.uuid}")
    terms = {a["taxonomy_term"]["name"] for a in body["attributes"]}
    assert {t.name for t in service.taxonomy_terms.all()} <= terms
    assert body["organization"]["id"] == str(service.organisation.uuid)
    assert body["cost_options"][0]["option"] in {"Free", "Charge"}
    assert body["status"] == "active"


def test_service_at_locations_near_a_postcode_come_nearest_first_within_the_proximity(client, db):
    near = ServiceFactory(name="Near")
    listed(near, "WB1 1AB", 53.0540, -1.4800)
    far = ServiceFactory(name="Far")
    listed(far, "WB3 1AB", 53.0720, -1.4800)
    listed(ServiceFactory(name="Refuge"), "WB1 1AD", 53.046, -1.48, confidential=True)
    from tests.factories import PostcodeLocationFactory

    PostcodeLocationFactory(postcode="WB1 1AA", latitude=53.045, longitude=-1.48)
    _, body = get_json(client, "/oruk/service_at_locations", postcode="wb11aa", proximity="2000")
    assert [c["service"]["name"] for c in body["contents"]] == ["Near"]
    _, body = get_json(client, "/oruk/service_at_locations", postcode="WB1 1AA", proximity="5000")
    assert [c["service"]["name"] for c in body["contents"]] == ["Near", "Far"]
    assert 900 < body["contents"][0]["distance"] < 1100
    for item in body["contents"]:
        assert_valid("service_at_location_list", item)


def test_every_page_of_service_at_locations_validates(client, directory):
    total = 0
    for body in walk_pages(client, "/oruk/service_at_locations", per_page=40):
        for item in body["contents"]:
            assert_valid("service_at_location_list", item)
        total += body["size"]
    assert total == body["total_items"] > 40


def test_taxonomies_and_terms_validate_and_page(client, db):
    terms = walk_pages(client, "/oruk/taxonomy_terms", per_page=10)
    assert len(terms) == 4  # 4 categories and 29 activities of Table two
    for body in terms:
        for item in body["contents"]:
            assert_valid("taxonomy_term", item)
    for body in walk_pages(client, "/oruk/taxonomies"):
        for item in body["contents"]:
            assert_valid("taxonomy", item)
    table_two = Taxonomy.objects.get()
    _, body = get_json(client, f"/oruk/taxonomies/{table_two.uuid}")
    assert_valid("taxonomy", body)
    assert len(body["taxonomy_terms"]) == 33
    term = TaxonomyTerm.objects.get(code="befriending")
    _, body = get_json(client, f"/oruk/taxonomy_terms/{term.uuid}")
    assert body["name"] == term.name and body["parent_id"]


def test_filters_narrow_the_services(client, directory):
    befriending = TaxonomyTerm.objects.get(code="befriending")
    expected = {str(s.uuid) for s in directory if befriending in s.taxonomy_terms.all()}
    _, body = get_json(
        client, "/oruk/services", taxonomy_term_id=str(befriending.uuid), per_page=200
    )
    assert {c["id"] for c in body["contents"]} == expected
    emotional = TaxonomyTerm.objects.get(code="emotional")
    _, body = get_json(client, "/oruk/services", taxonomy_term_id=str(emotional.uuid), per_page=200)
    assert {c["id"] for c in body["contents"]} == {
        str(s.uuid) for s in directory if s.category == "emotional"
    }
    _, body = get_json(client, "/oruk/services", search="befriending", per_page=200)
    assert {c["id"] for c in body["contents"]} == expected
    _, body = get_json(client, "/oruk/services", minimum_age="18", per_page=200)
    assert body["total_items"] == sum(1 for s in directory if s.min_age is not None)
    days = {s.uuid for s in directory if s.schedules.filter(weekday=1).exists()}
    _, body = get_json(client, "/oruk/services", day="TU", per_page=200)
    assert {c["id"] for c in body["contents"]} == {str(u) for u in days}


def test_drafts_are_not_in_the_feed(client, db):
    draft = ServiceFactory(status=Service.Status.DRAFT)
    _, body = get_json(client, "/oruk/services")
    assert body["total_items"] == 0 and body["empty"] and body["contents"] == []
    response, _ = get_json(client, f"/oruk/services/{draft.uuid}")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"day": "Funday"}, "day must be"),
        ({"page": "0"}, "page must be between"),
        ({"per_page": "lots"}, "per_page must be a whole number"),
        ({"taxonomy_term_id": "not-a-uuid"}, "must be a UUID"),
        ({"taxonomy_term_id": str(uuid.uuid4())}, "No taxonomy term"),
        ({"colour": "blue"}, "Unknown filter colour"),
        ({"minimum_age": "old"}, "must be a number"),
        ({"modified_after": "yesterday"}, "modified_after must be"),
    ],
)
def test_unknown_filter_values_get_a_json_400_saying_why(client, db, params, message):
    response, body = get_json(client, "/oruk/services", **params)
    assert response.status_code == 400
    assert message in body["message"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"postcode": "WB1"}, "too short"),
        ({"postcode": "WB9 9ZZ"}, "We don't know where WB9 9ZZ is"),
        ({"proximity": "1000"}, "needs a postcode"),
        ({"postcode": "WB1 1AA", "proximity": "-5"}, "proximity must be between"),
    ],
)
def test_a_bad_postcode_or_proximity_gets_a_json_400(client, db, params, message):
    from tests.factories import PostcodeLocationFactory

    PostcodeLocationFactory(postcode="WB1 1AA")
    response, body = get_json(client, "/oruk/service_at_locations", **params)
    assert response.status_code == 400
    assert message in body["message"]


def test_a_page_of_services_takes_a_fixed_number_of_queries(
    client, directory, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        client.get("/oruk/services", {"per_page": 100})
    service = directory[5]
    with django_assert_max_num_queries(12):
        client.get(f"/oruk/services/{service.uuid}")
