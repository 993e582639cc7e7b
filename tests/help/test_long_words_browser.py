"""A word that never ends, typed on the public form, must not widen the coordinator's triage
page beyond the screen: on a desktop or on a phone, it wraps."""

from __future__ import annotations

import pytest

from keepwell.accounts.models import Role, User
from keepwell.directory.models import Organisation
from keepwell.help import services
from keepwell.help.models import NeedType
from tests.browser.support import sign_in

pytestmark = pytest.mark.browser

WORD = "Milkbreadteaeggs" * 125  # 2,000 characters, no space to break at


def _ask_with_an_endless_word() -> None:
    coordinator = User.objects.get(username="coordinator")
    group = Organisation.objects.get(pk=min(coordinator.organisation_ids(Role.COORDINATOR)))
    services.submit_public_request(
        client_key="browser-test",
        form_language="en-gb",
        organisation=group,
        given_name=WORD[:100],
        phone="01632 960555",
        postcode="WB2 1AX",
        need_type=NeedType.objects.get(slug="shopping"),
        details=WORD,
        requester_relationship=WORD[:100],
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_triage_page_is_never_wider_than_the_screen(demo, page, width):
    assert len(WORD) == 2000
    _ask_with_an_endless_word()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, demo.url, "coordinator")
    response = page.goto(demo.url + "/help/triage/")
    assert response is not None and response.status == 200
    assert WORD in page.content()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width} px screen"
