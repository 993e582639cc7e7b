"""The in-app inbox: notes for a member of staff and their organisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from keepwell.core.permissions import require
from keepwell.messaging import inbox as inbox_notes


@login_required
def inbox(request):
    require(request, "messaging.view_inbox")
    notes = inbox_notes.notes_for(request.user).select_related("organisation")
    page = Paginator(notes, 50).get_page(request.GET.get("page"))
    return render(request, "messaging/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request):
    require(request, "messaging.view_inbox")
    count = inbox_notes.mark_read(inbox_notes.notes_for(request.user), by=request.user)
    messages.success(request, f"{count} marked as read.")
    return redirect("messaging:inbox")
