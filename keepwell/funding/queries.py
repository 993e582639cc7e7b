"""Funding's reads: what a programme attracted, the share each NHS body invested, and what
a funder's dashboard counts. Figures in pence, worked out exactly (see ``money``)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Sum

from keepwell.directory.models import Organisation
from keepwell.funding import money
from keepwell.funding.models import Application, Award, CommunityInvestment, Funder, Programme


@dataclass(frozen=True)
class Matching:
    """A programme's own awards, and what other funders put in to match them."""

    own_pence: int
    attracted_pence: int

    @property
    def ratio(self) -> Fraction | None:
        return money.attracted_per_pound(self.own_pence, self.attracted_pence)

    @property
    def per_pound(self) -> str:
        """'£0.80': what each £1 of the programme's own attracted."""
        ratio = self.ratio
        return "" if ratio is None else money.pounds(money.pence_per_pound(ratio))

    @property
    def own(self) -> str:
        return money.pounds(self.own_pence)

    @property
    def attracted(self) -> str:
        return money.pounds(self.attracted_pence)


def matching(programme: Programme) -> Matching:
    own = Award.objects.filter(application__programme=programme)
    attracted = Award.objects.filter(matches__application__programme=programme)
    return Matching(own_pence=own.total_pence(), attracted_pence=attracted.total_pence())


def community_awards():
    """Awards to community organisations: not to a practice, a PCN, an ICS or a council."""
    return Award.objects.filter(
        application__organisation__in=Organisation.objects.community().values("pk")
    )


@dataclass(frozen=True)
class ShareYear:
    year: int
    budget_pence: int
    awarded_pence: int
    target_basis_points: int

    @property
    def label(self) -> str:
        return money.financial_year_label(self.year)

    @property
    def share_basis_points(self) -> int:
        return money.share_basis_points(self.awarded_pence, self.budget_pence) or 0

    @property
    def share(self) -> str:
        return money.percent(self.share_basis_points)

    @property
    def target(self) -> str:
        return money.percent(self.target_basis_points)

    @property
    def met(self) -> bool:
        # Compared exactly, not on the rounded percentage.
        return self.awarded_pence * 10_000 >= self.target_basis_points * self.budget_pence

    @property
    def budget(self) -> str:
        return money.pounds(self.budget_pence)

    @property
    def awarded(self) -> str:
        return money.pounds(self.awarded_pence)


@dataclass(frozen=True)
class Share:
    funder: Funder
    years: list[ShareYear]


def shares() -> list[Share]:
    """Per NHS body that set a budget, each financial year: its budget, what it awarded to
    community organisations that year (by award date, April to March), against its target."""
    investments = list(CommunityInvestment.objects.select_related("funder__organisation"))
    awarded: dict[tuple[int, int], int] = {}
    rows = (
        community_awards()
        .values("application__programme__funder_id", "awarded_on")
        .annotate(total=Sum("amount_pence"))
    )
    for row in rows:
        key = (row["application__programme__funder_id"], money.financial_year(row["awarded_on"]))
        awarded[key] = awarded.get(key, 0) + row["total"]
    by_funder: dict[int, Share] = {}
    for investment in investments:
        share = by_funder.setdefault(
            investment.funder_id, Share(funder=investment.funder, years=[])
        )
        share.years.append(
            ShareYear(
                year=investment.year,
                budget_pence=investment.budget_pence,
                awarded_pence=awarded.get((investment.funder_id, investment.year), 0),
                target_basis_points=investment.target_basis_points,
            )
        )
    return sorted(by_funder.values(), key=lambda s: s.funder.display_name)


@dataclass(frozen=True)
class ProgrammeSummary:
    programme: Programme
    by_state: dict[str, int]
    awarded_pence: int
    paid_pence: int
    matching: Matching

    @property
    def awarded(self) -> str:
        return money.pounds(self.awarded_pence)

    @property
    def paid(self) -> str:
        return money.pounds(self.paid_pence)

    @property
    def left(self) -> str:
        return money.pounds(self.programme.budget_pence - self.awarded_pence)


def dashboard(funder: Funder) -> list[ProgrammeSummary]:
    """Each of a funder's programmes: applications in each state, money awarded, paid and
    left, and what it attracted. A fixed number of queries however many programmes."""
    programmes = list(funder.programmes.all())
    states = Application.objects.filter(programme__funder=funder).values("programme_id", "state")
    counts: dict[int, dict[str, int]] = {}
    for row in states.annotate(n=Count("pk")):
        counts.setdefault(row["programme_id"], {})[row["state"]] = row["n"]
    money_rows = (
        Award.objects.filter(application__programme__funder=funder)
        .values("application__programme_id")
        .annotate(awarded=Sum("amount_pence"))
    )
    awarded = {r["application__programme_id"]: r["awarded"] for r in money_rows}
    paid_rows = (
        Award.objects.filter(application__programme__funder=funder)
        .values("application__programme_id")
        .annotate(paid=Sum("disbursements__amount_pence"))
    )
    paid = {r["application__programme_id"]: r["paid"] or 0 for r in paid_rows}
    attracted_rows = (
        Award.objects.filter(matches__application__programme__funder=funder)
        .values("matches__application__programme_id")
        .annotate(total=Sum("amount_pence"))
    )
    attracted = {r["matches__application__programme_id"]: r["total"] for r in attracted_rows}
    return [
        ProgrammeSummary(
            programme=p,
            by_state={
                label: counts.get(p.pk, {}).get(value, 0)
                for value, label in Application.State.choices
            },
            awarded_pence=awarded.get(p.pk, 0),
            paid_pence=paid.get(p.pk, 0),
            matching=Matching(
                own_pence=awarded.get(p.pk, 0), attracted_pence=attracted.get(p.pk, 0)
            ),
        )
        for p in programmes
    ]


def reports_waiting(funder: Funder):
    from keepwell.funding.models import ReportDue

    return (
        ReportDue.objects.filter(award__application__programme__funder=funder, received_on=None)
        .select_related("award__application__organisation")
        .order_by("due_on")
    )


def awards_public():
    """Every award, for the public list and 360Giving: awards are public."""
    return Award.objects.for_listing().annotate(paid_pence=Sum("disbursements__amount_pence"))
