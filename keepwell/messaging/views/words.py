"""Other rooms' words on the words pages: a document in one language, and a reviewer's
decision. The same people translate and review them as the words keepwell sends.

Thin: parse, authorise, call ``keepwell.messaging.translations``, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from keepwell.core.forms import form_status
from keepwell.messaging import translations
from keepwell.messaging.kinds import LANGUAGE_NAMES, is_rtl
from keepwell.messaging.models import TranslatedWords
from keepwell.messaging.template_forms import ReviewForm, WordsForm
from keepwell.messaging.templating import TemplatingError
from keepwell.messaging.views.templates import APPROVE, TRANSLATE, require_any

APPROVE_LABEL = "Approve: people read these words from now on"


def _document(source: str, document: int):
    """The source and the document's fields, or 404."""
    try:
        found = translations.source(source)
        return found, translations.fields_of(source, document)
    except LookupError:
        raise Http404("No such words") from None


@login_required
def words(request, source: str, document: int, language: str):
    require_any(request, TRANSLATE, APPROVE)
    found, fields = _document(source, document)
    if language not in found.languages or language == "en":
        raise Http404("No such language")
    versions = list(
        translations.versions(source, document, language).select_related(
            "submitted_by", "reviewed_by"
        )
    )
    latest = versions[0] if versions else None
    in_review = latest if latest and latest.state == TranslatedWords.State.IN_REVIEW else None
    sent_back = latest if latest and latest.state == TranslatedWords.State.SENT_BACK else None
    form = None
    if request.user.has_perm(TRANSLATE) and in_review is None:
        start = sent_back.words if sent_back else {f.key: f.words.get(language, "") for f in fields}
        form = WordsForm(
            request.POST if request.method == "POST" else None,
            fields=fields,
            language=language,
            start=start,
        )
        if form.is_bound and form.is_valid():
            try:
                made = translations.submit(
                    source,
                    document,
                    language=language,
                    translated_by=form.cleaned_data["translated_by"],
                    words=form.words(),
                    by=request.user,
                )
            except TemplatingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, f"Version {made.version} is waiting for review by someone else."
                )
                return redirect(request.path)
    elif request.method == "POST":
        if not request.user.has_perm(TRANSLATE):
            raise PermissionDenied
        messages.error(request, "These words are already waiting for review: nothing was saved.")
        return redirect(request.path)
    in_use = translations.written_in(fields, language)
    return render(
        request,
        "messaging/words.html",
        {
            "source": found,
            "title": found.title_of(document),
            "document_url": found.url(document),
            "language": language,
            "language_name": LANGUAGE_NAMES.get(language, language),
            "rtl": is_rtl(language),
            "rows": [(f, f.words.get(language, "")) for f in fields],
            "in_use": in_use,
            "caption": "The words people read now" if in_use else "The words to translate",
            "versions": versions,
            "in_review": in_review,
            "sent_back": sent_back,
            "form": form,
            "may_review": request.user.has_perm(APPROVE),
        },
        status=form_status(form) if form is not None else 200,
    )


@login_required
def words_review(request, version_id: int):
    require_any(request, APPROVE)
    version = get_object_or_404(
        TranslatedWords.objects.select_related("submitted_by"),
        pk=version_id,
        state=TranslatedWords.State.IN_REVIEW,
    )
    found, fields = _document(version.source, version.document)
    form = ReviewForm(
        request.POST if request.method == "POST" else None, approve_label=APPROVE_LABEL
    )
    if form.is_bound and form.is_valid():
        try:
            if form.cleaned_data["decision"] == ReviewForm.APPROVE:
                translations.approve(version, by=request.user)
                messages.success(request, "Approved: people read these words from now on.")
            else:
                translations.send_back(version, reason=form.cleaned_data["reason"], by=request.user)
                messages.success(request, "Sent back to the translator.")
        except TemplatingError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(
                "messaging:words",
                source=version.source,
                document=version.document,
                language=version.language,
            )
    return render(
        request,
        "messaging/words_review.html",
        {
            "version": version,
            "source": found,
            "title": found.title_of(version.document),
            "language_name": LANGUAGE_NAMES.get(version.language, version.language),
            "rtl": is_rtl(version.language),
            "rows": [(f, version.words.get(f.key, "")) for f in fields],
            "own_words": version.submitted_by_id == request.user.pk,
            "form": form,
        },
        status=form_status(form),
    )
