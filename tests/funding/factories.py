"""A grants world on top of the personas: Wellbrook Health Centre funds a small-grants
programme decided by a panel on which Margaret sits as a resident; Priya (its NHS
connector) is its funding officer; Sam fills in Wellbrook Mutual Aid's application."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from keepwell.directory.models import OrganisationKind
from keepwell.funding import services
from keepwell.funding.models import Application, Funder, PanelMember, Programme
from tests.factories import OrganisationFactory


def funder_of(organisation, **fields) -> Funder:
    found = Funder.objects.filter(organisation=organisation).first()
    return found or services.create_funder(organisation=organisation, **fields)


def programme(world, *, by_panel: bool = True, slug: str = "small-grants", **fields) -> Programme:
    found = Programme.objects.filter(slug=slug).first()
    if found:
        return found
    today = timezone.localdate()
    values = {
        "title": "Small grants",
        "criteria": "Community groups keeping Wellbrook well",
        "budget_pence": 1_000_000,
        "max_award_pence": 500_000,
        "opens_on": today - timedelta(days=30),
        "closes_on": today + timedelta(days=30),
        "decided_by": Programme.DecidedBy.PANEL if by_panel else Programme.DecidedBy.OFFICERS,
        "slug": slug,
        **fields,
    }
    made = services.create_programme(funder_of(world.practice), by=world.priya, **values)
    if by_panel:
        services.add_panel_member(made, user=world.margaret, is_resident=True, by=world.priya)
    return made


def application(world, *, state: str = Application.State.DRAFT, amount_pence=250_000, **fields):
    prog = fields.pop("programme", None) or programme(world)
    values = {
        "title": "Tuesday lunch club",
        "description": "A hot lunch and company for older neighbours",
        "who_benefits": "About 30 older people living alone",
        "amount_pence": amount_pence,
        "needed_by": timezone.localdate() + timedelta(days=60),
        **fields,
    }
    made = services.start_application(prog, organisation=world.mutual_aid, by=world.sam, **values)
    if state == Application.State.DRAFT:
        return made
    services.submit_application(made, by=world.sam)
    if state == Application.State.SUBMITTED:
        return made
    if state == Application.State.WITHDRAWN:
        return services.withdraw_application(made, by=world.sam)
    services.start_review(made, by=world.priya)
    return made


def score(world, app, value: int, user=None, reason="Fits the criteria well"):
    member = PanelMember.objects.get(programme=app.programme, user=user or world.margaret)
    return services.record_score(app, member=member, score=value, reason=reason)


def terms(amount_pence=250_000, **fields) -> services.AwardTerms:
    today = timezone.localdate()
    values = {
        "amount_pence": amount_pence,
        "awarded_on": today,
        "starts_on": today,
        "ends_on": today + timedelta(days=365),
        **fields,
    }
    return services.AwardTerms(**values)


def award(world, amount_pence=250_000, **fields):
    """An awarded application (the panel scored it 8), and its award."""
    app = application(world, state=Application.State.UNDER_REVIEW, amount_pence=amount_pence)
    score(world, app, 8)
    services.decide(
        app,
        by=world.priya,
        awarded=True,
        reason="The panel backed it",
        terms=terms(amount_pence, **fields),
    )
    return Application.objects.get(pk=app.pk).award


def council_award(world, amount_pence=400_000, awarded_on: date | None = None):
    """An award by the council (officers decide), to match."""
    council = OrganisationFactory(name="Wellbrook Borough Council", kind=OrganisationKind.COUNCIL)
    prog = services.create_programme(
        funder_of(council),
        by=world.alex,
        slug="council-community-chest",
        title="Community chest",
        criteria="Anything that helps",
        budget_pence=5_000_000,
        max_award_pence=None,
        opens_on=timezone.localdate() - timedelta(days=10),
        closes_on=timezone.localdate() + timedelta(days=10),
        decided_by=Programme.DecidedBy.OFFICERS,
    )
    app = application(
        world, programme=prog, state=Application.State.UNDER_REVIEW, amount_pence=amount_pence
    )
    services.decide(
        app,
        by=world.alex,
        awarded=True,
        reason="Good value",
        terms=terms(amount_pence, **({"awarded_on": awarded_on} if awarded_on else {})),
    )
    return Application.objects.get(pk=app.pk).award
