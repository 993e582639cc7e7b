"""NHS lists: people an NHS partner asked us to call, imported all or nothing."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Q

from keepwell.audit.models import Purpose
from keepwell.core import csvio
from keepwell.core.phone import InvalidPhoneNumber, normalise_or_keep, normalise_phone
from keepwell.help.models import (
    HelpRequest,
    NeedType,
    NhsList,
    Source,
)
from keepwell.help.services.errors import DuplicateRequest, HelpError
from keepwell.help.services.requests import create_request
from keepwell.people import services as people
from keepwell.people.models import Consent, Language, Person
from keepwell.people.validators import (
    date_of_birth_problem,
    is_valid_nhs_number,
    normalise_nhs_number,
)
from keepwell.places.postcodes import InvalidPostcode, Postcode

NHS_LIST_REQUIRED = ("given_name", "family_name", "phone", "postcode")
NHS_LIST_OPTIONAL = (
    "nhs_number",
    "date_of_birth",
    "mobile",
    "address_line_1",
    "town",
    "language",
    "notes",
)
NHS_LIST_MAX_ROWS = 5000
CHECK_IN = "phone_check_in"
# The model field each text column is stored in, whose max_length a value must fit.
NHS_LIST_STORED_IN = {
    "given_name": Person._meta.get_field("given_name"),
    "family_name": Person._meta.get_field("family_name"),
    "phone": Person._meta.get_field("phone"),
    "mobile": Person._meta.get_field("mobile"),
    "address_line_1": Person._meta.get_field("address_line_1"),
    "town": Person._meta.get_field("town"),
    "notes": HelpRequest._meta.get_field("notes"),
}


class ImportProblems(HelpError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported")


def _parse_nhs_list(text: str) -> list[tuple[int, dict]]:
    reader = csvio.read_rows(text, required=NHS_LIST_REQUIRED, optional=NHS_LIST_OPTIONAL)
    try:
        return _check_nhs_list(reader)
    except csvio.CsvProblem as exc:
        raise ImportProblems([str(exc)]) from None


def _check_nhs_list(reader) -> list[tuple[int, dict]]:
    languages = {}
    for lang in Language.objects.all():
        languages[lang.code.lower()] = lang
        languages[lang.name.lower()] = lang
    rows, problems = [], []
    for number, row in reader:
        if number - 1 > NHS_LIST_MAX_ROWS:
            problems.append(f"More than {NHS_LIST_MAX_ROWS} rows: split the file")
            break
        reasons = [
            reason
            for column, model_field in NHS_LIST_STORED_IN.items()
            if (reason := csvio.too_long(row.get(column, ""), model_field, _words(column)))
        ]
        if not row.get("given_name"):
            reasons.append("no first name")
        if not row.get("phone") and not row.get("mobile"):
            reasons.append("no phone number")
        # A number we will ring (or text, for the mobile) must be one: stored in E.164.
        for column, mobile in (("phone", False), ("mobile", True)):
            typed = row.get(column, "")
            if typed and not csvio.too_long(typed, NHS_LIST_STORED_IN[column]):
                try:
                    row[column] = normalise_phone(typed, mobile=mobile)
                except InvalidPhoneNumber as exc:
                    reasons.append(f"{column}: {exc}")
        try:
            row["postcode"] = Postcode(row.get("postcode", "")).value
        except InvalidPostcode as exc:
            reasons.append(f"postcode: {exc}")
        if row.get("nhs_number"):
            row["nhs_number"] = normalise_nhs_number(row["nhs_number"])
            if not is_valid_nhs_number(row["nhs_number"]):
                reasons.append("not a valid NHS number")
        if row.get("date_of_birth"):
            try:
                row["date_of_birth"] = date.fromisoformat(row["date_of_birth"])
            except ValueError:
                reasons.append("date of birth is not YYYY-MM-DD")
            else:
                if problem := date_of_birth_problem(row["date_of_birth"]):
                    reasons.append(problem[0].lower() + problem[1:])
        else:
            row["date_of_birth"] = None
        if row.get("language"):
            lang = languages.get(row["language"].lower())
            if lang is None:
                reasons.append(f"unknown language {row['language']!r}")
            row["language"] = lang
        else:
            row["language"] = None
        if reasons:
            problems.append(f"Row {number}: {'; '.join(reasons)}")
        else:
            rows.append((number, row))
    if problems:
        raise ImportProblems(problems)
    return rows


def _words(column: str) -> str:
    return column.replace("_", " ")


def _find_known(row: dict, known) -> Person | None:
    if row.get("nhs_number"):
        found = known.filter(nhs_number=row["nhs_number"]).first()
        if found:
            return found
    # Numbers are stored in E.164: "01632 960555" on the list is +441632960555 here.
    typed = normalise_or_keep(row.get("phone") or row.get("mobile", ""))
    digits = "".join(ch for ch in typed if ch.isdigit())
    q = Q(given_name__iexact=row["given_name"], family_name__iexact=row["family_name"]) & (
        Q(postcode=row["postcode"]) | Q(phone_digits=digits) | Q(mobile_digits=digits)
    )
    if row.get("date_of_birth"):
        q &= Q(date_of_birth=row["date_of_birth"]) | Q(date_of_birth__isnull=True)
    return known.filter(q).order_by("pk").first()


# All or nothing: never part of a caller's transaction, which could keep half a list.
@transaction.atomic(durable=True)
def import_nhs_list(
    text: str,
    *,
    filename: str,
    organisation,
    shared_by,
    lawful_basis: str,
    sharing_basis: str,
    by,
) -> NhsList:
    """People an NHS partner asked us to call: a phone check-in request each. All rows are
    checked first; one bad row and nothing is imported. Someone who already has an open
    check-in is listed as a duplicate, not given a second one."""
    rows = _parse_nhs_list(text)
    check_in = NeedType.objects.get(slug=CHECK_IN)
    batch = NhsList.objects.create(
        organisation=organisation,
        shared_by=shared_by,
        lawful_basis=lawful_basis,
        sharing_basis=sharing_basis,
        filename=filename[:200],
        uploaded_by=by,
        rows=len(rows),
    )
    known = Person.objects.filter(organisations=organisation)
    duplicates, problems = [], []
    for number, row in rows:
        person = _find_known(row, known)
        if person is None:
            try:
                person = people.create_person(
                    by=by,
                    organisations=[organisation.pk],
                    purpose=Purpose.HELP_REQUEST,
                    given_name=row["given_name"],
                    family_name=row["family_name"],
                    nhs_number=row.get("nhs_number", ""),
                    date_of_birth=row["date_of_birth"],
                    phone=row.get("phone", ""),
                    mobile=row.get("mobile", ""),
                    address_line_1=row.get("address_line_1", ""),
                    town=row.get("town", ""),
                    postcode=row["postcode"],
                    gp_practice=shared_by if shared_by.kind == "gp_practice" else None,
                    languages=[row["language"]] if row["language"] else [],
                )
            except people.DuplicateNhsNumber as taken:
                # Someone keepwell holds, but not this group: never a silent second record.
                problems.append(
                    f"Row {number}: NHS number {taken.nhs_number} is on a record {organisation} "
                    "does not hold. Check the number, or ask an administrator whether it is the "
                    "same person"
                )
                continue
            batch.people_created += 1
        people.record_consent(
            person,
            by=by,
            purpose=Consent.Purpose.CONTACT,
            lawful_basis=lawful_basis,
            how=Consent.How.WRITTEN,
            notes=f"On the list '{batch.filename}' from {shared_by}: {sharing_basis}"[:500],
        )
        try:
            create_request(
                person,
                check_in,
                by=by,
                organisation=organisation,
                language=row["language"],
                notes=row.get("notes", ""),
                source=Source.NHS_LIST,
                nhs_list=batch,
            )
            batch.requests_created += 1
        except DuplicateRequest as dup:
            duplicates.append({"row": number, "person": person.pk, "request": dup.existing.pk})
    if problems:
        raise ImportProblems(problems)  # and the transaction takes back every row
    batch.duplicates = duplicates
    batch.save(update_fields=["people_created", "requests_created", "duplicates"])
    return batch
