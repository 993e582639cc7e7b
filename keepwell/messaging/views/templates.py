"""The words' pages: every kind by language, a translator's form, a reviewer's decision.

Thin: parse, authorise, call ``keepwell.messaging.templating``, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from keepwell.core.forms import form_status
from keepwell.messaging import kinds, templating, translations
from keepwell.messaging.models import Channel, Template
from keepwell.messaging.template_forms import ReviewForm, TranslationForm

TRANSLATE = "messaging.translate_templates"
APPROVE = "messaging.approve_templates"
ANY_CHANNEL = "any"  # how the URL says channel "" (words for any channel)


def require_any(request, *perms: str) -> None:
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def _slot_args(key: str, channel: str, language: str) -> tuple[kinds.Kind, str]:
    """The kind and the stored channel for a URL's words; anything else is not found."""
    if key not in kinds.KINDS or language not in kinds.LANGUAGES:
        raise Http404("No such message")
    stored = "" if channel == ANY_CHANNEL else channel
    if stored and stored not in Channel.values:
        raise Http404("No such channel")
    return kinds.KINDS[key], stored


def slot_url(template: Template) -> str:
    return reverse(
        "messaging:template",
        kwargs={
            "key": template.key,
            "channel": template.channel or ANY_CHANNEL,
            "language": template.language,
        },
    )


def _channel_name(channel: str) -> str:
    return Channel(channel).label if channel else "Any channel"


@login_required
def template_list(request):
    require_any(request, TRANSLATE, APPROVE)
    return render(
        request,
        "messaging/templates.html",
        {
            "rows": templating.overview(),
            "languages": [(code, kinds.LANGUAGE_NAMES[code]) for code in kinds.LANGUAGES],
            "any_channel": ANY_CHANNEL,
            "other_words": translations.overview(),
        },
    )


@login_required
def template_slot(request, key: str, channel: str, language: str):
    require_any(request, TRANSLATE, APPROVE)
    kind, stored = _slot_args(key, channel, language)
    versions = list(templating.slot(key, stored, language).select_related("reviewed_by"))
    approved = next((v for v in versions if v.state == Template.State.APPROVED), None)
    in_review = next((v for v in versions if v.state == Template.State.IN_REVIEW), None)
    sent_back = next((v for v in versions if v.state == Template.State.DRAFT and v.body), None)
    english = (
        templating.slot(key, stored, "en").filter(state=Template.State.APPROVED).first()
        if language != "en"
        else None
    )
    may_translate = request.user.has_perm(TRANSLATE) and in_review is None
    needs_subject = stored != Channel.SMS
    form = None
    facts = None
    if may_translate:
        start = sent_back or approved
        initial = {"subject": start.subject, "body": start.body} if start else {}
        data = request.POST if request.method == "POST" else None
        form = TranslationForm(data, initial=initial, key=key, needs_subject=needs_subject)
        if data is not None:
            facts = templating.sms_facts(data.get("body", ""))
            if form.is_valid() and "check" not in data:
                try:
                    made = templating.submit_translation(
                        key=key,
                        channel=stored,
                        language=language,
                        subject=form.cleaned_data.get("subject", ""),
                        body=form.cleaned_data["body"],
                        translator=form.cleaned_data["translated_by"],
                        by=request.user,
                    )
                except templating.TemplatingError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        f"Version {made.version} is waiting for review by someone else.",
                    )
                    return redirect(slot_url(made))
    elif request.method == "POST":
        if not request.user.has_perm(TRANSLATE):
            raise PermissionDenied
        # Someone else's words arrived first: theirs wait for review, this page says so.
        messages.error(request, "These words are already waiting for review: nothing was saved.")
        return redirect(request.path)
    return render(
        request,
        "messaging/template_slot.html",
        {
            "kind": kind,
            "channel_name": _channel_name(stored),
            "language_name": kinds.LANGUAGE_NAMES[language],
            "language": language,
            "versions": versions,
            "approved": approved,
            "approved_facts": templating.sms_facts(approved.body) if approved else None,
            "english": english,
            "english_facts": templating.sms_facts(english.body) if english else None,
            "in_review": in_review,
            "sent_back": sent_back,
            "sent_back_event": templating.sent_back_reason(sent_back) if sent_back else None,
            "form": form,
            "facts": facts,
            "may_review": request.user.has_perm(APPROVE),
        },
        status=form_status(form) if form is not None else 200,
    )


@login_required
def template_review(request, template_id: int):
    require_any(request, APPROVE)
    # Words for a kind keepwell no longer has are not reviewed here.
    template = get_object_or_404(
        Template, pk=template_id, state=Template.State.IN_REVIEW, key__in=list(kinds.KINDS)
    )
    submitter = templating.submitter_id(template)
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            if form.cleaned_data["decision"] == ReviewForm.APPROVE:
                templating.approve(template, by=request.user)
                messages.success(request, "Approved: these words send from now on.")
            else:
                templating.send_back(template, reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, "Sent back to the translator.")
        except templating.TemplatingError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(slot_url(template))
    english = (
        templating.slot(template.key, template.channel, "en")
        .filter(state=Template.State.APPROVED)
        .first()
    )
    return render(
        request,
        "messaging/template_review.html",
        {
            "template": template,
            "kind": kinds.get(template.key),
            "channel_name": _channel_name(template.channel),
            "language_name": kinds.LANGUAGE_NAMES.get(template.language, template.language),
            "facts": templating.sms_facts(template.body),
            "english": english if template.language != "en" else None,
            "own_words": submitter == request.user.pk,
            "slot_url": slot_url(template),
            "form": form,
        },
        status=form_status(form),
    )
