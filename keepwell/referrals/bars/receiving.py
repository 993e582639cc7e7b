"""A BaRS message in: a referral made, changed or cancelled, or a validation answered, all
or nothing; the message kept whole once answered, so the same message sent again gets the
same answer and changes nothing.

Two identical messages at once: each first claims the message id (``bars_message_once``, in
a savepoint). The second waits for the first to commit, finds its row, and answers what it
answered; had the first been refused (rolled back), the second goes ahead itself.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from keepwell.audit.models import Purpose
from keepwell.audit.services import acting_user
from keepwell.directory.models import Organisation, OrganisationKind, Service
from keepwell.people import services as people_services
from keepwell.people.models import Consent, Language, Person
from keepwell.people.validators import date_of_birth_problem, is_valid_nhs_number
from keepwell.referrals import fhir, services
from keepwell.referrals.bars import changes, progress
from keepwell.referrals.bars.answers import acknowledgement, outcome
from keepwell.referrals.bars.mapping import (
    Refused,
    find_service,
    header_target,
    match_person,
    refuse,
    sending_organisation,
)
from keepwell.referrals.bars.message import LIMITS, Issue, Message, Target, error, read
from keepwell.referrals.bars.response import RESPONSE_EVENT, ResponseIn, is_response, read_response
from keepwell.referrals.fhir.codes import URGENCY_FROM_PRIORITY
from keepwell.referrals.models import BarsMessage, Referral, Theme

PATH = "/api/fhir/$process-message"
# Person fields a Patient fills, each checked against its column before anything is written.
_PERSON_FIELDS = (
    ("given_name", "name_at"),
    ("family_name", "name_at"),
    ("phone", "where"),
    ("mobile", "where"),
    ("email", "where"),
    ("address_line_1", "where"),
    ("address_line_2", "where"),
    ("town", "where"),
)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict


def info(diagnostics: str, where: str | None = None) -> Issue:
    return Issue("information", "informational", diagnostics, where, 200)


def receive(
    body: bytes | str, *, by, target_header: str = "", within_transaction: bool = False
) -> Answer:
    """Answer one BaRS message sent by ``by`` (a token's user); ``target_header`` is the
    NHSD-Target-Identifier header, if sent. Never raises for what the sender sent.

    A request is answered in a transaction of its own (durable: committed when the answer
    is given). ``within_transaction`` lets a caller that is already in one (the demo
    place's loading) receive a referral as part of it."""
    try:
        data = fhir.read_bundle_json(body)
    except fhir.BundleRejected as rejected:
        issues = [error(p.diagnostics, p.expression, p.code) for p in rejected.problems]
        return _refused(issues, rejected.status)
    except ValueError as exc:  # an integer longer than Python reads (4,300 digits)
        return _refused([error(f"The body is not valid JSON: {exc}", None, "structure")], 400)
    if is_response(data):
        return _receive_response(data, by=by)
    message = read(data, service_system=fhir.service_system(), nhs_number_valid=is_valid_nhs_number)
    if message.problems:
        return _refused(message.problems, message.status)
    try:
        run = _receive_nested if within_transaction else _receive
        return run(data, message, by=by, target=header_target(target_header))
    except Refused as refused:
        return _refused(refused.issues, refused.status)


def _refused(issues: list[Issue], status: int) -> Answer:
    return Answer(status, outcome(issues, status))


def _receive_message(data: dict, message: Message, *, by, target: Target | None) -> Answer:
    kept = _claim(data, message, by)
    if isinstance(kept, Answer):
        return kept
    referral: Referral | None
    if message.cancels or message.reason == "update":
        referral, issues = changes.apply(message, by=by, target=target)
    elif message.validation:
        referral, issues = None, _validate(message, target, by)
    else:
        referral, issues = _refer(message, target, by)
    return _keep_answer(kept, message, referral, [*issues, *message.warnings])


def _keep_answer(
    kept: BarsMessage, message: Message, referral: Referral | None, issues: list[Issue]
) -> Answer:
    """The 200 answer to ``message``, kept with its row so that a repeat gets it again."""
    answer = Answer(200, _acknowledge(message, referral, issues))
    kept.referral = referral
    kept.answer_status, kept.answer = answer.status, answer.body
    kept.save(update_fields=["referral", "answer_status", "answer"])
    return answer


_receive = transaction.atomic(durable=True)(_receive_message)
_receive_nested = transaction.atomic(_receive_message)


def _receive_response(data: dict, *, by) -> Answer:
    """A practice's answer to a referral keepwell sent it (``progress``)."""
    response = read_response(data, status_system=fhir.status_system())
    if response.problems:
        return _refused(response.problems, response.http_status)
    try:
        return _take_response(data, response, by=by)
    except Refused as refused:
        return _refused(refused.issues, refused.status)


@transaction.atomic(durable=True)
def _take_response(data: dict, response: ResponseIn, *, by) -> Answer:
    as_message = Message(
        message_id=response.message_id,
        event=RESPONSE_EVENT,
        event_system=response.event_system,
        source_endpoint=response.source_endpoint[: LIMITS["endpoint"]],
        service_request_id=response.answers[: LIMITS["service_request_id"]],
    )
    kept = _claim(data, as_message, by)
    if isinstance(kept, Answer):
        return kept
    referral, issues = progress.apply(response, by=by)
    return _keep_answer(kept, as_message, referral, [*issues, *response.warnings])


def _claim(data: dict, message: Message, by) -> BarsMessage | Answer:
    """This message's row, new; or, when it came before, the answer it was given."""
    reason = "validation" if message.validation else message.reason
    if message.cancels:
        reason = "cancel"
    try:
        with transaction.atomic():
            return BarsMessage.objects.create(
                direction=BarsMessage.Direction.IN,
                message_id=message.message_id,
                event=message.event,
                reason=reason,
                service_request_id=message.service_request_id,
                sender_ods=message.sender_ods[:20],
                source_endpoint=message.source_endpoint,
                destination_endpoint=message.destination_endpoint,
                body=data,
                by=acting_user(by),
            )
    except IntegrityError:
        earlier = BarsMessage.objects.get(
            direction=BarsMessage.Direction.IN, message_id=message.message_id
        )
    if earlier.body != data:
        raise refuse(
            f"Message {message.message_id} was received before with a different body: "
            "send a change as a new message with its own id",
            "Bundle.entry[0].resource.id",
            "duplicate",
            409,
        )
    return Answer(earlier.answer_status or 200, earlier.answer or {})


def _acknowledge(message: Message, referral: Referral | None, issues: list[Issue]) -> dict:
    resources: list[dict] = []
    if referral is not None:
        referral = (
            Referral.objects.for_list()
            .select_related("language", "person__gp_practice")
            .get(pk=referral.pk)
        )
        resources = [entry["resource"] for entry in fhir.referral_bundle(referral)["entry"]]
    return acknowledgement(
        message,
        answer_id=str(uuid.uuid4()),
        outcome_id=str(uuid.uuid4()),
        timestamp=timezone.now().isoformat(timespec="seconds"),
        endpoint=settings.SITE_URL.rstrip("/") + PATH,
        issues=issues,
        resources=resources,
    )


def _door(message: Message, target: Target | None, by) -> tuple[Service, Organisation | None]:
    service = find_service(message, target)
    organisation = sending_organisation(message, by)
    door = services.door_for(service, organisation)
    if not door.open:
        raise refuse(
            f"{service.name}: {door.reason}",
            f"{message.request_at}.performer",
            "business-rule",
            422,
        )
    return service, organisation


def _validate(message: Message, target: Target | None, by) -> list[Issue]:
    """A validation request: would the service take this referral? Its door answers;
    nothing is made."""
    service, _ = _door(message, target, by)
    return [
        info(
            f"{service.name} ({service.organisation.name}) would accept this referral; "
            "nothing was made. Send it without the validation category to refer."
        )
    ]


def _refer(message: Message, target: Target | None, by) -> tuple[Referral, list[Issue]]:
    service, organisation = _door(message, target, by)
    consent_fields, issues = _consent(message)
    person, found = _person(message, by, organisation)
    issues += found
    label = message.requester_name
    if label and organisation is not None:
        label = f"{label} ({organisation.name})"
    try:
        referral = services.create_referral(
            person=person,
            service=service,
            by=by,
            from_organisation=organisation,
            reason=message.reason_text,
            needs=message.needs,
            safety_notes=message.safety_notes,
            themes=[code for code in message.theme_codes if code in Theme.values],
            urgency=URGENCY_FROM_PRIORITY[message.priority],
            language=_language(message),
            referrer_label=label[:200],
            source=f"bars:{message.service_request_id}"[:50],
            via="api",
            **consent_fields,
        )
    except services.ReferralRefused as exc:
        raise refuse(str(exc), f"{message.request_at}.performer", "business-rule", 422) from None
    if message.safety_notes:
        issues.append(info("The Flags are the referral's safety notes"))
    return referral, issues


def _consent(message: Message) -> tuple[dict, list[Issue]]:
    """How consent to refer is recorded: from the Consent resource (an active one; a
    refused one refuses the referral), else as shared for the person's health and care."""
    consent = message.consent
    fields: dict = {"consent_how": Consent.How.WRITTEN}
    if consent is None:
        fields["consent_lawful_basis"] = Consent.LawfulBasis.HEALTH_CARE
        return fields, [
            info(
                "No Consent resource: recorded as shared for their health and care "
                "(UK GDPR 9(2)(h)), as the sender's system referred them"
            )
        ]
    if consent.status not in ("", "active"):
        raise refuse(
            f"The Consent is {consent.status}: keepwell refers someone only with their "
            "active consent",
            f"{consent.where}.status",
            "business-rule",
            422,
        )
    treatment = consent.scope == "treatment"
    fields["consent_lawful_basis"] = (
        Consent.LawfulBasis.HEALTH_CARE if treatment else Consent.LawfulBasis.CONSENT
    )
    if consent.given_on is not None and consent.given_on > timezone.localdate():
        raise refuse(
            "Consent cannot be given in the future", f"{consent.where}.dateTime", "value", 400
        )
    if consent.given_on is not None:
        fields["consent_given_at"] = timezone.make_aware(datetime.combine(consent.given_on, time()))
    return fields, [info("The Consent is the referral's consent", consent.where)]


def _limit(name: str) -> int:
    return getattr(Person._meta.get_field(name), "max_length", None) or 0


def _language(message: Message) -> Language | None:
    codes = [c for c in (message.patient.languages if message.patient else []) if c != "en"]
    return Language.objects.filter(code__in=codes).order_by("code").first() if codes else None


def _person(message: Message, by, organisation: Organisation | None) -> tuple[Person, list[Issue]]:
    patient = message.patient
    assert patient is not None  # read() refuses a message without one
    match = match_person(patient, by)
    if match.person is not None:
        return match.person, [info(f"The Patient is a person keepwell holds (by {match.how})")]
    fields: dict = {
        "given_name": patient.given or patient.family,
        "family_name": patient.family if patient.given else "",
        "nhs_number": patient.nhs_number,
        "date_of_birth": patient.birth_date,
        "phone": patient.phone,
        "mobile": patient.mobile,
        "email": patient.email,
        "address_line_1": patient.address_line_1,
        "address_line_2": patient.address_line_2,
        "town": patient.town,
        "postcode": patient.postcode,
    }
    problems = [
        error(
            f"{len(fields[name]):,} characters is too long: keepwell keeps at most {limit}",
            getattr(patient, where),
            "too-long",
        )
        for name, where in _PERSON_FIELDS
        if len(fields[name]) > (limit := _limit(name))
    ]
    if problem := date_of_birth_problem(patient.birth_date):
        problems.append(error(problem, patient.birth_at, "value"))
    if problems:
        raise Refused(problems, 400)
    if organisation is not None and organisation.kind == OrganisationKind.GP_PRACTICE:
        fields["gp_practice"] = organisation
    language = _language(message)
    person = people_services.create_person(
        by=by,
        purpose=Purpose.REFERRAL,
        via="api",
        # Held by a group this sender cannot see: the referral goes ahead, and the second
        # record is flagged for an administrator to merge, never a silent copy.
        possible_duplicate=True,
        organisations=[organisation] if organisation else [],
        languages=[language] if language else (),
        **fields,
    )
    issues = [info("The Patient is new to keepwell: a record was made", patient.where)]
    if person.possible_duplicate_of is not None:
        issues.append(
            info("Someone keepwell holds has this NHS number: the two are flagged to merge")
        )
    if match.others:
        issues.append(
            Issue(
                "warning",
                "multiple-matches",
                f"{match.others} people keepwell holds have this name, date of birth and "
                "postcode: none was chosen, and a new record was made",
                patient.where,
                200,
            )
        )
    return person, issues
