"""Spaces pages: finding and reading spaces (open to anyone), asking for a booking, the
owner's approvals and estate, a group's own bookings, and the calendar feeds."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.directory.models import Organisation
from keepwell.spaces import forms, ical, queries, services
from keepwell.spaces.models import Booking, GroupFeed, Space
from keepwell.spaces.times import local

FEED_DAYS_BACK = 90


def _space(request, space_id: int) -> Space:
    """A listed space at an address that may be public; its owner sees it whatever."""
    space = get_object_or_404(
        Space.objects.select_related("location", "owner").prefetch_related("opening_hours"),
        pk=space_id,
    )
    hidden = space.location.confidential or not space.is_listed
    if hidden and not request.user.has_perm("spaces.manage_space", space):
        raise Http404("No such space")
    return space


def _booking(request, booking_id: int, perm: str = "spaces.view_booking") -> Booking:
    booking = get_object_or_404(
        Booking.objects.select_related(
            "space__location", "space__owner", "organisation", "service", "requested_by"
        ),
        pk=booking_id,
    )
    require(request, perm, booking)
    return booking


def _week_start(raw: str | None) -> date:
    today = local(timezone.now()).date()
    try:
        chosen = date.fromisoformat(raw) if raw else today
    except ValueError:
        chosen = today
    return chosen - timedelta(days=chosen.weekday())


def search(request):
    form = forms.SearchForm(request.GET or None)
    found = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        found = queries.free_spaces(
            people=data["people"],
            start=data["start"],
            end=data["end"],
            step_free=data["step_free"],
            near=data["postcode"],
            km=data["km"],
        )
    status = 400 if form.errors else 200
    return render(request, "spaces/search.html", {"form": form, "found": found}, status=status)


def space_detail(request, space_id: int):
    space = _space(request, space_id)
    first = _week_start(request.GET.get("week"))
    return render(
        request,
        "spaces/space.html",
        {
            "space": space,
            "days": queries.timetable(space, first),
            "previous": first - timedelta(weeks=1),
            "next": first + timedelta(weeks=1),
            "can_book": request.user.has_perm("spaces.book"),
            "manages": request.user.has_perm("spaces.manage_space", space),
        },
    )


def space_calendar(request, uuid):
    space = get_object_or_404(
        Space.objects.select_related("location"),
        uuid=uuid,
        is_listed=True,
        location__confidential=False,
    )
    since = timezone.now() - timedelta(days=FEED_DAYS_BACK)
    bookings = (
        space.bookings.filter(status=Booking.Status.APPROVED, end__gte=since)
        .select_related("space__location", "organisation")
        .order_by("start")
    )
    return _ics(ical.space_feed(space, bookings), f"space-{space.pk}.ics")


def group_calendar(request, token: str):
    feed = GroupFeed.objects.select_related("organisation").filter(token=token).first()
    if feed is None:
        raise Http404("No calendar at this address: ask the group for its new one")
    since = timezone.now() - timedelta(days=FEED_DAYS_BACK)
    bookings = queries.group_bookings(feed.organisation, since=since)
    return _ics(ical.group_feed(feed.organisation, bookings), "bookings.ics")


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def book(request, space_id: int):
    require(request, "spaces.book")
    space = _space(request, space_id)
    user = request.user
    organisations = (
        Organisation.objects.all()
        if user.is_platform_admin
        else Organisation.objects.filter(pk__in=services.booking_organisation_ids(user))
    )
    form = forms.BookingForm(request.POST or None, organisations=organisations)
    if len(organisations[:2]) == 1:
        form.fields["organisation"].initial = organisations[0].pk

    def save():
        data = form.cleaned_data
        try:
            return services.request_booking(
                space,
                organisation=data["organisation"],
                by=user,
                title=data["title"],
                start=data["start"],
                end=data["end"],
                people=data["people"],
                weeks=data["weeks"],
                service=data["service"],
                public=data["public"],
            )
        except services.BookingRefused as refused:
            for reason in refused.reasons:
                form.add_error(None, reason)
            return None

    return form_page(
        request,
        form,
        "spaces/book.html",
        {"space": space},
        save=save,
        success=lambda made: f"Asked for {len(made)} booking(s): the owner will decide",
        redirect_to=lambda made: reverse("spaces:booking", kwargs={"booking_id": made[0].pk}),
    )


@login_required
def booking_detail(request, booking_id: int):
    booking = _booking(request, booking_id)
    series = (
        list(Booking.objects.filter(series=booking.series).order_by("start"))
        if booking.series
        else [booking]
    )
    return render(
        request,
        "spaces/booking.html",
        {
            "booking": booking,
            "series": series,
            "can_decide": booking.status == Booking.Status.REQUESTED
            and request.user.has_perm("spaces.decide_booking", booking),
            "can_cancel": booking.is_holding and booking.end > timezone.now(),
        },
    )


@login_required
def decide(request, booking_id: int):
    booking = _booking(request, booking_id, "spaces.decide_booking")
    form = forms.DecideForm(request.POST or None)

    def save():
        data = form.cleaned_data
        try:
            return services.decide(
                booking,
                by=request.user,
                approve=data["decision"] == "approve",
                reason=data["reason"],
                whole_series=data["whole_series"],
            )
        except services.BookingRefused as refused:
            form.add_error(None, refused.reasons[0])
            return None

    return form_page(
        request,
        form,
        "spaces/decide.html",
        {"booking": booking},
        save=save,
        success=lambda done: f"{done[0].get_status_display()}: the group has been told",
        redirect_to="spaces:approvals",
    )


@login_required
def cancel(request, booking_id: int):
    booking = _booking(request, booking_id, "spaces.cancel_booking")
    form = forms.CancelForm(request.POST or None)

    def save():
        try:
            return services.cancel(
                booking,
                by=request.user,
                reason=form.cleaned_data["reason"],
                whole_series=form.cleaned_data["whole_series"],
            )
        except services.BookingRefused as refused:
            form.add_error(None, refused.reasons[0])
            return None

    return form_page(
        request,
        form,
        "spaces/cancel.html",
        {"booking": booking},
        save=save,
        success=lambda done: f"Cancelled {len(done)} booking(s): the time is free again",
        redirect_to=reverse("spaces:booking", kwargs={"booking_id": booking.pk}),
    )


@login_required
def approvals(request):
    require(request, "spaces.approve")
    user = request.user
    rows = queries.approvals(
        user.organisation_ids(*services.APPROVER_ROLES), everyone=user.is_platform_admin
    )
    return render(request, "spaces/approvals.html", {"rows": rows})


@login_required
def mine(request):
    """The groups the user books for: each one's bookings page."""
    require(request, "spaces.use_spaces")
    groups = Organisation.objects.filter(pk__in=services.booking_organisation_ids(request.user))
    # The organisations whose buildings the user looks after, each with its spaces (and the
    # way to add one where it has a building in the directory).
    owned = (
        Organisation.objects.filter(
            pk__in=request.user.organisation_ids(*services.APPROVER_ROLES),
            locations__isnull=False,
        )
        .distinct()
        .order_by("name")
        .prefetch_related(Prefetch("spaces", queryset=Space.objects.order_by("name", "id")))
    )
    return render(request, "spaces/mine.html", {"groups": groups, "owned": owned})


def _space_page(request, form, space: Space | None, owner: Organisation, save, success):
    return form_page(
        request,
        form,
        "spaces/space_form.html",
        {"space": space, "owner": owner},
        save=save,
        success=success,
        redirect_to=lambda made: reverse("spaces:space", kwargs={"space_id": made.pk}),
    )


@login_required
def new_space(request, slug: str):
    """An owner describes a room or outdoor space in one of its buildings."""
    owner = get_object_or_404(Organisation, slug=slug)
    require(request, "spaces.estate", owner)
    form = forms.SpaceForm(request.POST or None, owner=owner)

    def save():
        data = form.cleaned_data
        return services.create_space(
            owner=owner, location=data["location"], hours=data["hours"], **form.space_fields()
        )

    return _space_page(
        request, form, None, owner, save, lambda made: f"{made.name} added: groups can book it"
    )


@login_required
def edit_space(request, space_id: int):
    space = get_object_or_404(
        Space.objects.select_related("owner", "location").prefetch_related("opening_hours"),
        pk=space_id,
    )
    require(request, "spaces.manage_space", space)
    form = forms.SpaceForm(request.POST or None, owner=space.owner, space=space)

    def save():
        data = form.cleaned_data
        return services.update_space(
            space, location=data["location"], hours=data["hours"], **form.space_fields()
        )

    return _space_page(
        request,
        form,
        space,
        space.owner,
        save,
        lambda made: f"{made.name} saved: bookings already made are unchanged",
    )


@login_required
def group_bookings(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    require(request, "spaces.group_bookings", organisation)
    since = timezone.now() - timedelta(days=30)
    feed = GroupFeed.objects.filter(organisation=organisation).first()
    feed_url = (
        request.build_absolute_uri(reverse("spaces:group_calendar", args=[feed.token]))
        if feed
        else ""
    )
    return render(
        request,
        "spaces/group.html",
        {
            "organisation": organisation,
            "bookings": queries.group_bookings(organisation, since=since),
            "feed_url": feed_url,
        },
    )


@login_required
@require_POST
def new_feed(request, slug: str):
    organisation = get_object_or_404(Organisation, slug=slug)
    require(request, "spaces.group_bookings", organisation)
    services.renew_feed(organisation)
    messages.success(request, "Your group has a new calendar address: the old one no longer works")
    return redirect("spaces:group", slug=organisation.slug)


@login_required
def estate(request, slug: str):
    owner = get_object_or_404(Organisation, slug=slug)
    require(request, "spaces.estate", owner)
    today = local(timezone.now()).date()
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = 0
    if not 2000 <= year <= today.year + 1:
        year = today.year
    use = queries.estate_use(owner, first_month=date(year, 1, 1))
    return render(
        request,
        "spaces/estate.html",
        {"owner": owner, "use": use, "year": year, "years": [year - 1, year + 1]},
    )
