"""360Giving in and out: awards published as the 360Giving Data Standard (a JSON grant
package, and the same grants in its spreadsheet layout as CSV), and other funders' files
read into the directory's organisations.

Amounts leave as pounds, converted from pence exactly (``money``). Grant ids are
``360G-<funder's prefix>-<award id>``; an organisation is named by its org-id.guide
identifier (``GB-CHC-`` charity, ``GB-COH-`` company) when it has a number, else by an id
under the funder's prefix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from keepwell.core import csvio
from keepwell.directory import services as directory
from keepwell.directory.models import Organisation, OrganisationKind
from keepwell.funding import money
from keepwell.funding.models import Award

LICENCE = "https://creativecommons.org/licenses/by/4.0/"
DEFAULT_PREFIX = "keepwell"


def org_identifier(org: Organisation, prefix: str) -> str:
    charity = org.charity_number
    if charity.startswith("SC"):
        return f"GB-SC-{charity}"
    if charity.startswith("NI"):
        return f"GB-NIC-{charity.removeprefix('NIC').removeprefix('NI')}"
    if charity:
        return f"GB-CHC-{charity}"
    if org.company_number:
        return f"GB-COH-{org.company_number}"
    return f"360G-{prefix}-org-{org.uuid}"


def grant(award: Award, *, site: str, paid_pence: int = 0) -> dict:
    """One award as a 360Giving grant (``award`` fetched with ``for_listing``)."""
    application = award.application
    programme = application.programme
    funder = programme.funder
    prefix = funder.prefix or DEFAULT_PREFIX
    recipient = application.organisation
    to = {"id": org_identifier(recipient, prefix), "name": recipient.name}
    if recipient.charity_number:
        to["charityNumber"] = recipient.charity_number
    if recipient.company_number:
        to["companyNumber"] = recipient.company_number
    found = {
        "id": f"360G-{prefix}-{award.pk}",
        "title": application.title,
        "description": application.description,
        "currency": "GBP",
        "amountAppliedFor": money.pounds_number(application.amount_pence),
        "amountAwarded": money.pounds_number(award.amount_pence),
        "amountDisbursed": money.pounds_number(paid_pence),
        "awardDate": award.awarded_on.isoformat(),
        "plannedDates": [
            {"startDate": award.starts_on.isoformat(), "endDate": award.ends_on.isoformat()}
        ],
        "recipientOrganization": [to],
        "fundingOrganization": [{"id": funder.identifier, "name": funder.display_name}],
        "grantProgramme": [{"code": programme.slug, "title": programme.title}],
        "fromOpenCall": "Yes",
        "url": site + reverse("funding:award", args=[award.pk]),
    }
    return found


def package(awards, *, site: str) -> dict:
    return {
        "grants": [grant(a, site=site, paid_pence=a.paid_pence or 0) for a in awards],
        "license": LICENCE,
        "publisher": {"name": "keepwell"},
    }


# The spreadsheet layout: its column titles, in the standard's order, and where each comes
# from in a grant.
CSV_COLUMNS = [
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Applied For", lambda g: g["amountAppliedFor"]),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g["amountDisbursed"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: g["plannedDates"][0]["startDate"]),
    ("Planned Dates:End Date", lambda g: g["plannedDates"][0]["endDate"]),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:Charity Number", lambda g: g["recipientOrganization"][0].get("charityNumber")),
    ("Recipient Org:Company Number", lambda g: g["recipientOrganization"][0].get("companyNumber")),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Code", lambda g: g["grantProgramme"][0]["code"]),
    ("Grant Programme:Title", lambda g: g["grantProgramme"][0]["title"]),
    ("From an open call?", lambda g: g["fromOpenCall"]),
    ("URL", lambda g: g["url"]),
]


def csv_text(awards, *, site: str) -> str:
    grants = package(awards, site=site)["grants"]
    # Amounts as exact decimals of pounds (1500.50), which a spreadsheet sums.
    rows = []
    for award, g in zip(awards, grants, strict=True):
        row = [value(g) for _, value in CSV_COLUMNS]
        row[4] = money.pounds_decimal(award.application.amount_pence)
        row[5] = money.pounds_decimal(award.amount_pence)
        row[6] = money.pounds_decimal(award.paid_pence or 0)
        rows.append(row)
    return csvio.to_text([title for title, _ in CSV_COLUMNS], rows)


# --- reading other funders' files ------------------------------------------------------------


@dataclass
class Recipient:
    row: int
    name: str
    charity_number: str = ""
    company_number: str = ""


@dataclass
class ImportResult:
    created: list[Organisation] = field(default_factory=list)
    matched: list[Organisation] = field(default_factory=list)
    updated: list[Organisation] = field(default_factory=list)


class ImportProblems(Exception):
    """The file cannot be imported; ``problems`` lists each row and reason. Nothing was
    written."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


_FROM_ID = [
    (re.compile(r"^GB-CHC-(\d{6,8}(-\d{1,2})?)$"), "charity_number"),
    (re.compile(r"^GB-SC-(SC\d{6})$"), "charity_number"),
    (re.compile(r"^GB-NIC-(\d{5,6})$"), "charity_number"),
    (re.compile(r"^GB-COH-([0-9A-Z]{8})$"), "company_number"),
]


def _numbers_from(identifier: str, charity: str, company: str) -> tuple[str, str]:
    for pattern, kind in _FROM_ID:
        match = pattern.match(identifier.strip().upper())
        if match:
            number = match.group(1)
            if identifier.upper().startswith("GB-NIC-"):
                number = "NIC" + number
            if kind == "charity_number" and not charity:
                charity = number
            elif kind == "company_number" and not company:
                company = number
    return charity, company


def _recipient(row: int, identifier: str, name: str, charity: str, company: str) -> Recipient:
    charity, company = _numbers_from(identifier, charity.strip(), company.strip().upper())
    if company.isdigit() and len(company) < 8:
        company = company.zfill(8)  # spreadsheets drop Companies House's leading zeros
    return Recipient(row=row, name=name.strip(), charity_number=charity, company_number=company)


def read_json(text: str) -> list[Recipient]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblems([f"The file is not JSON: {exc.msg} at line {exc.lineno}"]) from None
    grants = data.get("grants") if isinstance(data, dict) else None
    if not isinstance(grants, list) or not grants:
        raise ImportProblems(['The file has no "grants" list: it is not a 360Giving package'])
    found, problems = [], []
    for number, item in enumerate(grants, start=1):
        orgs = item.get("recipientOrganization") if isinstance(item, dict) else None
        if not isinstance(orgs, list) or not orgs or not isinstance(orgs[0], dict):
            problems.append(f"Grant {number}: it has no recipientOrganization")
            continue
        org = orgs[0]
        found.append(
            _recipient(
                number,
                str(org.get("id") or ""),
                str(org.get("name") or ""),
                str(org.get("charityNumber") or ""),
                str(org.get("companyNumber") or ""),
            )
        )
    if problems:
        raise ImportProblems(problems)
    return found


def read_csv(text: str) -> list[Recipient]:
    key = csvio.header_key
    try:
        rows = list(
            csvio.read_rows(
                text,
                required=[
                    key("Identifier"),
                    key("Recipient Org:Identifier"),
                    key("Recipient Org:Name"),
                ],
                optional=[key(title) for title, _ in CSV_COLUMNS],
            )
        )
    except csvio.CsvProblem as exc:
        raise ImportProblems([str(exc)]) from None
    return [
        _recipient(
            number,
            row[key("Recipient Org:Identifier")],
            row[key("Recipient Org:Name")],
            row.get(key("Recipient Org:Charity Number"), ""),
            row.get(key("Recipient Org:Company Number"), ""),
        )
        for number, row in rows
    ]


def read(text: str) -> list[Recipient]:
    """The recipients of a 360Giving file, JSON or CSV (told apart by its first character)."""
    return read_json(text) if text.lstrip().startswith(("{", "[")) else read_csv(text)


def _check(recipient: Recipient) -> list[str]:
    problems = []
    label = f"Row {recipient.row}"
    name_field = Organisation._meta.get_field("name")
    if not recipient.name:
        problems.append(f"{label}: the recipient organisation has no name")
    elif reason := csvio.too_long(recipient.name, name_field, "The name"):
        problems.append(f"{label}: {reason}")
    for attr, title in (("charity_number", "charity number"), ("company_number", "company number")):
        value = getattr(recipient, attr)
        if not value:
            continue
        try:
            Organisation._meta.get_field(attr).run_validators(value)
        except ValidationError:
            problems.append(f"{label}: {value!r} is not a {title}")
    return problems


@transaction.atomic
def import_recipients(recipients: list[Recipient], *, by=None) -> ImportResult:
    """Put each recipient in the directory: found by charity or company number (a number
    missing on our side is filled in), or added, unclassified, for the mapping team. Any
    bad row and nothing is written."""
    problems = [p for r in recipients for p in _check(r)]
    if problems:
        raise ImportProblems(problems)
    result = ImportResult()
    seen: dict[str, Organisation] = {}
    for recipient in recipients:
        keys = [
            f"c:{recipient.charity_number}" if recipient.charity_number else "",
            f"h:{recipient.company_number}" if recipient.company_number else "",
        ]
        org = next((seen[k] for k in keys if k and k in seen), None)
        if org is None:
            org = _match(recipient)
            if org is None:
                org = directory.create_organisation(
                    by=by,
                    name=recipient.name,
                    kind=OrganisationKind.UNCLASSIFIED,
                    charity_number=recipient.charity_number,
                    company_number=recipient.company_number,
                    description="Added from a 360Giving file",
                )
                result.created.append(org)
            else:
                result.matched.append(org)
                missing = {}
                if recipient.charity_number and not org.charity_number:
                    missing["charity_number"] = recipient.charity_number
                if recipient.company_number and not org.company_number:
                    missing["company_number"] = recipient.company_number
                if missing:
                    directory.update_organisation(org, by=by, **missing)
                    result.updated.append(org)
        for k in keys:
            if k:
                seen[k] = org
    return result


def _match(recipient: Recipient) -> Organisation | None:
    if recipient.charity_number:
        org = Organisation.objects.filter(charity_number=recipient.charity_number).first()
        if org:
            return org
    if recipient.company_number:
        return Organisation.objects.filter(company_number=recipient.company_number).first()
    return None
