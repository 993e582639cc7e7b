"""Whatever a visitor puts in a list's address (a page that does not exist, a NUL in a
search) gets a page, never a 500, and a search that cannot be made never lists everyone."""

from __future__ import annotations

import pytest

from keepwell.core.querystring import MAX_PAGE, page_number, search_text_problem
from tests.directory.factories import ServiceFactory, listed
from tests.factories import UserFactory
from tests.help.factories import make_volunteer

ODD_PAGES = ["461168601842738792", "-5", "0", "abc", "1e3", "٣", "9" * 5000, ""]

LISTS = [
    "/directory/",
    "/directory/organisations/",
    "/directory/review/",
    "/people/",
    "/referrals/",
    "/help/requests/",
    "/help/volunteers/",
    "/referrals/services/",
]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("2", 2),
        (" 3 ", 3),
        (None, 1),
        ("", 1),
        ("-5", 1),
        ("0", 1),
        ("abc", 1),
        ("1e3", 1),
        ("٣", 1),
        ("461168601842738792", MAX_PAGE),
        ("9" * 5000, MAX_PAGE),
    ],
)
def test_a_page_number_is_always_a_page(raw, number):
    assert page_number(raw) == number


def test_a_nul_or_control_character_cannot_be_searched_for_and_the_field_is_named():
    assert search_text_problem("lunch club") == ""
    assert search_text_problem("tab\tseparated") == ""
    assert search_text_problem("\x00", "Find a person").startswith("Find a person has a character")
    assert search_text_problem("bell\x07")


@pytest.mark.parametrize("page", ODD_PAGES)
def test_no_page_number_in_an_address_breaks_a_list(world, as_user, page):
    ServiceFactory(name="Lunch club")
    client = as_user(world.alex)
    for url in LISTS:
        response = client.get(url, {"page": page})
        assert response.status_code == 200, (url, page, response.status_code)


def test_a_page_past_the_last_shows_the_last_page_of_the_directory(client, db):
    for n in range(25):
        ServiceFactory(name=f"Club {n:02d}")
    page = client.get("/directory/", {"page": "461168601842738792"})
    assert page.status_code == 200
    assert page.context["page"].number == 2
    assert "Club 24" in page.content.decode()
    near = client.get("/directory/", {"page": "461168601842738792", "q": "club"})
    assert near.status_code == 200 and near.context["page"].number == 2


def test_a_page_past_the_last_of_a_search_near_a_postcode_is_the_last(client, db):
    for n in range(3):
        listed(ServiceFactory(name=f"Choir {n}"), "WB2 1AB", 53.033, -1.462)
    page = client.get("/directory/", {"postcode": "WB2 1AB", "page": "99999999999"})
    assert page.status_code == 200
    assert page.context["page"].number == 1
    assert "Choir 2" in page.content.decode()


def test_a_nul_in_the_directory_search_is_bad_input_naming_the_field(client, db):
    ServiceFactory(name="Lunch club")
    response = client.get("/directory/", {"q": "\x00"})
    assert response.status_code == 400
    summary = [m for _, m in response.context["form"].error_summary()]
    assert any("looking for" in m.lower() for m in summary), summary
    assert "Lunch club" not in response.content.decode()


def test_a_nul_in_the_feeds_search_is_a_400_not_every_service(client, db):
    listed(ServiceFactory(name="Lunch club"), "WB2 1AB", 53.033, -1.462)
    for url in ("/oruk/services", "/oruk/service_at_locations"):
        response = client.get(url, {"search": "\x00"})
        assert response.status_code == 400
        assert response.json()["message"].startswith("search has a character")
        assert client.get(url, {"search": "lunch"}).json()["total_items"] == 1


def test_a_nul_in_a_search_for_people_lists_no_one(world, as_user):
    client = as_user(world.sam)
    response = client.get("/people/", {"q": "\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Smith" not in page and "Evans" not in page
    # The same search without the NUL finds John Smith, whose record Sam's group holds.
    assert "Smith" in client.get("/people/", {"q": "smith"}).content.decode()


def test_a_nul_in_a_search_for_volunteers_lists_no_one(world, as_user):
    vera = UserFactory(username="vera", first_name="Vera", display_name="Vera Volunteer")
    make_volunteer(world.mutual_aid, user=vera)
    client = as_user(world.sam)
    response = client.get("/help/volunteers/", {"q": "\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Name or postcode has a character" in page
    assert "Vera" not in page
    assert "Vera" in client.get("/help/volunteers/", {"q": "vera"}).content.decode()


def test_a_nul_in_the_helpline_search_finds_no_caller(world, as_user):
    client = as_user(world.sam)
    response = client.get("/help/call/", {"q": "\x00"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Find the caller" in page
    assert response.context["found"] == []
    found = client.get("/help/call/", {"q": "smith"}).context["found"]
    assert found == [world.riverside_person]
