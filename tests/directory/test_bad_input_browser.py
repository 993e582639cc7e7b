"""In the browser: a spreadsheet a coordinator should not have uploaded, and addresses no
one should have typed, each get a page that says what is wrong (never a server error)."""

from __future__ import annotations

import pytest

from keepwell.accounts.models import Role
from keepwell.core.csvio import to_text
from keepwell.directory import csvio
from keepwell.directory.models import Organisation, Service
from tests.browser.support import real_errors, serious_problems, sign_in

pytestmark = pytest.mark.browser


def _services_csv(rows: list[dict]) -> bytes:
    return to_text(
        csvio.COLUMNS, [[row.get(c, "") for c in csvio.COLUMNS] for row in rows]
    ).encode()


def test_a_coordinator_sees_each_bad_row_of_an_upload_in_the_error_summary(demo, page):
    sign_in(page, demo.url, "coordinator")
    org = Organisation.objects.filter(
        memberships__user__username="coordinator", memberships__role=Role.COORDINATOR
    ).first()
    before = Service.objects.filter(organisation=org).count()
    good = dict(csvio.EXAMPLE)
    rows = [good, dict(good, name="N" * 5000), dict(good, name="Choir", phone="0" * 100)]
    page.goto(f"{demo.url}/directory/organisations/{org.slug}/services/import/")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "services.csv", "mimeType": "text/csv", "buffer": _services_csv(rows)}]
    )
    page.get_by_role("button", name="Upload").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    text = summary.inner_text()
    assert "nothing was imported" in text
    assert "Row 3: name must be 200 characters or fewer (it has 5,000)" in text
    assert "Row 4: phone must be 30 characters or fewer (it has 100)" in text
    assert not serious_problems(page), serious_problems(page)

    huge = _services_csv([good, dict(good, description="x" * 200_000)])
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "services.csv", "mimeType": "text/csv", "buffer": huge}]
    )
    page.get_by_role("button", name="Upload").click()
    page.locator(".nhsuk-error-summary").wait_for()
    assert (
        "Row 3: a field is longer than 131,072 characters"
        in page.locator(".nhsuk-error-summary").inner_text()
    )

    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "services.csv", "mimeType": "text/csv", "buffer": b"\xff\xfe\x00n"}]
    )
    page.get_by_role("button", name="Upload").click()
    page.locator(".nhsuk-error-summary").wait_for()
    assert "not saved as UTF-8" in page.locator(".nhsuk-error-summary").inner_text()
    assert Service.objects.filter(organisation=org).count() == before
    assert not real_errors(page), page.console_errors


def test_a_resident_typing_odd_addresses_gets_a_directory_page(demo, page):
    response = page.goto(f"{demo.url}/directory/?page=461168601842738792")
    assert response.status == 200
    assert page.locator(".nhsuk-pagination__link--prev").count() == 1  # the last page
    assert page.locator(".nhsuk-pagination__link--next").count() == 0
    response = page.goto(f"{demo.url}/directory/?q=%00")
    assert response.status == 400
    assert "What are you looking for?" in page.locator(".nhsuk-error-summary").inner_text()
    assert not serious_problems(page), serious_problems(page)
