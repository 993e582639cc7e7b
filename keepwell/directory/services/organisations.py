"""Organisations, who they work with, and the relationship log of contacts with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from keepwell.audit.services import diff
from keepwell.directory.models import (
    Interaction,
    ListingChange,
    Organisation,
    OrganisationLink,
    RelationshipStatus,
)
from keepwell.directory.services.history import (
    _text,
    created,
    organisation_snapshot,
    record_change,
)
from keepwell.directory.services.listings import refresh_search_text


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:180] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _refresh_org_services(org: Organisation) -> None:
    refresh_search_text(org.services.values_list("id", flat=True))


@transaction.atomic
def create_organisation(*, by, areas_served=(), languages=(), **fields) -> Organisation:
    org = Organisation(**fields)
    if not org.slug:
        org.slug = _unique_slug(org.name)
    org.full_clean()
    org.save()
    org.areas_served.set(areas_served)
    org.languages.set(languages)
    record_change(
        org, ListingChange.Action.CREATE, by=by, changes=created(organisation_snapshot(org))
    )
    return org


@transaction.atomic
def update_organisation(
    org: Organisation, *, by, areas_served=None, languages=None, action=None, **fields
) -> dict:
    before = organisation_snapshot(org)
    renamed = "name" in fields and fields["name"] != org.name
    for name, value in fields.items():
        setattr(org, name, value)
    org.updated_at = timezone.now()
    org.full_clean()
    org.save()
    if areas_served is not None:
        org.areas_served.set(areas_served)
    if languages is not None:
        org.languages.set(languages)
    changes = diff(before, organisation_snapshot(org))
    if changes:
        record_change(org, action or ListingChange.Action.UPDATE, by=by, changes=changes)
    if renamed:
        _refresh_org_services(org)
    return changes


@transaction.atomic
def set_relationship(org: Organisation, *, by, status: str, owner) -> dict:
    before = {
        "relationship_status": org.get_relationship_status_display(),
        "relationship_owner": _text(org.relationship_owner),
    }
    org.relationship_status = status
    org.relationship_owner = owner
    org.save(update_fields=["relationship_status", "relationship_owner"])
    after = {
        "relationship_status": org.get_relationship_status_display(),
        "relationship_owner": _text(owner),
    }
    changes = diff(before, after)
    if changes:
        record_change(org, ListingChange.Action.RELATIONSHIP, by=by, changes=changes)
    return changes


@transaction.atomic
def link_organisations(source, target, *, kind: str, note: str = "", by) -> OrganisationLink:
    link, created = OrganisationLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"note": note}
    )
    if created:
        record_change(
            source,
            ListingChange.Action.UPDATE,
            by=by,
            changes={"works with": ["", f"{link.get_kind_display()} {target}"]},
        )
    return link


@dataclass
class NetworkNode:
    organisation: Organisation
    links: list[tuple[str, Organisation]]  # (how, other organisation), both directions


def network_of(org: Organisation) -> list[tuple[str, Organisation]]:
    """Who this organisation works with, whichever side recorded the link."""
    out = [
        (link.get_kind_display(), link.target) for link in org.links_out.select_related("target")
    ]
    reverse = {
        OrganisationLink.Kind.MEMBER_OF: "has as a member",
        OrganisationLink.Kind.CONSORTIUM: "is in a consortium with",
        OrganisationLink.Kind.PARTNER: "works in partnership with",
        OrganisationLink.Kind.SUPPORTED_BY: "supports",
        OrganisationLink.Kind.FUNDED_BY: "funds",
    }
    back = [(reverse[link.kind], link.source) for link in org.links_in.select_related("source")]
    return sorted(out + back, key=lambda pair: (pair[0], pair[1].name))


def networks() -> list[NetworkNode]:
    """Every organisation with at least one link, hubs (most links) first."""
    links = list(OrganisationLink.objects.select_related("source", "target"))
    by_org: dict[int, NetworkNode] = {}
    reverse_label = {
        OrganisationLink.Kind.MEMBER_OF: "has as a member",
        OrganisationLink.Kind.SUPPORTED_BY: "supports",
        OrganisationLink.Kind.FUNDED_BY: "funds",
    }
    for link in links:
        by_org.setdefault(link.source_id, NetworkNode(link.source, [])).links.append(
            (link.get_kind_display(), link.target)
        )
        by_org.setdefault(link.target_id, NetworkNode(link.target, [])).links.append(
            (reverse_label.get(link.kind, link.get_kind_display()), link.source)
        )
    nodes = list(by_org.values())
    for node in nodes:
        node.links.sort(key=lambda pair: (pair[0], pair[1].name))
    return sorted(nodes, key=lambda n: (-len(n.links), n.organisation.name))


# ---------------------------------------------------------------------------------------
# The relationship log


@transaction.atomic
def log_interaction(org: Organisation, *, by, **fields) -> Interaction:
    if fields.get("follow_up_on") and not fields.get("follow_up_by"):
        fields["follow_up_by"] = org.relationship_owner or by
    interaction = Interaction.objects.create(organisation=org, recorded_by=by, **fields)
    # Talking to an organisation for the first time moves it along the funnel.
    if org.relationship_status == RelationshipStatus.NOT_CONTACTED:
        set_relationship(
            org,
            by=by,
            status=(
                RelationshipStatus.CONTACTED
                if interaction.kind == Interaction.Kind.CALL
                else RelationshipStatus.MET
            ),
            owner=org.relationship_owner or by,
        )
    return interaction


def follow_ups_due(user, *, today: date | None = None, within_days: int = 7):
    """Follow-ups this user owes: overdue ones first, then those due within a week."""
    today = today or timezone.localdate()
    horizon = date.fromordinal(today.toordinal() + within_days)
    return (
        Interaction.objects.filter(
            follow_up_by=user, follow_up_done_at__isnull=True, follow_up_on__lte=horizon
        )
        .select_related("organisation", "recorded_by")
        .order_by("follow_up_on", "id")
    )


@transaction.atomic
def complete_follow_up(interaction: Interaction, *, by) -> None:
    Interaction.objects.filter(pk=interaction.pk, follow_up_done_at__isnull=True).update(
        follow_up_done_at=timezone.now()
    )
