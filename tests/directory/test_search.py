"""Stories about finding help near someone: words, distance, category, language, day."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepwell.directory.models import Schedule, Service, ServiceCategory, TaxonomyTerm
from keepwell.directory.services import SearchQuery, search, terms_with_children, update_service
from keepwell.people.models import Language
from tests.directory.factories import ServiceFactory, listed

# Wellbrook town centre, and points about 1 km, 3 km and 8 km away.
CENTRE = (53.0450, -1.4800)


@pytest.fixture
def choir(db):
    service = ServiceFactory(name="Riverside doorstep choir", category=ServiceCategory.SOCIAL)
    listed(service, "WB1 1AB", 53.0540, -1.4800)  # 1 km north
    return service


@pytest.fixture
def food_bank(db):
    service = ServiceFactory(
        name="Northgate food bank", category=ServiceCategory.PRACTICAL, description="Food parcels"
    )
    listed(service, "WB3 1AB", 53.0720, -1.4800)  # 3 km north
    return service


@pytest.fixture
def far_choir(db):
    service = ServiceFactory(name="Hilltop choir", category=ServiceCategory.SOCIAL)
    listed(service, "WB9 1AB", 53.1170, -1.4800)  # 8 km north
    return service


def test_results_near_a_postcode_come_nearest_first_within_the_radius(choir, food_bank, far_choir):
    page = search(SearchQuery(point=CENTRE, radius_km=5))
    assert [r.service for r in page.results] == [choir, food_bank]
    assert page.results[0].distance_km == pytest.approx(1.0, abs=0.05)
    assert page.results[1].distance_km == pytest.approx(3.0, abs=0.05)
    wider = search(SearchQuery(point=CENTRE, radius_km=10))
    assert [r.service for r in wider.results] == [choir, food_bank, far_choir]


def test_words_category_and_distance_combine(choir, food_bank, far_choir):
    page = search(SearchQuery(words="CHOIR", point=CENTRE, radius_km=10, category="social"))
    assert [r.service for r in page.results] == [choir, far_choir]
    assert search(SearchQuery(words="choir", category="practical")).total == 0
    # Words match the organisation's name and the description too.
    assert [r.service for r in search(SearchQuery(words="parcels")).results] == [food_bank]


def test_drafts_and_withdrawn_services_are_never_found(choir):
    update_service(choir, by=None, status=Service.Status.WITHDRAWN)
    assert search(SearchQuery(point=CENTRE, radius_km=5)).total == 0
    assert search(SearchQuery(words="choir")).total == 0


def test_a_refuge_is_never_found_by_distance_in_public(db):
    refuge = ServiceFactory(name="Safe house", category=ServiceCategory.EMOTIONAL)
    listed(refuge, "WB1 2AB", 53.046, -1.481, confidential=True)
    assert search(SearchQuery(point=CENTRE, radius_km=5)).total == 0
    assert search(SearchQuery(point=CENTRE, radius_km=5, public=False)).total == 1
    # Still found by its words, without a place.
    assert search(SearchQuery(words="safe house")).total == 1


def test_open_on_a_day_language_and_activity_filters(choir, food_bank):
    Schedule.objects.create(service=choir, weekday=1, opens_at=time(10), closes_at=time(12))
    polish = Language.objects.get(code="pl")
    food_bank.languages.add(polish)
    shopping = TaxonomyTerm.objects.get(code="food-banks-delivery")
    food_bank.taxonomy_terms.add(shopping)
    assert [r.service for r in search(SearchQuery(weekday=1)).results] == [choir]
    assert search(SearchQuery(weekday=2)).total == 0
    assert [r.service for r in search(SearchQuery(language="pl")).results] == [food_bank]
    practical = TaxonomyTerm.objects.get(code="practical")
    by_parent = search(SearchQuery(term_ids=terms_with_children(practical), point=CENTRE))
    assert [r.service for r in by_parent.results] == [food_bank]


def test_phone_and_online_services_join_a_postcode_search_when_asked(choir):
    helpline = ServiceFactory(name="Helpline", delivery=Service.Delivery.PHONE)
    assert search(SearchQuery(point=CENTRE)).total == 1
    page = search(SearchQuery(point=CENTRE, include_remote=True))
    assert [r.service for r in page.results] == [choir, helpline]
    assert page.results[1].distance_km is None


def test_pages_do_not_repeat_or_skip_results(db):
    for i in range(25):
        service = ServiceFactory(name=f"Group {i:02d}")
        listed(
            service,
            f"WB1 1{'ABDEFGHJLNPQRSTUWXYZ'[i % 20]}{'AB'[i // 20]}",
            53.045 + i / 1000,
            -1.48,
        )
    first = search(SearchQuery(point=CENTRE, radius_km=10), page=1, per_page=10)
    second = search(SearchQuery(point=CENTRE, radius_km=10), page=2, per_page=10)
    third = search(SearchQuery(point=CENTRE, radius_km=10), page=3, per_page=10)
    names = [r.service.name for p in (first, second, third) for r in p.results]
    assert names == [f"Group {i:02d}" for i in range(25)]
    assert first.num_pages == 3 and third.has_previous() and not third.has_next()


def test_a_search_page_takes_a_fixed_number_of_queries(
    choir, food_bank, far_choir, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        page = search(SearchQuery(words="choir", point=CENTRE, radius_km=10))
        for result in page.results:
            assert isinstance(result.languages, list)
            assert result.service.organisation.name


@settings(max_examples=25, deadline=None)
@given(
    lat=st.floats(min_value=52.9, max_value=53.2),
    lon=st.floats(min_value=-1.7, max_value=-1.3),
    radius=st.sampled_from([1, 2, 5, 10, 25]),
)
@pytest.mark.django_db
def test_every_result_is_inside_the_radius_and_sorted(lat, lon, radius):
    if not Service.objects.exists():
        for i, (a, b) in enumerate([(53.0, -1.5), (53.05, -1.45), (53.1, -1.4), (53.15, -1.6)]):
            listed(ServiceFactory(name=f"Spot {i}"), f"WB5 {i}AA", a, b)
    page = search(SearchQuery(point=(lat, lon), radius_km=radius), per_page=50)
    distances = [r.distance_km for r in page.results]
    assert all(d <= radius for d in distances)
    assert distances == sorted(distances)


@pytest.mark.parametrize("category", ["social", ""])
def test_on_sqlite_a_search_near_a_postcode_is_answered_from_an_index_alone(db, category):
    """The venues in the search box are read from a covering index, never the table: what
    keeps a search among 200,000 services near 10 ms (bench/bench_directory.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from keepwell.directory.services import _nearby

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL plans by its own statistics")
    with CaptureQueriesContext(connection) as captured:
        _nearby(SearchQuery(words="choir", point=CENTRE, radius_km=5, category=category))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + captured.captured_queries[0]["sql"])
        plan = " ".join(row[-1] for row in cursor.fetchall())

    assert "USING COVERING INDEX sal_near" in plan, plan
