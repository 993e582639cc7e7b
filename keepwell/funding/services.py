"""Funding's use cases: every write to a grant goes through here, in one transaction.

Grants are about organisations, not people, so these writes leave no audit rows: each row
keeps who acted and when itself (an application's ``filled_by``, a decision's
``decided_by``, a payment's ``recorded_by``), and nothing here reads a person's record.

A refusal (an amount over the budget, a payment beyond the award) raises
:class:`FundingError` with the reason in words and the form field it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from keepwell.accounts.models import Role
from keepwell.directory.models import Organisation
from keepwell.funding import money
from keepwell.funding.models import (
    Application,
    Award,
    CommunityInvestment,
    Decision,
    Disbursement,
    Funder,
    PanelMember,
    Programme,
    ReportDue,
    Score,
)

# Who acts for an organisation in funding: its coordinators and NHS connectors (a funder's
# officers, or the group applying). Area leads run a group's work too, so they may apply.
OFFICER_ROLES = (Role.COORDINATOR, Role.NHS_CONNECTOR)
APPLICANT_ROLES = (Role.COORDINATOR, Role.AREA_LEAD, Role.NHS_CONNECTOR)
REMIND_DAYS_BEFORE = 14


class FundingError(Exception):
    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


# --- who may act ---------------------------------------------------------------------------


def is_officer(user, funder: Funder) -> bool:
    """A funder's officers: platform admins, and its organisation's coordinators and NHS
    connectors. A funder known only by name has no officers but the admins."""
    if not user.is_authenticated:
        return False
    if user.is_platform_admin:
        return True
    return funder.organisation_id in user.organisation_ids(*OFFICER_ROLES)


def funders_of(user):
    """The funders this user is an officer of."""
    if not user.is_authenticated:
        return Funder.objects.none()
    funders = Funder.objects.select_related("organisation")
    if user.is_platform_admin:
        return funders
    return funders.filter(organisation_id__in=user.organisation_ids(*OFFICER_ROLES))


def acts_for_group(user, organisation_id: int) -> bool:
    return user.is_authenticated and organisation_id in user.organisation_ids(*APPLICANT_ROLES)


def panel_seat(user, programme: Programme) -> PanelMember | None:
    if not user.is_authenticated:
        return None
    return PanelMember.objects.filter(programme=programme, user=user).first()


def organisations_to_apply_for(user, programme: Programme):
    """Whom this user may fill the form for: their own groups, or, for the funder's officers
    (taking an application down on the phone), any community organisation."""
    community = Organisation.objects.community()
    if not user.is_authenticated:
        return community.none()
    if is_officer(user, programme.funder):
        return community
    return community.filter(pk__in=user.organisation_ids(*APPLICANT_ROLES))


# --- funders and programmes ----------------------------------------------------------------


@transaction.atomic
def create_funder(*, organisation: Organisation | None = None, name: str = "", **fields) -> Funder:
    funder = Funder(organisation=organisation, name=name, **fields)
    funder.full_clean()
    funder.save()
    return funder


def _unique_slug(title: str) -> str:
    base = slugify(title)[:180] or "programme"
    slug, n = base, 1
    while Programme.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_programme(funder: Funder, *, by, **fields) -> Programme:
    if fields["closes_on"] < fields["opens_on"]:
        raise FundingError("The closing date must be on or after the opening date", "closes_on")
    cap = fields.get("max_award_pence")
    if cap is not None and cap > fields["budget_pence"]:
        raise FundingError("The largest award cannot be more than the budget", "max_award_pence")
    programme = Programme(funder=funder, created_by=by, **fields)
    programme.slug = programme.slug or _unique_slug(programme.title)
    programme.save()
    return programme


@transaction.atomic
def add_panel_member(programme: Programme, *, user, is_resident: bool, by) -> PanelMember:
    if not programme.by_panel:
        raise FundingError("This programme is decided by officers: it has no panel")
    if PanelMember.objects.filter(programme=programme, user=user).exists():
        raise FundingError(f"{user} is already on the panel", "user")
    return PanelMember.objects.create(programme=programme, user=user, is_resident=is_resident)


# --- applications --------------------------------------------------------------------------


def _check_amount(programme: Programme, amount_pence: int) -> None:
    if amount_pence <= 0:
        raise FundingError("The amount must be more than £0", "amount")
    cap = programme.max_award_pence
    if cap is not None and amount_pence > cap:
        raise FundingError(
            f"The amount must be {money.pounds(cap)} or less for this programme", "amount"
        )


@transaction.atomic
def start_application(
    programme: Programme, *, organisation: Organisation, by, submit: bool = False, **fields
) -> Application:
    """A new application, filled in by the group itself or by someone on its behalf (which
    is recorded), kept as a draft or sent at once."""
    _check_amount(programme, fields["amount_pence"])
    application = Application.objects.create(
        programme=programme,
        organisation=organisation,
        filled_by=by,
        on_behalf=not acts_for_group(by, organisation.pk),
        **fields,
    )
    if submit:
        submit_application(application, by=by)
    return application


@transaction.atomic
def update_application(application: Application, *, by, submit: bool = False, **fields):
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.is_open_to_change:
        raise FundingError("Only a draft can be changed: this one has been sent")
    _check_amount(application.programme, fields["amount_pence"])
    for name, value in fields.items():
        setattr(application, name, value)
    application.save(update_fields=list(fields))
    if submit:
        submit_application(application, by=by)
    return application


def _move(application: Application, to: str, *, allowed: set[str], refusal: str) -> Application:
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.state not in allowed:
        raise FundingError(refusal)
    locked.state = to
    fields = ["state"]
    if to == Application.State.SUBMITTED:
        locked.submitted_at = timezone.now()
        fields.append("submitted_at")
    locked.save(update_fields=fields)
    application.state = locked.state
    application.submitted_at = locked.submitted_at
    return application


@transaction.atomic
def submit_application(application: Application, *, by) -> Application:
    today = timezone.localdate()
    if not application.programme.is_open(today):
        raise FundingError(
            f"{application.programme} takes applications from "
            f"{application.programme.opens_on:%-d %B %Y} to "
            f"{application.programme.closes_on:%-d %B %Y}"
        )
    return _move(
        application,
        Application.State.SUBMITTED,
        allowed={Application.State.DRAFT},
        refusal="Only a draft can be sent",
    )


@transaction.atomic
def withdraw_application(application: Application, *, by) -> Application:
    return _move(
        application,
        Application.State.WITHDRAWN,
        allowed={
            Application.State.DRAFT,
            Application.State.SUBMITTED,
            Application.State.UNDER_REVIEW,
        },
        refusal="A decided application cannot be withdrawn",
    )


@transaction.atomic
def start_review(application: Application, *, by) -> Application:
    return _move(
        application,
        Application.State.UNDER_REVIEW,
        allowed={Application.State.SUBMITTED},
        refusal="Only a sent application can be reviewed",
    )


@transaction.atomic
def record_score(
    application: Application, *, member: PanelMember, score: int, reason: str
) -> Score:
    """A panel member's score and reason; scoring again replaces their earlier one."""
    if application.state != Application.State.UNDER_REVIEW:
        raise FundingError("The panel scores applications while they are under review")
    if member.programme_id != application.programme_id:
        raise FundingError("Only this programme's panel scores its applications")
    if not 0 <= score <= 10:
        raise FundingError("Enter a score from 0 to 10", "score")
    found, _ = Score.objects.update_or_create(
        application=application,
        member=member,
        defaults={"score": score, "reason": reason, "at": timezone.now()},
    )
    return found


@dataclass(frozen=True)
class Tally:
    total: int
    count: int
    pass_mark: int

    @property
    def passes(self) -> bool:
        # mean >= pass mark, in integers: total / count >= pass_mark
        return self.count > 0 and self.total >= self.pass_mark * self.count


def tally(application: Application) -> Tally:
    found = application.scores.aggregate(total=Sum("score"))
    return Tally(
        total=found["total"] or 0,
        count=application.scores.count(),
        pass_mark=application.programme.pass_mark,
    )


@dataclass(frozen=True)
class AwardTerms:
    amount_pence: int
    awarded_on: date
    starts_on: date
    ends_on: date
    conditions: str = ""
    matches: Award | None = None
    services: tuple = ()


@transaction.atomic
def decide(
    application: Application,
    *,
    by,
    awarded: bool,
    reason: str,
    terms: AwardTerms | None = None,
) -> Decision:
    """Decide an application under review. A panel's decision follows its rule (the mean
    score against the pass mark): the officer records it and its terms, and cannot turn a
    panel's no into a yes or a yes into a no."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    programme = application.programme
    if application.state != Application.State.UNDER_REVIEW:
        raise FundingError("Only an application under review can be decided")
    counted = tally(application)
    if programme.by_panel:
        if counted.count == 0:
            raise FundingError("The panel has not scored this application yet")
        if awarded != counted.passes:
            raise FundingError(
                "The panel's scores decide this application: its mean score is "
                f"{'at or above' if counted.passes else 'below'} the pass mark of "
                f"{programme.pass_mark}, so it is {'awarded' if counted.passes else 'declined'}",
                "awarded",
            )
    decision = Decision.objects.create(
        application=application,
        awarded=awarded,
        by_panel=programme.by_panel,
        rule=programme.decision_rule,
        score_total=counted.total,
        scorers=counted.count,
        reason=reason,
        decided_by=by,
    )
    if awarded:
        if terms is None:
            raise FundingError("Enter the amount and dates of the award", "amount")
        _make_award(application, terms)
    application.state = Application.State.AWARDED if awarded else Application.State.DECLINED
    application.save(update_fields=["state"])
    return decision


def _make_award(application: Application, terms: AwardTerms) -> Award:
    programme = application.programme
    _check_amount(programme, terms.amount_pence)
    if terms.ends_on < terms.starts_on:
        raise FundingError("The award must end on or after the day it starts", "ends_on")
    # Locking the programme's row makes two officers awarding at once take turns, so the
    # budget is never spent twice.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    spent = Award.objects.filter(application__programme=programme).total_pence()
    left = programme.budget_pence - spent
    if terms.amount_pence > left:
        raise FundingError(
            f"The programme has {money.pounds(max(left, 0))} of its budget left", "amount"
        )
    if terms.matches is not None and terms.matches.funder.pk == programme.funder_id:
        raise FundingError("An award matches another funder's award, not its own", "matches")
    award = Award.objects.create(
        application=application,
        amount_pence=terms.amount_pence,
        conditions=terms.conditions,
        awarded_on=terms.awarded_on,
        starts_on=terms.starts_on,
        ends_on=terms.ends_on,
        matches=terms.matches,
    )
    award.services.set(terms.services)
    return award


# --- paying out and reporting back ---------------------------------------------------------


@transaction.atomic
def record_disbursement(award: Award, *, amount_pence: int, paid_on: date, note: str, by):
    award = Award.objects.select_for_update().get(pk=award.pk)
    paid = award.disbursements.aggregate(total=Sum("amount_pence"))["total"] or 0
    if amount_pence <= 0:
        raise FundingError("The amount must be more than £0", "amount")
    if paid + amount_pence > award.amount_pence:
        raise FundingError(
            f"That would pay more than the award: {money.pounds(award.amount_pence - paid)} "
            "is left to pay",
            "amount",
        )
    if paid_on < award.awarded_on:
        raise FundingError("A payment cannot be before the award was made", "paid_on")
    return Disbursement.objects.create(
        award=award, amount_pence=amount_pence, paid_on=paid_on, note=note, recorded_by=by
    )


@transaction.atomic
def add_report_due(award: Award, *, title: str, due_on: date, by) -> ReportDue:
    if due_on < award.awarded_on:
        raise FundingError("A report cannot be due before the award was made", "due_on")
    return ReportDue.objects.create(award=award, title=title, due_on=due_on)


@transaction.atomic
def mark_report_received(report: ReportDue, *, on: date, by) -> ReportDue:
    ReportDue.objects.filter(pk=report.pk, received_on__isnull=True).update(received_on=on)
    report.refresh_from_db()
    return report


def send_report_reminders(now: datetime | None = None) -> int:
    """Tell a group, once, that a report is due within a fortnight (or already late): a
    note in its coordinators' keepwell inbox with a link to the award."""
    from datetime import timedelta

    from keepwell.messaging import services as messaging
    from keepwell.messaging.models import Channel
    from keepwell.messaging.models import Purpose as MessagePurpose

    now = now or timezone.now()
    horizon = timezone.localtime(now).date() + timedelta(days=REMIND_DAYS_BEFORE)
    due = ReportDue.objects.filter(
        received_on__isnull=True, reminded_at__isnull=True, due_on__lte=horizon
    ).select_related("award__application__organisation", "award__application__programme")
    site = settings.SITE_URL.rstrip("/")
    sent = 0
    for report in due:
        application = report.award.application
        # Durable: each claim and its message commit on their own, so a reminder once
        # written is never rolled back (and sent twice) with a caller's transaction.
        with transaction.atomic(durable=True):
            claimed = ReportDue.objects.filter(pk=report.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            url = reverse("funding:award", args=[report.award_id])
            messaging.send(
                event=f"grant_report_due:{report.pk}",
                kind="grant_report_due",
                to=[
                    messaging.To(
                        organisation_id=application.organisation_id, audience="coordinators"
                    )
                ],
                purpose=MessagePurpose.WORK,
                context={
                    "report": report.title,
                    "programme": application.programme.title,
                    "date": f"{report.due_on:%-d %B %Y}",
                    "url": site + url,
                },
                about=("grant_award", report.award_id),
                url=url,
                channels=[Channel.INBOX],
            )
            sent += 1
    return sent


# --- the share invested in the community ----------------------------------------------------


@transaction.atomic
def set_investment(
    funder: Funder, *, year: int, budget_pence: int, target_basis_points: int, by
) -> CommunityInvestment:
    if budget_pence <= 0:
        raise FundingError("The budget must be more than £0", "budget")
    if not 0 < target_basis_points <= 10_000:
        raise FundingError("The target must be more than 0% and at most 100%", "target")
    found, _ = CommunityInvestment.objects.update_or_create(
        funder=funder,
        year=year,
        defaults={"budget_pence": budget_pence, "target_basis_points": target_basis_points},
    )
    return found
