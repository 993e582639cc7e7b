"""Broadcast pages: thin. Parse, authorise, call ``keepwell.messaging.broadcasts``, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from keepwell.core.forms import form_status
from keepwell.core.permissions import require
from keepwell.core.querystring import page_number
from keepwell.messaging import audiences, broadcasts
from keepwell.messaging.broadcast_forms import BroadcastForm, ScheduleForm
from keepwell.messaging.models import Broadcast

PERMISSION = "messaging.send_broadcast"
PAGE_SIZE = 25


def _broadcast(request, broadcast_id: int) -> Broadcast:
    """A broadcast the user may see; one of another organisation is not found."""
    require(request, PERMISSION)
    found = broadcasts.visible_to(request.user).filter(pk=broadcast_id).first()
    if found is None:
        raise Http404("No such broadcast")
    return found


def _may_change(request, broadcast: Broadcast) -> None:
    if not audiences.may_reach(request.user, broadcast.audience_kind, broadcast.audience_params):
        raise PermissionDenied


@login_required
def broadcast_list(request):
    require(request, PERMISSION)
    found = broadcasts.visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(found, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    return render(request, "messaging/broadcast_list.html", {"page": page})


@login_required
def broadcast_new(request):
    require(request, PERMISSION)
    form = BroadcastForm(request.POST or None, user=request.user)
    return _draft_page(
        request,
        form,
        None,
        success="Draft saved. Check who it reaches before you send it.",
        title="New broadcast",
        back=reverse("messaging:broadcasts"),
    )


@login_required
def broadcast_edit(request, broadcast_id: int):
    broadcast = _broadcast(request, broadcast_id)
    _may_change(request, broadcast)
    if broadcast.state not in broadcasts.EDITABLE:
        messages.info(request, "Only a draft can be changed")
        return redirect("messaging:broadcast", broadcast_id=broadcast.pk)
    form = BroadcastForm(
        request.POST or None, user=request.user, initial=BroadcastForm.initial_for(broadcast)
    )
    return _draft_page(
        request,
        form,
        broadcast,
        success="Draft saved",
        title=f"Change “{broadcast.title}”",
        back=reverse("messaging:broadcast", kwargs={"broadcast_id": broadcast.pk}),
    )


def _draft_page(request, form, broadcast, *, success: str, title: str, back: str):
    """A broadcast's form: saved as a draft (new, or this one changed) and shown, or the
    form again with what is wrong."""
    if request.method == "POST" and form.is_valid():
        try:
            made = broadcasts.save_draft(
                by=request.user,
                broadcast=broadcast,
                title=form.cleaned_data["title"],
                audience_kind=form.cleaned_data["audience_kind"],
                audience_params=form.params(),
                texts=form.texts(),
                purpose=form.cleaned_data["purpose"],
                link=form.cleaned_data["link"],
                channels=form.cleaned_data["channels"],
            )
        except broadcasts.BroadcastError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success)
            return redirect("messaging:broadcast", broadcast_id=made.pk)
    return render(
        request,
        "messaging/broadcast_form.html",
        {"form": form, "title": title, "back": back},
        status=form_status(form),
    )


@login_required
def broadcast_detail(request, broadcast_id: int):
    """The broadcast and its preview: who it reaches, on what, in which language, at what
    cost, and who it cannot reach."""
    broadcast = _broadcast(request, broadcast_id)
    may_change = audiences.may_reach(
        request.user, broadcast.audience_kind, broadcast.audience_params
    )
    preview = (
        broadcasts.preview(broadcast, request.user)
        if broadcast.state in (Broadcast.State.DRAFT, Broadcast.State.SCHEDULED) and may_change
        else None
    )
    sent = broadcasts.progress(broadcast) if broadcast.state != Broadcast.State.DRAFT else None
    return render(
        request,
        "messaging/broadcast_detail.html",
        {
            "broadcast": broadcast,
            "texts": list(broadcast.texts.all()),
            "languages": broadcasts.LANGUAGES,
            "audience": audiences.describe(broadcast.audience_kind, broadcast.audience_params),
            "preview": preview,
            "sent": sent,
            "may_change": may_change,
        },
    )


@login_required
def broadcast_schedule(request, broadcast_id: int):
    broadcast = _broadcast(request, broadcast_id)
    _may_change(request, broadcast)
    if broadcast.state != Broadcast.State.DRAFT:
        messages.info(request, "This broadcast is already scheduled, sent or cancelled")
        return redirect("messaging:broadcast", broadcast_id=broadcast.pk)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from django.utils import timezone

        try:
            done = broadcasts.schedule(broadcast, form.moment() or timezone.now(), by=request.user)
        except broadcasts.BroadcastError as error:
            form.add_error(None, str(error))
        else:
            when = timezone.localtime(done.scheduled_for)
            messages.success(
                request,
                f"Scheduled for {when:%d/%m/%Y %H:%M}. keepwell writes the messages then, "
                "and sends them as fast as GOV.UK Notify allows.",
            )
            return redirect("messaging:broadcast", broadcast_id=broadcast.pk)
    return render(
        request,
        "messaging/broadcast_schedule.html",
        {"form": form, "broadcast": broadcast},
        status=form_status(form),
    )


@login_required
def broadcast_cancel(request, broadcast_id: int):
    broadcast = _broadcast(request, broadcast_id)
    _may_change(request, broadcast)
    if request.method == "POST":
        try:
            stopped = broadcasts.cancel(broadcast, by=request.user)
        except broadcasts.BroadcastError as error:
            messages.info(request, str(error))
        else:
            messages.success(
                request,
                f"Broadcast cancelled. {stopped} message{'s' if stopped != 1 else ''} "
                "not yet sent will not go.",
            )
        return redirect("messaging:broadcast", broadcast_id=broadcast.pk)
    return render(
        request,
        "messaging/broadcast_cancel.html",
        {"broadcast": broadcast, "queued": broadcasts.progress(broadcast).get("queued", 0)},
    )


@login_required
def broadcast_share(request, broadcast_id: int):
    """The share kit: words and link to paste into groups, leaflets to print, a hand log."""
    broadcast = _broadcast(request, broadcast_id)
    texts = list(broadcast.texts.all())
    kit = [
        {
            "language": text.language,
            "name": broadcasts.LANGUAGES.get(text.language, text.language),
            "text": broadcasts.share_text(broadcast, text.language),
        }
        for text in texts
    ]
    return render(
        request,
        "messaging/broadcast_share.html",
        {
            "broadcast": broadcast,
            "kit": kit,
            # Helper A's hand log: a WhatsApp post or leaflets handed out, counted in the audit.
            "log_url": f"{reverse('messaging:audit_log')}?broadcast={broadcast.pk}",
        },
    )


@login_required
def broadcast_leaflet(request, broadcast_id: int):
    broadcast = _broadcast(request, broadcast_id)
    language = request.GET.get("language", "")
    if language and language not in broadcasts.LANGUAGES:
        language = ""
    if language and not broadcast.texts.filter(language=language).exists():
        raise Http404("No text in that language")
    large = request.GET.get("large") == "1"
    pdf = broadcasts.leaflet(broadcast, language=language, large_print=large)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = (
        f"broadcast-{broadcast.pk}{'-' + language if language else ''}{'-large' if large else ''}"
    )
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response
