"""Every CSV keepwell writes is safe to open in a spreadsheet, and every CSV it takes is
read one way: stories about a hostile name in a download, and the shared writer and
reader underneath."""

from __future__ import annotations

import csv
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from keepwell.core import csvio
from keepwell.timebank import services as timebank
from tests.directory.factories import ServiceFactory, listed
from tests.factories import OrganisationFactory, PersonFactory
from tests.outcomes.factories import BETTER_LATER, answer
from tests.referrals.factories import refer
from tests.timebank.factories import make_bank, make_member

# What an attacker names a group, a service or an exchange so that a coordinator who opens
# the download in a spreadsheet runs it.
HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _csv_urls(patterns=None, namespace: str = "") -> set[str]:
    """The names of every URL whose route ends in .csv: a new export joins the walk below
    or this test fails."""
    found = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= _csv_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and str(pattern.pattern).endswith(".csv"):
            found.add(f"{namespace}{pattern.name}")
    return found


def _dangerous_cells(response) -> list[str]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    rows = csv.reader(io.StringIO(response.content.decode()))
    return [cell for row in rows for cell in row if not csvio.is_safe_cell(cell)]


def _newer_rooms_downloads(world, as_user) -> dict:
    """Insights' public figures, the 360Giving spreadsheet and a payment file, each with a
    hostile name in it: a neighbourhood, a grant's title, a volunteer paid for parking."""
    from keepwell.funding import services as grants
    from keepwell.funding.expenses import services as expenses
    from keepwell.funding.expenses.models import PaymentExport
    from keepwell.funding.models import Application
    from keepwell.insights import services as insights
    from tests.expenses.factories import approved, private_media
    from tests.funding import factories as funding
    from tests.help.factories import make_request

    for i in range(8):  # enough Riverside requests that the row is shown, not suppressed
        person = PersonFactory(area=world.riverside, given_name=f"R{i}")
        make_request(person, "shopping", by=world.sam, organisation=world.mutual_aid)
    insights.refresh()
    grant = funding.application(
        world, state=Application.State.UNDER_REVIEW, title=HOSTILE[1], description=HOSTILE[2]
    )
    funding.score(world, grant, 8)
    grants.decide(grant, by=world.priya, awarded=True, reason="Yes", terms=funding.terms())
    private_media()
    world.jo.display_name = HOSTILE[3]
    world.jo.save(update_fields=["display_name"])
    approved(world)
    expenses.export_for_payment(world.mutual_aid, by=world.sam)
    payment_file = PaymentExport.objects.get()
    return {
        "insights:export_csv": (
            None,
            reverse("insights:export_csv", kwargs={"slug": world.riverside.parent.slug}),
        ),
        "funding:giving_csv": (None, reverse("funding:giving_csv")),
        "expenses:export_csv": (
            world.sam,
            reverse("expenses:export_csv", kwargs={"export_id": payment_file.pk}),
        ),
    }


def test_the_newer_rooms_downloads_escape_the_names_they_carry(world, as_user, hostile_world):
    downloads = _newer_rooms_downloads(world, as_user)
    texts = {
        name: as_user(user).get(url).content.decode() for name, (user, url) in downloads.items()
    }
    assert "'=cmd|' /C calc'!A0" in texts["insights:export_csv"]
    assert "'" + HOSTILE[1] in texts["funding:giving_csv"]
    assert "'" + HOSTILE[3] in texts["expenses:export_csv"].replace('""', '"')


@pytest.fixture
def hostile_world(world):
    """A group, its services, an area, a time bank exchange and an outcomes cohort, every
    name of them chosen to run in a spreadsheet."""
    group = OrganisationFactory(name=HOSTILE[0], slug="evil-group")
    group.areas_served.add(world.riverside)
    services = []
    for n, name in enumerate(HOSTILE):
        service = ServiceFactory(
            organisation=group,
            name=name,
            description=HOSTILE[(n + 1) % len(HOSTILE)],
            eligibility=HOSTILE[(n + 2) % len(HOSTILE)],
            accessibility=HOSTILE[(n + 3) % len(HOSTILE)],
            cost_description="-£2 off for carers",
            phone="+441632960001",
        )
        services.append(service)
    listed(services[0], "WB2 1AB", 53.033, -1.462)
    world.riverside.name = "=cmd|' /C calc'!A0"
    world.riverside.save(update_fields=["name"])
    # The time bank: a neighbour gives Margaret an hour, described as a formula.
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    margaret = make_member(bank, person=world.margaret_person, by=world.sam)
    neighbour = make_member(bank, given_name="@Bill", family_name="-Stone", postcode="WB2 1AD")
    timebank.record_exchange(
        giver=neighbour,
        receiver=margaret,
        minutes=60,
        by=world.sam,
        as_broker=True,
        idempotency_key="hostile",
        description=HOSTILE[0],
    )
    # Outcomes: people referred to a hostile service, asked again eight weeks on.
    for _ in range(5):
        person = PersonFactory(area=world.riverside)
        referral = refer(world, services[1], person=person)
        [start, *_] = answer(person, world.sam, referral=referral)
        answer(person, world.sam, BETTER_LATER, plan=start.plan, weeks=8)
    return group, margaret


def test_every_csv_download_keeps_spreadsheet_formulas_out(world, as_user, hostile_world):
    group, account = hostile_world
    downloads = {
        "directory:export_csv": (None, reverse("directory:export_csv")),
        "directory:organisation_csv": (
            world.alex,
            reverse("directory:organisation_csv", args=[group.slug]),
        ),
        "directory:mapping_csv": (world.alex, reverse("directory:mapping_csv")),
        "directory:csv_template": (None, reverse("directory:csv_template")),
        "timebank:statement_csv": (
            world.margaret,
            reverse("timebank:statement_csv", args=[account.pk]),
        ),
        "outcomes:cohort_csv": (world.ana, reverse("outcomes:cohort_csv") + "?weeks=8"),
    }
    downloads |= _newer_rooms_downloads(world, as_user)
    assert set(downloads) == _csv_urls()
    for name, (user, url) in downloads.items():
        response = as_user(user).get(url)
        assert _dangerous_cells(response) == [], name
    # The names are all there, escaped, not dropped.
    text = as_user(None).get(reverse("directory:export_csv")).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["name"] for r in rows} == {"'" + name for name in HOSTILE}
    assert {r["organisation"] for r in rows} == {"'" + HOSTILE[0]}
    assert {r["phone"] for r in rows} == {"'+441632960001"}
    by_area = as_user(world.ana).get(reverse("outcomes:cohort_csv") + "?weeks=8&group_by=area")
    assert _dangerous_cells(by_area) == []
    assert "'=cmd|' /C calc'!A0" in by_area.content.decode()
    mapping = as_user(world.alex).get(reverse("directory:mapping_csv")).content.decode()
    assert "'=cmd|' /C calc'!A0" in mapping and f"'{HOSTILE[0]}" in mapping.replace('""', '"')


def test_numbers_keepwell_computed_stay_numbers_in_a_statement(world, as_user, hostile_world):
    _, account = hostile_world
    response = as_user(world.margaret).get(reverse("timebank:statement_csv", args=[account.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # Margaret was given an hour: -60 minutes is a number a spreadsheet can sum, not text.
    assert [r[-2] for r in rows[2:-1]] == ["-60"]
    assert rows[2][3] == "'@Bill -Stone"


def test_no_csv_is_written_outside_the_shared_writer():
    """grep the code for the csv module's writers: only keepwell/core/csvio.py may use them."""
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        ["grep", "-rlE", r"csv\.(writer|DictWriter)\(", str(root / "keepwell")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert [Path(f).relative_to(root).as_posix() for f in found] == ["keepwell/core/csvio.py"]


# ---------------------------------------------------------------------------------------
# The writer and the reader


@pytest.mark.parametrize("typed", [*HOSTILE, "\n=1+1", "＝1+1", "-3.5", "+44 1632 960001"])
def test_text_a_spreadsheet_would_run_is_escaped_with_a_quote(typed):
    assert csvio.safe_cell(typed) == "'" + typed
    assert csvio.unescape_cell(csvio.safe_cell(typed)) == typed


@pytest.mark.parametrize("number", [-60, -3.5, Decimal("-2.50"), 0, 7])
def test_numbers_stay_numbers(number):
    out = io.StringIO()
    csvio.Writer(out).writerow([number])
    assert out.getvalue().strip() == str(number)
    assert csvio.is_safe_cell(out.getvalue().strip())


def test_a_number_that_is_not_finite_is_written_as_text():
    assert csvio.safe_cell(float("-inf")) == "'-inf"


def test_ordinary_text_is_left_alone():
    for text in ["Lunch club", "St Mark's hall", "2.50", "'quoted'", "a=b"]:
        assert csvio.safe_cell(text) == text
        assert csvio.unescape_cell(text) == text


def test_rows_come_with_their_spreadsheet_row_numbers():
    text = 'name,notes\nIvy,"two\nlines"\n,\nArthur,\n'
    assert list(csvio.read_rows(text, required=["name"], optional=["notes"])) == [
        (2, {"name": "Ivy", "notes": "two\nlines"}),
        (4, {"name": "Arthur", "notes": ""}),
    ]


def test_a_field_longer_than_the_csv_module_takes_is_a_row_problem_not_a_crash():
    text = "name\nIvy\n" + "x" * 200_000 + "\n"
    rows = csvio.read_rows(text, required=["name"])
    assert next(rows) == (2, {"name": "Ivy"})
    with pytest.raises(csvio.CsvProblem) as problem:
        next(rows)
    assert problem.value.row == 3
    assert "longer than 131,072 characters" in str(problem.value)


def test_a_wrong_header_names_the_missing_and_unknown_columns():
    with pytest.raises(csvio.CsvProblem, match="missing columns: town; unknown columns: colour"):
        list(csvio.read_rows("name,colour\n", required=["name", "town"], strict=True))
    with pytest.raises(csvio.CsvProblem, match="The file is empty"):
        list(csvio.read_rows("\n\n", required=["name"]))


class Upload(io.BytesIO):
    @property
    def size(self) -> int:
        return len(self.getvalue())


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"name\n\xff\xfeIvy\n", "not saved as UTF-8"),
        (b"", "The file is empty"),
        (b" \r\n", "The file is empty"),
        (b"PK\x03\x04\x00\x00", "not a CSV file"),
    ],
)
def test_an_upload_that_is_not_utf8_text_is_refused_in_plain_words(content, reason):
    with pytest.raises(csvio.CsvProblem, match=reason):
        csvio.decode_upload(Upload(content))


def test_excels_byte_order_mark_is_not_part_of_the_first_column():
    assert csvio.decode_upload(Upload("\ufeffname\nIvy\n".encode())) == "name\nIvy\n"
