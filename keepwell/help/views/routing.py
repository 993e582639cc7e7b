"""Where a group's concerns go: its contacts and routing rules."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from keepwell.accounts.models import Role
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.directory.models import Organisation
from keepwell.help import forms, services
from keepwell.help.models import ConcernContact, RoutingRule
from keepwell.help.views.common import coordinated_groups, permitted, posted


def routing_link(user) -> str | None:
    """Straight to the group's page for a coordinator of one group; else the list of groups."""
    if not user.has_perm("help.menu_concern_routing"):
        return None
    if not user.is_platform_admin:
        group_ids = user.organisation_ids(Role.COORDINATOR)
        if len(group_ids) == 1:
            group = Organisation.objects.filter(pk__in=group_ids).only("slug").first()
            if group is not None:
                return reverse("help:concern_routing", kwargs={"slug": group.slug})
    return reverse("help:concern_routing_groups")


def _routing_group(request, slug: str) -> Organisation:
    return permitted(request, "help.manage_concern_routing", Organisation, slug=slug)


def _routing_form_page(
    request, group, form, save, said, *, title: str, submit: str, delete_url=None, delete_label=""
):
    """The page to add or change a contact or a rule. A valid POST is saved by ``save()``
    and the user is told ``said(saved)``; the service's problems go beside their fields."""

    def saved():
        try:
            return save()
        except services.RoutingProblems as exc:
            form.add_problems(exc.problems)
            return None

    back = reverse("help:concern_routing", kwargs={"slug": group.slug})
    return form_page(
        request,
        form,
        "help/routing_form.html",
        {
            "group": group,
            "title": title,
            "submit": submit,
            "back": back,
            "delete_url": delete_url,
            "delete_label": delete_label,
        },
        save=saved,
        success=said,
        redirect_to=back,
    )


@login_required
def concern_routing_groups(request):
    require(request, "help.menu_concern_routing")
    groups = coordinated_groups(request.user).annotate(
        rules=Count("concern_rules", distinct=True),
        contacts=Count("kept_concern_contacts", distinct=True),
    )
    return render(request, "help/concern_routing_groups.html", {"groups": groups})


@login_required
def concern_routing(request, slug: str):
    group = _routing_group(request, slug)
    routine, urgent = services.escalation_delays()
    return render(
        request,
        "help/concern_routing.html",
        {
            "group": group,
            "overview": services.routing_overview(group),
            "routine_delay": _duration(routine),
            "urgent_delay": _duration(urgent),
        },
    )


def _duration(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minute{pluralize(minutes)}"
    hours = minutes // 60
    return f"{hours} hour{pluralize(hours)}"


@login_required
def concern_contact_add(request, slug: str):
    group = _routing_group(request, slug)
    form = forms.ConcernContactForm(posted(request), group=group)
    return _routing_form_page(
        request,
        group,
        form,
        lambda: services.add_concern_contact(group, by=request.user, **form.contact_fields()),
        lambda contact: f"{contact.name} added. Add a rule to send concerns to them.",
        title="Add a contact for concerns",
        submit="Add contact",
    )


def _group_contact(group, contact_id: int) -> ConcernContact:
    return get_object_or_404(
        ConcernContact.objects.select_related("organisation", "user", "escalate_to"),
        pk=contact_id,
        group=group,
    )


@login_required
def concern_contact_edit(request, slug: str, contact_id: int):
    group = _routing_group(request, slug)
    contact = _group_contact(group, contact_id)
    form = forms.ConcernContactForm(posted(request), group=group, contact=contact)
    return _routing_form_page(
        request,
        group,
        form,
        lambda: services.update_concern_contact(contact, by=request.user, **form.contact_fields()),
        lambda saved: f"{saved.name}: changes saved.",
        title=f"Change {contact.name}",
        submit="Save",
        delete_url=reverse(
            "help:concern_contact_delete", kwargs={"slug": group.slug, "contact_id": contact.pk}
        ),
        delete_label="Delete this contact",
    )


@login_required
def concern_contact_delete(request, slug: str, contact_id: int):
    """GET asks to confirm (or says why it cannot be deleted); POST deletes."""
    group = _routing_group(request, slug)
    contact = _group_contact(group, contact_id)
    edit = reverse(
        "help:concern_contact_edit", kwargs={"slug": group.slug, "contact_id": contact.pk}
    )
    if request.method == "POST":
        try:
            services.delete_concern_contact(contact, by=request.user)
        except services.ContactInUse as exc:
            messages.error(request, str(exc))
            return redirect(edit)
        messages.success(request, f"{contact.name} deleted.")
        return redirect("help:concern_routing", slug=group.slug)
    return render(
        request,
        "help/routing_delete.html",
        {
            "group": group,
            "title": f"Delete {contact.name}?",
            "what": f"{contact.name}, {contact.organisation}",
            "blockers": services.contact_in_use(contact),
            "back": edit,
        },
    )


@login_required
def routing_rule_add(request, slug: str):
    group = _routing_group(request, slug)
    data = posted(request)
    initial = None if data is not None else {"order": services.next_rule_order(group)}
    form = forms.RoutingRuleForm(data, group=group, initial=initial)
    return _routing_form_page(
        request,
        group,
        form,
        lambda: services.add_routing_rule(group, by=request.user, **form.rule_fields()),
        lambda _rule: "Rule added.",
        title="Add a routing rule",
        submit="Add rule",
    )


def _group_rule(group, rule_id: int) -> RoutingRule:
    return get_object_or_404(
        RoutingRule.objects.select_related("contact__organisation"),
        pk=rule_id,
        organisation=group,
    )


@login_required
def routing_rule_edit(request, slug: str, rule_id: int):
    group = _routing_group(request, slug)
    rule = _group_rule(group, rule_id)
    form = forms.RoutingRuleForm(posted(request), group=group, rule=rule)
    return _routing_form_page(
        request,
        group,
        form,
        lambda: services.update_routing_rule(rule, by=request.user, **form.rule_fields()),
        lambda _rule: "Rule saved.",
        title=f"Change rule {rule.order}",
        submit="Save",
        delete_url=reverse(
            "help:routing_rule_delete", kwargs={"slug": group.slug, "rule_id": rule.pk}
        ),
        delete_label="Delete this rule",
    )


@login_required
def routing_rule_delete(request, slug: str, rule_id: int):
    """GET asks to confirm; POST deletes."""
    group = _routing_group(request, slug)
    rule = _group_rule(group, rule_id)
    if request.method == "POST":
        services.delete_routing_rule(rule, by=request.user)
        messages.success(request, f"Rule {rule.order} deleted.")
        return redirect("help:concern_routing", slug=group.slug)
    return render(
        request,
        "help/routing_delete.html",
        {
            "group": group,
            "title": f"Delete rule {rule.order}?",
            "what": f"{rule.get_kind_display() if rule.kind else 'Any concern'} → "
            f"{rule.contact.name if rule.contact else rule.get_target_display()}",
            "blockers": [],
            "back": reverse(
                "help:routing_rule_edit", kwargs={"slug": group.slug, "rule_id": rule.pk}
            ),
        },
    )
