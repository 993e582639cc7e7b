"""Outcomes use cases: start a plan, record answers (online or given by phone), follow up,
and read change for one person or a cohort. Writes go through here, in one transaction,
with the audit log.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Sum,
    When,
)
from django.utils import timezone

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.core import csvio
from keepwell.directory.models import Service
from keepwell.outcomes.models import (
    Answer,
    FollowUp,
    Measure,
    OutcomePlan,
    Question,
    Response,
    Scoring,
    timepoint_label,
)
from keepwell.people import services as people_services
from keepwell.people.models import Consent, Person
from keepwell.places.models import Area


class InvalidAnswers(Exception):
    """Answers that do not fit the measure; ``errors`` maps item code → message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def followup_weeks() -> list[int]:
    """KEEPWELL_OUTCOME_FOLLOWUP_WEEKS, "8,26" by default: 8 weeks and 6 months."""
    raw = getattr(settings, "KEEPWELL_OUTCOME_FOLLOWUP_WEEKS", "8,26")
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    try:
        weeks = sorted({int(str(part).strip()) for part in parts if str(part).strip()})
    except ValueError:
        raise ImproperlyConfigured(
            f"KEEPWELL_OUTCOME_FOLLOWUP_WEEKS must be whole weeks like '8,26', not {raw!r}"
        ) from None
    if any(w <= 0 for w in weeks):
        raise ImproperlyConfigured("KEEPWELL_OUTCOME_FOLLOWUP_WEEKS must be positive weeks")
    return weeks


def min_cohort() -> int:
    """Groups smaller than this show their size but not their change (small numbers)."""
    return int(getattr(settings, "KEEPWELL_OUTCOMES_MIN_COHORT", 5))


def measures_with_questions() -> list[Measure]:
    """Every measure with its current questions in order (two queries)."""
    found = list(Measure.objects.all())
    questions = Question.objects.current().order_by("measure_id", "order")
    by_measure: dict[int, list[Question]] = {}
    for question in questions:
        by_measure.setdefault(question.measure_id, []).append(question)
    for measure in found:
        measure.current_questions = by_measure.get(measure.pk, [])
    return found


def has_outcomes_consent(person: Person) -> bool:
    return people_services.has_consent(person, Consent.Purpose.OUTCOMES)


# --- Plans and follow-ups -----------------------------------------------------------------


@transaction.atomic
def start_plan(
    person: Person,
    *,
    by,
    referral=None,
    service: Service | None = None,
    organisation=None,
    started_at: datetime | None = None,
) -> OutcomePlan:
    """The plan for this referral (made once), or a new plan without one, with follow-ups."""
    if referral is not None:
        existing = OutcomePlan.objects.filter(referral=referral).first()
        if existing is not None:
            return existing
        service = service or referral.service
        organisation = organisation or referral.to_organisation
    started_at = started_at or timezone.now()
    plan = OutcomePlan.objects.create(
        person=person,
        referral=referral,
        service=service,
        organisation=organisation,
        started_at=started_at,
        created_by=audit.acting_user(by),
    )
    start_day = timezone.localtime(started_at).date()
    FollowUp.objects.bulk_create(
        FollowUp(plan=plan, weeks=weeks, due_on=start_day + timedelta(weeks=weeks))
        for weeks in followup_weeks()
    )
    return plan


def timepoints_for(plan: OutcomePlan | None) -> list[tuple[int, str]]:
    weeks = [0] + (
        list(plan.follow_ups.values_list("weeks", flat=True)) if plan else followup_weeks()
    )
    return [(w, timepoint_label(w)) for w in sorted(set(weeks))]


# --- Recording answers --------------------------------------------------------------------


def _check(measure: Measure, questions: list[Question], answers: Mapping[str, int]) -> None:
    errors = {}
    for question in questions:
        value = answers.get(question.item)
        if value is None:
            errors[question.item] = f"Answer “{question.wording}”"
            continue
        allowed = {v for v, _ in question.answer_choices()}
        if value not in allowed:
            errors[question.item] = (
                f"{question.label}: choose from {question.min_value} to {question.max_value}"
            )
    unknown = set(answers) - {q.item for q in questions}
    for item in sorted(unknown):
        errors[item] = f"{measure.name} has no question {item!r}"
    if errors:
        raise InvalidAnswers(errors)


@transaction.atomic
def record_response(
    plan: OutcomePlan,
    measure: Measure,
    answers: Mapping[str, int],
    *,
    by,
    how: str,
    weeks: int = 0,
    answered_at: datetime | None = None,
    questions: list[Question] | None = None,
) -> Response:
    """One measure answered at one time point, in the wording current now."""
    if questions is None:
        questions = list(Question.objects.filter(measure=measure, version=measure.version))
    _check(measure, questions, answers)
    if Response.objects.filter(plan=plan, measure=measure, weeks=weeks).exists():
        raise InvalidAnswers(
            {"weeks": f"{measure.name} was already answered at {timepoint_label(weeks)}"}
        )
    person = plan.person
    values = {q.item: int(answers[q.item]) for q in questions}
    total = sum(values.values()) if measure.scoring == Scoring.SUM else None
    baseline: dict[str, int] = {}
    baseline_total = None
    if weeks:
        start = Response.objects.filter(plan=plan, measure=measure, weeks=0).first()
        if start is not None:
            baseline = dict(start.answers.values_list("item", "value"))
            baseline_total = start.total
    response = Response.objects.create(
        plan=plan,
        measure=measure,
        version=measure.version,
        weeks=weeks,
        answered_at=answered_at or timezone.now(),
        how=how,
        recorded_by=audit.acting_user(by),
        total=total,
        baseline_total=baseline_total,
        person=person,
        service=plan.service,
        area_id=person.area_id,
    )
    Answer.objects.bulk_create(
        Answer(
            response=response,
            question=question,
            value=values[question.item],
            baseline=baseline.get(question.item),
            item=question.item,
            lower_is_better=question.lower_is_better,
            plan=plan,
            measure=measure,
            weeks=weeks,
            service=plan.service,
            area_id=person.area_id,
        )
        for question in questions
    )
    if not weeks:
        _set_baselines(plan, measure, values, total)
    audit.record(
        by,
        Action.CREATE,
        response,
        person_id=person.pk,
        purpose=Purpose.OUTCOMES,
        summary=f"Recorded {measure.name} at {timepoint_label(weeks)} ({how})",
    )
    return response


def _set_baselines(plan: OutcomePlan, measure: Measure, values: dict[str, int], total) -> None:
    """The start was answered after a follow-up (entered late): give the follow-ups their
    baseline now."""
    later = Response.objects.filter(plan=plan, measure=measure, weeks__gt=0)
    if not later.exists():
        return
    later.update(baseline_total=total)
    for item, value in values.items():
        Answer.objects.filter(plan=plan, measure=measure, item=item, weeks__gt=0).update(
            baseline=value
        )


@transaction.atomic
def record_answers(
    person: Person,
    answers_by_measure: Mapping[str, Mapping[str, int]],
    *,
    by,
    how: str,
    weeks: int = 0,
    plan: OutcomePlan | None = None,
    referral=None,
    consent_how: str | None = None,
    answered_at: datetime | None = None,
) -> list[Response]:
    """Record one sitting: several measures at one time point, for one person.

    Without consent to answer wellbeing questions on record, ``consent_how`` must say how it
    was given now (a coordinator asks on the phone before the first question).
    """
    if not has_outcomes_consent(person):
        if not consent_how:
            raise InvalidAnswers({"consent": "They have not agreed to answer these questions"})
        people_services.record_consent(
            person,
            by=by,
            purpose=Consent.Purpose.OUTCOMES,
            lawful_basis=Consent.LawfulBasis.CONSENT,
            how=consent_how,
            notes="Answering wellbeing questions to learn what works",
        )
    if plan is None:
        plan = start_plan(
            person,
            by=by,
            referral=referral,
            organisation=None if referral else _first_organisation(by),
        )
    measures = {m.code: m for m in measures_with_questions()}
    responses = []
    for code, answers in answers_by_measure.items():
        measure = measures.get(code)
        if measure is None:
            raise InvalidAnswers({code: f"No measure {code!r}"})
        responses.append(
            record_response(
                plan,
                measure,
                answers,
                by=by,
                how=how,
                weeks=weeks,
                answered_at=answered_at,
                questions=measure.current_questions,
            )
        )
    return responses


def _first_organisation(user):
    if not getattr(user, "is_authenticated", False):
        return None
    from keepwell.directory.models import Organisation

    ids = sorted(user.organisation_ids())
    return Organisation.objects.filter(pk=ids[0]).first() if ids else None


# --- One person's trend -------------------------------------------------------------------


@dataclass
class TrendRow:
    label: str
    lower_is_better: bool
    values: list[int | None]
    points: str = ""  # SVG polyline points


@dataclass
class Trend:
    measure: Measure
    columns: list[str]
    rows: list[TrendRow]
    low: int
    high: int
    dates: list[datetime] = field(default_factory=list)
    ticks: list[tuple[int, int]] = field(default_factory=list)  # (value, y)
    xs: list[tuple[str, int]] = field(default_factory=list)  # (label, x)


CHART_W, CHART_H, PAD_X, PAD_Y = 480, 200, 40, 20


def person_trend(person: Person, *, by, purpose: str | None = None) -> list[Trend]:
    """Each measure's answers over time, ready for a table and a small line chart.

    Audited as read for ``purpose``; by default the person's own access to their record
    when they read their own answers, and measuring outcomes when anyone else does."""
    if purpose is None:
        own = person.user_id is not None and person.user_id == getattr(by, "pk", None)
        purpose = Purpose.SUBJECT_ACCESS if own else Purpose.OUTCOMES
    responses = list(
        Response.objects.filter(person=person)
        .select_related("measure")
        .prefetch_related("answers__question")
        .order_by("measure__order", "answered_at", "id")
    )
    audit.record(
        by,
        Action.READ,
        person,
        purpose=purpose,
        summary=f"Read outcomes ({len(responses)} answers sets)",
    )
    by_measure: dict[int, list[Response]] = {}
    for response in responses:
        by_measure.setdefault(response.measure_id, []).append(response)
    trends = []
    for group in by_measure.values():
        measure = group[0].measure
        columns = [f"{r.timepoint} ({timezone.localtime(r.answered_at):%d %b %Y})" for r in group]
        if measure.scoring == Scoring.SUM:
            rows = [TrendRow("Total", measure.total_lower_is_better, [r.total for r in group])]
            low, high = measure.total_min or 0, measure.total_max or 10
        else:
            labels: dict[str, tuple[str, bool, int, int]] = {}
            for response in group:
                for answer in response.answers.all():
                    q = answer.question
                    labels.setdefault(
                        answer.item, (q.label, q.lower_is_better, q.min_value, q.max_value)
                    )
            rows = []
            low, high = 0, 10
            for item, (label, lower, qmin, qmax) in labels.items():
                low, high = qmin, qmax
                values = []
                for response in group:
                    found = [a.value for a in response.answers.all() if a.item == item]
                    values.append(found[0] if found else None)
                rows.append(TrendRow(label, lower, values))
        trend = Trend(measure, columns, rows, low, high, [r.answered_at for r in group])
        _chart(trend)
        trends.append(trend)
    return trends


def _chart(trend: Trend) -> None:
    count = len(trend.columns)
    span = max(trend.high - trend.low, 1)

    def x(i: int) -> int:
        if count == 1:
            return PAD_X + (CHART_W - 2 * PAD_X) // 2
        return PAD_X + i * (CHART_W - 2 * PAD_X) // (count - 1)

    def y(value: int) -> int:
        return PAD_Y + (trend.high - value) * (CHART_H - 2 * PAD_Y) // span

    for row in trend.rows:
        row.points = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(row.values) if v is not None)
    step = 1 if span <= 6 else 2
    trend.ticks = [(v, y(v)) for v in range(trend.low, trend.high + 1, step)]
    trend.xs = [(label.split(" (")[0], x(i)) for i, label in enumerate(trend.columns)]


# --- Cohorts: change per service or area ---------------------------------------------------


@dataclass
class CohortRow:
    group_id: int | None
    group: str
    measure: str
    measure_name: str
    item: str
    label: str
    lower_is_better: bool
    n: int
    mean_before: float | None
    mean_after: float | None
    mean_change: float | None
    improved: int
    suppressed: bool = False

    @property
    def share_improved(self) -> float | None:
        if self.suppressed or not self.n:
            return None
        return self.improved / self.n


GROUPS = {"service": "service_id", "area": "area_id", "all": None}


def _improved_case(value: str, baseline: str):
    return Sum(
        Case(
            When(lower_is_better=False, **{f"{value}__gt": F(baseline)}, then=1),
            When(lower_is_better=True, **{f"{value}__lt": F(baseline)}, then=1),
            default=0,
            output_field=IntegerField(),
        )
    )


def cohort(
    weeks: int, group_by: str = "service", measure_codes: Iterable[str] | None = None
) -> list[CohortRow]:
    """Change from the start to ``weeks`` per group: mean change, share improved, and n.

    ``group_by`` is "service", "area" or "all". Only people answered at both the start and
    ``weeks`` count. "Improved" respects the direction of each question (for anxiety and
    loneliness a lower answer is better). The grouping happens in the database, so the
    number of queries is the same for fifty answers or fifty thousand.
    """
    group_field = GROUPS[group_by]
    group_fields = [group_field] if group_field else []
    measures = list(Measure.objects.all())
    wanted = [m for m in measures if measure_codes is None or m.code in set(measure_codes)]
    item_ids = [m.pk for m in wanted if m.scoring == Scoring.ITEMS]
    sum_ids = [m.pk for m in wanted if m.scoring == Scoring.SUM]
    raw: list[dict] = []
    if item_ids:
        raw += list(
            Answer.objects.filter(measure_id__in=item_ids, weeks=weeks, baseline__isnull=False)
            .values(*group_fields, "measure_id", "item", "lower_is_better")
            .annotate(
                n=Count("id"),
                mean_before=Avg("baseline"),
                mean_after=Avg("value"),
                improved=_improved_case("value", "baseline"),
            )
            .order_by()
        )
    if sum_ids:
        rows = (
            Response.objects.filter(
                measure_id__in=sum_ids, weeks=weeks, baseline_total__isnull=False
            )
            .annotate(lower_is_better=F("measure__total_lower_is_better"))
            .values(*group_fields, "measure_id", "lower_is_better")
            .annotate(
                n=Count("id"),
                mean_before=Avg("baseline_total"),
                mean_after=Avg("total"),
                improved=_improved_case("total", "baseline_total"),
            )
            .order_by()
        )
        raw += [{**row, "item": "total"} for row in rows]
    names = _group_names(group_by, {row[group_field] for row in raw} if group_field else set())
    questions = {
        (q.measure_id, q.item): (q.order, q.label)
        for q in Question.objects.filter(measure__in=wanted).only(
            "measure_id", "item", "label", "order"
        )
    }
    by_id = {m.pk: m for m in wanted}
    smallest = min_cohort()
    result = []
    for row in raw:
        measure = by_id[row["measure_id"]]
        n = row["n"]
        suppressed = n < smallest
        before, after = row["mean_before"], row["mean_after"]
        group_id = row[group_field] if group_field else None
        group = "Everyone" if group_field is None else names.get(group_id, "Not recorded")
        result.append(
            CohortRow(
                group_id=group_id,
                group=group,
                measure=measure.code,
                measure_name=measure.name,
                item=row["item"],
                label=questions.get((measure.pk, row["item"]), (0, "Total score"))[1],
                lower_is_better=bool(row["lower_is_better"]),
                n=n,
                mean_before=None if suppressed else _round(before),
                mean_after=None if suppressed else _round(after),
                mean_change=None if suppressed else _round(float(after) - float(before)),
                improved=0 if suppressed else row["improved"],
                suppressed=suppressed,
            )
        )
    measure_order = {m.pk: (m.order, m.code) for m in wanted}
    code_to_pk = {m.code: m.pk for m in wanted}
    result.sort(
        key=lambda r: (
            r.group == "Not recorded",
            r.group,
            measure_order[code_to_pk[r.measure]],
            questions.get((code_to_pk[r.measure], r.item), (0, ""))[0],
        )
    )
    return result


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)


def _group_names(group_by: str, ids: set) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    model = Service if group_by == "service" else Area
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def cohort_csv(rows: list[CohortRow], *, weeks: int, group_by: str) -> str:
    out = io.StringIO()
    writer = csvio.Writer(out)
    writer.writerow(
        [
            group_by,
            "measure",
            "question",
            "timepoint",
            "n",
            "mean_at_start",
            "mean_at_timepoint",
            "mean_change",
            "improved",
            "share_improved",
            "lower_is_better",
        ]
    )
    for row in rows:
        share = row.share_improved
        writer.writerow(
            [
                row.group,
                row.measure,
                row.label,
                timepoint_label(weeks),
                row.n,
                "" if row.mean_before is None else row.mean_before,
                "" if row.mean_after is None else row.mean_after,
                "" if row.mean_change is None else row.mean_change,
                "" if row.suppressed else row.improved,
                "" if share is None else f"{share:.3f}",
                "yes" if row.lower_is_better else "no",
            ]
        )
    return out.getvalue()


# --- Reminders ----------------------------------------------------------------------------


def send_followup_reminders(now: datetime | None = None) -> int:
    """When a follow-up falls due, once: the coordinators (or whoever made the plan) get a
    note in their inbox, and the person is asked how things are now: a link for someone
    online, or, for someone offline, a coordinator's call with the questions as the script."""
    from django.urls import reverse

    from keepwell.messaging import services as messaging
    from keepwell.messaging.models import Channel
    from keepwell.messaging.models import Purpose as MessagePurpose

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    answered = Response.objects.filter(plan_id=OuterRef("plan_id"), weeks=OuterRef("weeks"))
    due = (
        FollowUp.objects.filter(due_on__lte=today, reminded_at__isnull=True)
        .exclude(Exists(answered))
        .select_related("plan__person", "plan__organisation", "plan__created_by")
    )
    site = settings.SITE_URL.rstrip("/")
    sent = 0
    for follow_up in due:
        plan = follow_up.plan
        person = plan.person
        # Durable: each claim and its messages commit on their own, so a reminder once sent
        # is never rolled back (and sent again) with a caller's transaction.
        with transaction.atomic(durable=True):
            claimed = FollowUp.objects.filter(pk=follow_up.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            url = (
                reverse("outcomes:record", kwargs={"person_id": plan.person_id})
                + f"?plan={plan.pk}&weeks={follow_up.weeks}"
            )
            about = (
                ("referral", plan.referral_id) if plan.referral_id else ("outcome_plan", plan.pk)
            )
            if plan.organisation_id or plan.created_by_id:
                # The inbox note names the person: it is read inside keepwell, and a note
                # about a referral only where the referral may be seen.
                note = (
                    f"Follow-up due: ask {person.full_name} the wellbeing questions again "
                    f"({timepoint_label(follow_up.weeks)} after the start)"
                )
                messaging.send(
                    event=f"follow_up_due:{follow_up.pk}",
                    kind="follow_up_due",
                    to=[
                        messaging.To(
                            organisation_id=plan.organisation_id,
                            user=None if plan.organisation_id else plan.created_by,
                            audience="coordinators",
                        )
                    ],
                    purpose=MessagePurpose.WORK,
                    context={"count": "1", "url": site + url, "note": note},
                    about=about,
                    url=url,
                    sender_organisation_id=plan.organisation_id,
                    channels=[Channel.INBOX],
                    wording={"en": ("Outcomes follow-up due", "((note))")},
                )
            # Someone who signs in and reads texts or email answers online; anyone else is
            # phoned by a coordinator, the questions being the call's script.
            online = person.user_id is not None and not person.no_digital
            messaging.send(
                event=f"outcome_follow_up:{follow_up.pk}",
                kind="outcome_follow_up",
                to=[messaging.To(person=person, audience="person")],
                purpose=MessagePurpose.CARE,
                context={"url": site + url},
                about=about,
                url=url,
                sender_organisation_id=plan.organisation_id,
                channels=[Channel.SMS, Channel.EMAIL, Channel.INBOX] if online else [Channel.PHONE],
            )
            sent += 1
    return sent
