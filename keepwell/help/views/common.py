"""What the help pages share: the page size, reading a form's POST, the groups a user
arranges help for, finding what a page is about, and saying how a service call went."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404

from keepwell.accounts.models import Role
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.directory.models import Organisation
from keepwell.help import services

PAGE_SIZE = 25


def posted(request):
    """The POST data, or None for a GET: an empty POST is still a submission to check."""
    return request.POST if request.method == "POST" else None


def arranging_groups(user):
    """The groups a user arranges help for: those they coordinate or lead an area of."""
    if user.is_platform_admin:
        return Organisation.objects.filter(
            pk__in=Organisation.objects.filter(memberships__role=Role.COORDINATOR).values("pk")
        ).order_by("name")
    return Organisation.objects.filter(
        pk__in=user.organisation_ids(Role.COORDINATOR, Role.AREA_LEAD)
    ).order_by("name")


def coordinated_groups(user):
    if user.is_platform_admin:
        return arranging_groups(user)
    return Organisation.objects.filter(pk__in=user.organisation_ids(Role.COORDINATOR)).order_by(
        "name"
    )


def permitted(request, perm: str, queryset, **lookup):
    """The object ``lookup`` finds (404 if none), once the user may ``perm`` on it (403)."""
    found = get_object_or_404(queryset, **lookup)
    require(request, perm, found)
    return found


def plain_form_page(request, form, *, title: str, submit: str, back: str, intro="", **outcome):
    """A form alone on help's plain page (help/form.html). ``outcome`` is what
    :func:`keepwell.core.pages.form_page` does with a valid POST: save, success, redirect_to."""
    context = {"title": title, "submit": submit, "back": back}
    if intro:
        context["intro"] = intro
    return form_page(request, form, "help/form.html", context, **outcome)


def carry_out(request, success: str, service, *args, **kwargs) -> bool:
    """Call ``service``; tell the user it is done, or why it could not be (a HelpError)."""
    try:
        service(*args, **kwargs)
    except services.HelpError as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, success)
    return True
