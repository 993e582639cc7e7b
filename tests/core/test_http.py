"""Every ``next`` a page follows stays on this site: nobody is sent to a look-alike page."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from keepwell.core.http import safe_next
from tests.directory.factories import ServiceFactory

AWAY = [
    "https://evil.example/",
    "http://evil.example/people/",
    "//evil.example/",
    "///evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " https://evil.example/",
    "http://testserver@evil.example/",
]


@pytest.mark.parametrize("target", AWAY)
def test_a_next_that_leaves_the_site_falls_back_to_the_default(target):
    request = RequestFactory().post("/", {"next": target})
    assert safe_next(request, "/help/") == "/help/"


@pytest.mark.parametrize("target", ["/people/3/", "/directory/?q=lunch&page=2", "/"])
def test_a_next_on_this_site_is_followed(target):
    assert safe_next(RequestFactory().get("/", {"next": target})) == target


def test_a_url_name_is_a_default_too():
    assert safe_next(RequestFactory().get("/"), "directory:review_queue") == "/directory/review/"


@given(st.text(max_size=60))
def test_whatever_is_typed_the_result_is_a_path_on_this_site(target):
    result = safe_next(RequestFactory().get("/", {"next": target}), "/")
    assert result.startswith("/")
    assert not result.startswith(("//", "/\\"))


def test_marking_a_listing_checked_never_redirects_to_another_site(as_user, world):
    service = ServiceFactory(organisation=world.mutual_aid)
    client = as_user(world.sam)
    response = client.post(
        f"/directory/services/{service.uuid}/verify/", {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/directory/review/"
    back = client.post(
        f"/directory/services/{service.uuid}/verify/", {"next": "/directory/mapping/"}
    )
    assert back["Location"] == "/directory/mapping/"
