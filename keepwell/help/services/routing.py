"""Where concerns go: a group's contacts and routing rules, and what the rules leave uncovered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, ProtectedError

from keepwell.audit import services as audit
from keepwell.audit.models import Action, Purpose
from keepwell.directory.models import OrganisationKind
from keepwell.help.models import (
    ConcernContact,
    ConcernKind,
    RoutingRule,
    RoutingTarget,
)
from keepwell.help.services.errors import HelpError


class RoutingProblems(HelpError):
    """What is wrong with a contact or a rule: (field, message) pairs, field None for the
    whole form, so a page can show each beside its field and in the error summary."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


class ContactInUse(HelpError):
    def __init__(self, contact: ConcernContact, reasons: list[str]):
        self.reasons = reasons
        super().__init__(
            f"{contact.name} cannot be deleted: {'; '.join(reasons)}. "
            "Make them inactive instead, so no new concern goes to them"
        )


CONTACT_FIELDS = ("name", "organisation", "user", "email", "phone", "escalate_to", "is_active")
RULE_FIELDS = ("order", "kind", "urgent", "target", "contact")
# RoutingRule.order is a PositiveSmallIntegerField.
MAX_RULE_ORDER = 32767


def _routing_audit(by, action: str, obj, summary: str, changes=None) -> None:
    audit.record(by, action, obj, purpose=Purpose.ADMINISTRATION, summary=summary, changes=changes)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _changes(obj, fields: dict) -> dict[str, list[str]]:
    """{field: [before, after]} for the fields whose value differs, as text for the audit."""
    return {
        name: [_as_text(getattr(obj, name)), _as_text(value)]
        for name, value in fields.items()
        if getattr(obj, name) != value
    }


def _apply_changes(obj, names, fields: dict, *, problems, summary, by) -> None:
    """Change ``obj`` (a contact or a rule, locked by the caller) by ``fields``: check the
    whole record as it would be (its ``names`` fields, ``problems(merged)``, raised
    together), then save and audit only what differs, ``summary(changes)`` the audit's
    words."""
    found = problems({name: getattr(obj, name) for name in names} | fields)
    if found:
        raise RoutingProblems(found)
    changes = _changes(obj, fields)
    if changes:
        for name in changes:
            setattr(obj, name, fields[name])
        obj.save(update_fields=list(changes))
        _routing_audit(by, Action.UPDATE, obj, summary(changes), changes)


def _contact_problems(group_id: int | None, contact, fields: dict) -> list:
    problems: list[tuple[str | None, str]] = []
    if not fields["name"]:
        problems.append(("name", "Enter the name of the person or team"))
    if fields["organisation"] is None:
        problems.append(("organisation", "Choose the organisation they work for"))
    if not fields["email"] and fields["user"] is None:
        problems.append(
            (
                "email",
                "Enter an email address or their keepwell account, so they hear of a concern",
            )
        )
    after = fields["escalate_to"]
    # An escalation already set is left alone if its contact was since made inactive
    # (escalation passes over inactive contacts); a new one must be usable.
    unchanged = after is not None and contact is not None and contact.escalate_to_id == after.pk
    if after is not None and not unchanged:
        if contact is not None and after.pk == contact.pk:
            problems.append(("escalate_to", "A contact cannot escalate to themselves"))
        elif after.group_id != group_id:
            problems.append(("escalate_to", "Choose one of this group's contacts to escalate to"))
        elif not after.is_active:
            problems.append(
                (
                    "escalate_to",
                    f"{after.name} is not active: choose an active contact to escalate to, "
                    "or nobody",
                )
            )
    return problems


def _clean_contact_fields(fields: dict) -> dict:
    for name in ("name", "email", "phone"):
        if name in fields:
            fields[name] = (fields[name] or "").strip()
    return fields


@transaction.atomic
def add_concern_contact(
    group,
    *,
    by,
    name: str,
    organisation,
    user=None,
    email: str = "",
    phone: str = "",
    escalate_to: ConcernContact | None = None,
    is_active: bool = True,
) -> ConcernContact:
    """A person or team the group may send concerns to. They receive nothing until a
    routing rule names them (or, at a GP practice, a rule sends to the person's practice)."""
    fields = _clean_contact_fields(
        {
            "name": name,
            "organisation": organisation,
            "user": user,
            "email": email,
            "phone": phone,
            "escalate_to": escalate_to,
            "is_active": is_active,
        }
    )
    problems = _contact_problems(group.pk, None, fields)
    if problems:
        raise RoutingProblems(problems)
    contact = ConcernContact.objects.create(group=group, **fields)
    _routing_audit(by, Action.CREATE, contact, f"Concern contact added: {contact}")
    return contact


@transaction.atomic
def update_concern_contact(contact: ConcernContact, *, by, **fields) -> ConcernContact:
    """Change a contact. Making them inactive stops new concerns going to them (rules naming
    them are passed over) and keeps every concern already sent to them as it was."""
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"not contact fields: {sorted(unknown)}")
    contact = (
        ConcernContact.objects.select_for_update(of=("self",))
        .select_related("organisation", "user", "escalate_to")
        .get(pk=contact.pk)
    )

    def summary(changes: dict) -> str:
        what = "made inactive" if changes.get("is_active") == ["yes", "no"] else "changed"
        return f"Concern contact {what}: {contact}"

    _apply_changes(
        contact,
        CONTACT_FIELDS,
        _clean_contact_fields(fields),
        problems=lambda merged: _contact_problems(contact.group_id, contact, merged),
        summary=summary,
        by=by,
    )
    return contact


def contact_in_use(contact: ConcernContact) -> list[str]:
    """Why a contact cannot be deleted (empty if it can): concerns were sent to them, a
    rule names them, or another contact escalates to them."""
    reasons = []
    sent = contact.concerns.count()
    if sent:
        reasons.append(f"{sent} concern{'s were' if sent != 1 else ' was'} sent to them")
    for rule in RoutingRule.objects.filter(contact=contact).select_related("organisation"):
        where = "" if rule.organisation_id == contact.group_id else f" of {rule.organisation}"
        reasons.append(f"rule {rule.order}{where} sends concerns to them")
    for other in ConcernContact.objects.filter(escalate_to=contact).exclude(pk=contact.pk):
        reasons.append(f"{other.name} escalates to them")
    return reasons


@transaction.atomic
def delete_concern_contact(contact: ConcernContact, *, by) -> None:
    """Delete a contact nobody has used. One a concern was ever sent to is kept for good."""
    contact = ConcernContact.objects.select_for_update(of=("self",)).get(pk=contact.pk)
    reasons = contact_in_use(contact)
    if reasons:
        raise ContactInUse(contact, reasons)
    _routing_audit(by, Action.DELETE, contact, f"Concern contact deleted: {contact}")
    try:
        contact.delete()
    except ProtectedError:
        # A concern was sent to them since we looked.
        raise ContactInUse(contact, ["a concern was sent to them a moment ago"]) from None


def _rule_problems(group_id: int, rule, fields: dict) -> list:
    problems: list[tuple[str | None, str]] = []
    order = fields["order"]
    if not isinstance(order, int) or not 0 <= order <= MAX_RULE_ORDER:
        problems.append(("order", f"Enter a whole number from 0 to {MAX_RULE_ORDER}"))
    if fields["kind"] not in ("", *ConcernKind.values):
        problems.append(("kind", "Choose which concerns the rule is for"))
    if fields["urgent"] not in (None, True, False):
        problems.append(("urgent", "Choose urgent, not urgent, or either"))
    target, contact = fields["target"], fields["contact"]
    if target not in RoutingTarget.values:
        problems.append(("target", "Choose where these concerns go"))
    elif target == RoutingTarget.CONTACT:
        unchanged = rule is not None and contact is not None and rule.contact_id == contact.pk
        if contact is None:
            problems.append(("contact", "Choose the contact to send these concerns to"))
        elif contact.group_id != group_id and not unchanged:
            problems.append(("contact", "Choose one of this group's contacts"))
        elif not contact.is_active:
            problems.append(
                (
                    "contact",
                    f"{contact.name} is not active: choose an active contact, or make them "
                    "active again first",
                )
            )
    elif contact is not None:
        problems.append(
            (
                "contact",
                "Leave the contact empty when concerns go to the person's GP practice: the "
                "practice on their record decides who receives them",
            )
        )
    return problems


def next_rule_order(group) -> int:
    """An order number that puts a new rule last, leaving a gap of 10."""
    highest = RoutingRule.objects.filter(organisation=group).aggregate(m=Max("order"))["m"]
    return 10 if highest is None else min(highest + 10, MAX_RULE_ORDER)


@transaction.atomic
def add_routing_rule(
    group,
    *,
    by,
    order: int,
    target: str,
    kind: str = "",
    urgent: bool | None = None,
    contact: ConcernContact | None = None,
) -> RoutingRule:
    fields = {"order": order, "kind": kind, "urgent": urgent, "target": target, "contact": contact}
    problems = _rule_problems(group.pk, None, fields)
    if problems:
        raise RoutingProblems(problems)
    rule = RoutingRule.objects.create(organisation=group, **fields)
    _routing_audit(by, Action.CREATE, rule, f"Routing rule added: {rule.order}. {rule}")
    return rule


@transaction.atomic
def update_routing_rule(rule: RoutingRule, *, by, **fields) -> RoutingRule:
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"not rule fields: {sorted(unknown)}")
    rule = (
        RoutingRule.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=rule.pk)
    )
    _apply_changes(
        rule,
        RULE_FIELDS,
        fields,
        problems=lambda merged: _rule_problems(rule.organisation_id, rule, merged),
        summary=lambda changes: f"Routing rule changed: {rule.order}. {rule}",
        by=by,
    )
    return rule


@transaction.atomic
def delete_routing_rule(rule: RoutingRule, *, by) -> None:
    """Concerns already routed by the rule keep their contact: only future routing changes."""
    _routing_audit(by, Action.DELETE, rule, f"Routing rule deleted: {rule.order}. {rule}")
    rule.delete()


# Every (kind, urgent) a concern can have: what "does every concern reach someone" ranges over.
CONCERN_CASES = [(kind, urgent) for kind in ConcernKind.values for urgent in (True, False)]


@dataclass(frozen=True)
class RuleLine:
    rule: RoutingRule
    # Why routing passes this rule over, in words; empty when it can send concerns.
    passed_over: str = ""


@dataclass
class RoutingOverview:
    """What the "Where concerns go" page shows, read in a fixed number of queries."""

    rules: list[RuleLine]
    contacts: list[ConcernContact]
    # The concerns no rule is sure to send to a named contact, in words.
    gaps: list[str]
    # Who "the person's GP practice" reaches: each practice's first active contact.
    practice_contacts: list[ConcernContact]
    uses_gp_practice: bool


def explain_rules(rules) -> tuple[list[RuleLine], list[str]]:
    """Walk the rules in order as :func:`route_for` does, marking those it can never use,
    and say which concerns may reach nobody. Only a rule naming an active contact is sure to
    send a concern; a GP practice rule is passed over when the person's practice has no
    active contact."""
    sure: set[tuple[str, bool]] = set()
    lines = []
    for rule in rules:
        fits = {case for case in CONCERN_CASES if rule.fits(*case)}
        names_someone = rule.target == RoutingTarget.CONTACT and rule.contact is not None
        if rule.target == RoutingTarget.CONTACT and rule.contact is None:
            note = "Passed over: it names no contact"
        elif names_someone and not rule.contact.is_active:
            note = f"Passed over: {rule.contact.name} is not active"
        elif fits <= sure:
            note = "Never used: the rules above already send every concern it fits"
        else:
            note = ""
        if names_someone and rule.contact.is_active:
            sure |= fits
        lines.append(RuleLine(rule, note))
    gaps = []
    for kind, label in ConcernKind.choices:
        missing = [urgent for urgent in (True, False) if (kind, urgent) not in sure]
        if len(missing) == 2:
            gaps.append(label)
        elif missing:
            gaps.append(f"{label} ({'urgent' if missing[0] else 'not urgent'})")
    return lines, gaps


def routing_overview(group) -> RoutingOverview:
    rules = list(
        RoutingRule.objects.filter(organisation=group)
        .select_related("contact__organisation")
        .order_by("order", "pk")
    )
    lines, gaps = explain_rules(rules)
    contacts = list(
        ConcernContact.objects.kept_by(group)
        .select_related("organisation", "user", "escalate_to")
        .annotate(concerns_sent=Count("concerns"))
        .order_by("-is_active", "name", "pk")
    )
    uses_gp_practice = any(r.target == RoutingTarget.GP_PRACTICE for r in rules)
    practice_contacts: dict[int, ConcernContact] = {}
    if uses_gp_practice:
        # The same choice route_for makes: the practice's earliest-added active contact.
        for contact in (
            ConcernContact.objects.active()
            .filter(organisation__kind=OrganisationKind.GP_PRACTICE)
            .select_related("organisation")
            .order_by("organisation__name", "organisation_id", "pk")
        ):
            practice_contacts.setdefault(contact.organisation_id, contact)
    return RoutingOverview(
        rules=lines,
        contacts=contacts,
        gaps=gaps,
        practice_contacts=list(practice_contacts.values()),
        uses_gp_practice=uses_gp_practice,
    )
