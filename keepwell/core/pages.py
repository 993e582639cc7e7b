"""The create/edit page every room has: GET shows the form; a valid POST calls a service,
says what happened and redirects; otherwise the form is shown again, with the NHS.UK error
summary and status 400."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render

from keepwell.core.forms import form_status


def form_page(
    request,
    form: BaseForm,
    template: str,
    context: dict[str, Any],
    *,
    save: Callable[[], Any],
    success: str | Callable[[Any], str],
    redirect_to: str | Callable[[Any], str],
) -> HttpResponse:
    """Run ``save()`` when the form was posted and is valid, then flash ``success`` and
    redirect to ``redirect_to`` (each a string, or a function of what ``save`` returned).
    A service that refuses says why with ``form.add_error``: the form is shown again.

        form = ConsentForm(request.POST or None)
        save = lambda: services.record_consent(person, by=request.user, **form.cleaned_data)
        return form_page(request, form, "people/consent_form.html", {"person": person},
                         save=save, success="Consent recorded.", redirect_to=person_url)

    ``redirect_to`` is a URL or a URL pattern name, as ``django.shortcuts.redirect`` takes.
    The template gets ``context`` with ``form`` added.
    """
    if request.method == "POST" and form.is_valid():
        done = save()
        if not form.errors:
            messages.success(request, success(done) if callable(success) else success)
            return redirect(redirect_to(done) if callable(redirect_to) else redirect_to)
    return render(request, template, {"form": form, **context}, status=form_status(form))
