"""Funding in Wellbrook: the PCN's small-grants programme, decided by a panel of residents
and a group's area lead, with an application in every state; the council's community chest,
decided by its officers; an NHS award matching a council one; payments and a report due;
and the PCN's budget and 1% community target over three financial years.

Loading twice changes nothing: each programme is found by its slug and, once there, made
whole in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from keepwell.directory.models import Organisation
from keepwell.funding import money, services
from keepwell.funding.models import (
    Application,
    Award,
    CommunityInvestment,
    Funder,
    PanelMember,
    Programme,
)

PCN_GRANTS = "keeping-wellbrook-well-small-grants"
PCN_WINTER = "winter-wellbeing-grants"
COUNCIL_CHEST = "wellbrook-community-chest"


def _funder(org: Organisation, *, prefix: str, identifier: str) -> Funder:
    found = Funder.objects.filter(organisation=org).first()
    if found is None:
        found = services.create_funder(organisation=org, prefix=prefix, org_identifier=identifier)
        Funder.objects.filter(pk=found.pk).update(is_demo=True)
    return found


def _org(place, slug: str) -> Organisation:
    """A directory organisation of the demo, or the mutual aid group if the directory's own
    demo part did not add it."""
    return (
        place.organisations.get(slug)
        or Organisation.objects.filter(slug=slug).first()
        or place.organisations["wellbrook-mutual-aid"]
    )


def _apply(programme, org, *, by, title, what, who, pounds, state, panel=(), award=None):
    """One application taken as far as ``state``; ``panel`` is the scores (user, score,
    reason) it gets under review; ``award`` the terms when it is awarded."""
    today = timezone.localdate()
    application = services.start_application(
        programme,
        organisation=org,
        by=by,
        title=title,
        description=what,
        who_benefits=who,
        amount_pence=pounds * 100,
        needed_by=today + timedelta(days=45),
    )
    if state == Application.State.DRAFT:
        return application
    services.submit_application(application, by=by)
    if state == Application.State.WITHDRAWN:
        return services.withdraw_application(application, by=by)
    if state == Application.State.SUBMITTED:
        return application
    officer = programme.created_by
    services.start_review(application, by=officer)
    for user, score, reason in panel:
        member = PanelMember.objects.get(programme=programme, user=user)
        services.record_score(application, member=member, score=score, reason=reason)
    if state == Application.State.UNDER_REVIEW:
        return application
    awarded = state == Application.State.AWARDED
    services.decide(
        application,
        by=officer,
        awarded=awarded,
        reason=(
            "The panel backed it: it reaches people the practices find hard to reach."
            if awarded
            else "The panel scored it below the pass mark: a street party is welcome, "
            "but other bids reach more people who are alone."
        )
        if programme.by_panel
        else "Meets the criteria and is good value.",
        terms=award,
    )
    return application


def _terms(pounds: int, *, awarded_on, months: int = 12, matches=None, services_=(), cond=""):
    return services.AwardTerms(
        amount_pence=pounds * 100,
        awarded_on=awarded_on,
        starts_on=awarded_on,
        ends_on=awarded_on + timedelta(days=30 * months),
        conditions=cond,
        matches=matches,
        services=tuple(services_),
    )


def _service(org: Organisation, name: str):
    return [s for s in org.services.all() if s.name == name]


def _council(place, council: Funder) -> Award | None:
    if Programme.objects.filter(slug=COUNCIL_CHEST).exists():
        return Award.objects.filter(application__programme__slug=COUNCIL_CHEST).first()
    admin = place.users["admin"]
    today = timezone.localdate()
    chest = services.create_programme(
        council,
        by=admin,
        slug=COUNCIL_CHEST,
        title="Wellbrook Community Chest",
        criteria="Practical help with food, warmth and getting about, run by local groups.",
        budget_pence=60_000 * 100,
        max_award_pence=None,
        opens_on=today - timedelta(days=200),
        closes_on=today + timedelta(days=90),
        decided_by=Programme.DecidedBy.OFFICERS,
    )
    Programme.objects.filter(pk=chest.pk).update(is_demo=True)
    centre = _org(place, "riverside-community-centre")
    pantry = _apply(
        chest,
        centre,
        by=admin,
        title="Food pantry: a year's running costs",
        what="Rent of the store room, a van twice a week and cleaning for the food pantry.",
        who="About 120 households a week in Riverside, many referred by the practices.",
        pounds=8_000,
        state=Application.State.AWARDED,
        award=_terms(
            8_000,
            awarded_on=today - timedelta(days=150),
            services_=_service(centre, "Food pantry"),
            cond="Quarterly figures of households helped; the council's logo on the door.",
        ),
    )
    return Award.objects.get(application=pantry)


def _pcn(place, pcn: Funder, council_award: Award | None) -> None:
    if Programme.objects.filter(slug=PCN_GRANTS).exists():
        return
    users = place.users
    connector, member, lead, volunteer = (
        users["connector"],
        users["member"],
        users["arealead"],
        users["volunteer"],
    )
    today = timezone.localdate()
    grants = services.create_programme(
        pcn,
        by=connector,
        slug=PCN_GRANTS,
        title="Keeping Wellbrook Well: small grants",
        criteria=(
            "Up to £5,000 for community groups that help people stay connected, active and "
            "in control of their health. Small groups without a bank account can apply with "
            "the CVS as their host. Decided by a panel of residents."
        ),
        budget_pence=40_000 * 100,
        max_award_pence=5_000 * 100,
        opens_on=today - timedelta(days=60),
        closes_on=today + timedelta(days=30),
        decided_by=Programme.DecidedBy.PANEL,
        pass_mark=6,
    )
    Programme.objects.filter(pk=grants.pk).update(is_demo=True)
    for user, resident in ((member, True), (volunteer, True), (lead, False)):
        services.add_panel_member(grants, user=user, is_resident=resident, by=connector)
    aid = place.organisations["wellbrook-mutual-aid"]
    coordinator = users["coordinator"]
    centre = _org(place, "riverside-community-centre")
    _apply(
        grants,
        centre,
        by=connector,
        title="A fridge and freezer for the pantry",
        what="Fresh and frozen food, not just tins, matching the council's running costs.",
        who="The pantry's 120 households a week.",
        pounds=3_200,
        state=Application.State.AWARDED,
        panel=[
            (member, 8, "Fresh food matters: people tell us they only get tins."),
            (volunteer, 9, "I deliver for the pantry: this is what it needs."),
            (lead, 7, "Good value, and the council pays the running costs."),
        ],
        award=_terms(
            3_200,
            awarded_on=today - timedelta(days=20),
            matches=council_award,
            services_=_service(centre, "Food pantry"),
            cond="Receipts for the fridge and freezer within three months.",
        ),
    )
    calls = _apply(
        grants,
        aid,
        by=coordinator,
        title="Friendly phone calls: training and phones",
        what="Training for twelve new callers and two pay-as-you-go phones for the rota.",
        who="People living alone who would like a weekly call; about 40 now, 60 by summer.",
        pounds=2_500,
        state=Application.State.AWARDED,
        panel=[
            (member, 9, "A weekly call kept me going. More callers, more people reached."),
            (volunteer, 7, "Training matters for hard calls."),
            (lead, 8, "Clear plan and the group reports well."),
        ],
        award=_terms(
            2_500,
            awarded_on=today - timedelta(days=15),
            services_=_service(aid, "Friendly phone calls"),
        ),
    )
    award = Award.objects.get(application=calls)
    services.record_disbursement(
        award,
        amount_pence=1_250 * 100,
        paid_on=today - timedelta(days=10),
        note="First half",
        by=connector,
    )
    services.add_report_due(
        award, title="Six-month report", due_on=today + timedelta(days=10), by=connector
    )
    _apply(
        grants,
        _org(place, "northgate-street-champions"),
        by=connector,
        title="Street party for the jubilee",
        what="Tables, a gazebo and food for a street party on Northgate Road.",
        who="Neighbours on six streets.",
        pounds=1_800,
        state=Application.State.DECLINED,
        panel=[
            (member, 5, "Nice, but not many people who are alone would come."),
            (volunteer, 4, "Could be paid for by the council's events fund."),
            (lead, 6, "Brings people together, but a one-off."),
        ],
    )
    _apply(
        grants,
        _org(place, "st-marks-church"),
        by=connector,
        title="Lifts to the lunch club",
        what="A volunteer driver scheme so people who cannot walk there can come to lunch.",
        who="About 15 older people a week.",
        pounds=2_000,
        state=Application.State.UNDER_REVIEW,
        panel=[(member, 8, "Transport is what stops people coming.")],
    )
    _apply(
        grants,
        _org(place, "northgate-hub"),
        by=connector,
        title="Laptops for the digital drop-in",
        what="Six refurbished laptops people can learn on, and borrow.",
        who="Anyone who wants to get online, many sent by the practice for the NHS App.",
        pounds=1_500,
        state=Application.State.SUBMITTED,
    )
    _apply(
        grants,
        _org(place, "brook-bikes-cic"),
        by=connector,
        title="A second cargo bike for prescriptions",
        what="A cargo bike and its insurance, to double medicine deliveries.",
        who="Housebound patients of both practices.",
        pounds=4_500,
        state=Application.State.DRAFT,
    )
    _apply(
        grants,
        aid,
        by=coordinator,
        title="Minibus hire for outings",
        what="Hire of a minibus for monthly outings.",
        who="Members of the walking group who cannot walk far.",
        pounds=1_200,
        state=Application.State.WITHDRAWN,
    )


def _winter(place, pcn: Funder) -> None:
    """Last year's winter grants: awarded in the previous financial year, so the share page
    has a trend. Run while open, then dated back."""
    if Programme.objects.filter(slug=PCN_WINTER).exists():
        return
    connector = place.users["connector"]
    today = timezone.localdate()
    last_year = money.financial_year(today) - 1
    opens, closes = money.financial_year_bounds(last_year)
    winter = services.create_programme(
        pcn,
        by=connector,
        slug=PCN_WINTER,
        title=f"Winter wellbeing grants {money.financial_year_label(last_year)}",
        criteria="Warm spaces and winter check-ins.",
        budget_pence=20_000 * 100,
        max_award_pence=None,
        opens_on=today,
        closes_on=today,
        decided_by=Programme.DecidedBy.OFFICERS,
    )
    for slug, title, pounds in (
        ("riverside-community-centre", "Warm space and café, winter opening", 6_000),
        ("wellbrook-mutual-aid", "Winter check-in calls", 3_500),
        ("age-concern-wellbrook", "Warm packs and visits", 4_500),
    ):
        _apply(
            winter,
            _org(place, slug),
            by=connector,
            title=title,
            what=title,
            who="Older people and families in cold homes.",
            pounds=pounds,
            state=Application.State.AWARDED,
            award=_terms(pounds, awarded_on=opens.replace(month=11), months=4),
        )
    Programme.objects.filter(pk=winter.pk).update(
        opens_on=opens.replace(month=10), closes_on=opens.replace(month=10, day=31), is_demo=True
    )


def _budgets(pcn: Funder, connector) -> None:
    this_year = money.financial_year(timezone.localdate())
    for year, budget in (
        (this_year - 2, 1_800_000),
        (this_year - 1, 1_850_000),
        (this_year, 1_900_000),
    ):
        if not CommunityInvestment.objects.filter(funder=pcn, year=year).exists():
            found = services.set_investment(
                pcn, year=year, budget_pence=budget * 100, target_basis_points=100, by=connector
            )
            CommunityInvestment.objects.filter(pk=found.pk).update(is_demo=True)


def load(place) -> None:
    orgs = place.organisations
    pcn = _funder(orgs["wellbrook-pcn"], prefix="wbpcn", identifier="GB-NHS-UWB001")
    council = _funder(orgs["wellbrook-borough-council"], prefix="wbbc", identifier="GB-LAE-WBC")
    council_award = _council(place, council)
    _pcn(place, pcn, council_award)
    _winter(place, pcn)
    _budgets(pcn, place.users["connector"])
    Application.objects.filter(programme__is_demo=True).update(is_demo=True)
    Award.objects.filter(application__is_demo=True).update(is_demo=True)
