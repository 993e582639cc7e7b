"""A referral in: a GP system sends a Bundle and keepwell makes the referral, all or nothing."""

from __future__ import annotations

from django.db import transaction

from keepwell.audit.models import Purpose
from keepwell.directory.models import OrganisationKind
from keepwell.people import services as people_services
from keepwell.people.models import Consent, Person
from keepwell.referrals import services
from keepwell.referrals.fhir.parsing import _parse, _source
from keepwell.referrals.fhir.reading import BundleRejected, Problem, read_bundle_json
from keepwell.referrals.models import Referral


@transaction.atomic(durable=True)
def create_from_bundle(body: bytes, *, by) -> Referral:
    """A GP system sends a referral. Raises BundleRejected (nothing written) on any problem.

    Durable: the whole referral is written or nothing is, so no caller may wrap it in a
    transaction of its own that could still roll it back."""
    parsed, problems, status = _parse(read_bundle_json(body), by)
    if problems:
        raise BundleRejected(problems, status)
    person = None
    if parsed.nhs_number:
        person = Person.objects.visible_to(by).filter(nhs_number=parsed.nhs_number).first()
    if person is None:
        fields = dict(parsed.person_fields)
        if parsed.nhs_number:
            fields["nhs_number"] = parsed.nhs_number
        practice = parsed.from_organisation
        if practice is not None and practice.kind == OrganisationKind.GP_PRACTICE:
            fields["gp_practice"] = practice
        fields["preferred_channel"] = parsed.preferred_channel
        fields["needs_interpreter"] = parsed.needs_interpreter
        person = people_services.create_person(
            by=by,
            purpose=Purpose.REFERRAL,
            via="api",
            # Held by a group this practice cannot see: the referral goes ahead, and the
            # second record is flagged for an administrator to merge, never a silent copy.
            possible_duplicate=True,
            organisations=[parsed.from_organisation] if parsed.from_organisation else [],
            languages=[parsed.language] if parsed.language else (),
            **fields,
        )
    try:
        return services.create_referral(
            person=person,
            service=parsed.service,
            by=by,
            from_organisation=parsed.from_organisation,
            consent_how=Consent.How.WRITTEN,
            consent_lawful_basis=Consent.LawfulBasis.CONSENT,
            what_matters=parsed.texts.get("what_matters", ""),
            needs=parsed.texts.get("needs", ""),
            reason=parsed.texts.get("reason", ""),
            safety_notes=parsed.texts.get("safety_notes", ""),
            themes=parsed.themes,
            urgency=parsed.urgency,
            preferred_channel=parsed.preferred_channel,
            language=parsed.language,
            needs_interpreter=parsed.needs_interpreter,
            source=_source(parsed.identifier),
            via="api",
        )
    except services.ReferralRefused as exc:
        raise BundleRejected(
            [Problem(str(exc), "ServiceRequest.performer", "business-rule")], 422
        ) from None
