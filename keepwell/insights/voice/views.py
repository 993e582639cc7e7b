"""Community voice and practice reflection pages: thin. Parse, authorise, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keepwell.core.forms import form_status
from keepwell.core.i18n import keep_language, public_language
from keepwell.core.pages import form_page
from keepwell.core.permissions import require
from keepwell.core.querystring import page_number
from keepwell.directory.models import Organisation
from keepwell.insights.voice import forms, practice, queries, services
from keepwell.insights.voice import surveys as surveys_service
from keepwell.insights.voice.models import (
    Priority,
    PriorityAction,
    Reflection,
    Survey,
    VoiceItem,
)
from keepwell.insights.voice.rules import team_ids
from keepwell.messaging.kinds import LANGUAGE_NAMES

BROWSER_COOKIE = "kw_voice"
_COOKIE_SALT = "keepwell.voice.browser"
_COOKIE_AGE = 60 * 60 * 24 * 365 * 2


# --- Community voice (public) ---------------------------------------------------------------


@public_language
def index(request):
    """Everything raised, newest first, with what was done: filter by status and area."""
    filters = forms.FilterForm(request.GET or None)
    items = queries.public_items(**filters.chosen())
    page = Paginator(items, 20).get_page(page_number(request.GET.get("page")))
    return render(request, "voice/index.html", {"filters": filters, "page": page})


@public_language
def raise_item(request):
    form = forms.RaiseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_robot:
            # Say nothing a robot could learn from: it looks sent, and nothing is kept.
            return redirect(keep_language(reverse("voice:raised"), request))
        if services.over_the_limit(request.META.get("REMOTE_ADDR")):
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Several things were sent from here in the last hour. Try again later, or "
                    "ask your GP practice or community hub to pass it on."
                ),
            )
            status = 429
        elif form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != forms.HONEYPOT}
            item = services.raise_item(by=request.user, **data)
            request.session["voice_raised"] = item.pk
            return redirect(keep_language(reverse("voice:raised"), request))
    return render(
        request,
        "voice/raise.html",
        {"form": form},
        status=max(status, form_status(form)),
    )


@public_language
def raised(request):
    pk = request.session.pop("voice_raised", None)
    item = VoiceItem.objects.filter(pk=pk).first() if pk else None
    return render(request, "voice/raised.html", {"item": item})


@public_language
def item(request, item_id: int):
    try:
        found = queries.item_page(item_id)
    except VoiceItem.DoesNotExist:
        raise Http404("No such item") from None
    may_answer = request.user.has_perm("voice.answer")
    if may_answer and not found.is_hidden:
        services.open_contact(found, by=request.user)
    return render(
        request,
        "voice/item.html",
        {
            "item": found,
            "may_answer": may_answer,
            "may_moderate": request.user.has_perm("voice.moderate"),
            "supported": request.GET.get("supported"),
        },
    )


@require_POST
@public_language
def support(request, item_id: int):
    found = get_object_or_404(VoiceItem, pk=item_id)
    browser = request.get_signed_cookie(BROWSER_COOKIE, default="", salt=_COOKIE_SALT)
    new_browser = not browser
    if new_browser:
        browser = services.new_browser_key()
    try:
        counted = services.support(found, user=request.user, browser=browser)
    except services.VoiceRefused as exc:
        messages.error(request, str(exc))
        counted = None
    if counted:
        messages.success(request, _("Thank you: your support is counted."))
    elif counted is False:
        messages.info(request, _("Your support was already counted: each person counts once."))
    response = redirect(keep_language(reverse("voice:item", args=[found.pk]), request))
    response.status_code = 303  # after a POST: the browser fetches the item page with GET
    if new_browser:
        response.set_signed_cookie(
            BROWSER_COOKIE,
            browser,
            salt=_COOKIE_SALT,
            max_age=_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


# --- Community voice (staff) ----------------------------------------------------------------


@login_required
def answer(request, item_id: int):
    require(request, "voice.answer")
    found = get_object_or_404(VoiceItem, pk=item_id)
    form = forms.AnswerForm(request.POST or None, item=found)

    def save():
        try:
            return services.answer(found, by=request.user, **form.cleaned_data)
        except services.VoiceRefused as exc:
            form.add_error(None, str(exc))

    return form_page(
        request,
        form,
        "voice/answer.html",
        {"item": found},
        save=save,
        success="Your answer is on the public page.",
        redirect_to=reverse("voice:item", kwargs={"item_id": found.pk}),
    )


@login_required
def hide(request, item_id: int):
    require(request, "voice.moderate")
    found = get_object_or_404(VoiceItem, pk=item_id)
    form = forms.HideForm(request.POST or None)
    return form_page(
        request,
        form,
        "voice/hide.html",
        {"item": found},
        save=lambda: services.hide(found, by=request.user, **form.cleaned_data),
        success="The item is removed from the public page.",
        redirect_to=reverse("voice:item", kwargs={"item_id": found.pk}),
    )


# --- Practice reflection --------------------------------------------------------------------


def _teams(user):
    if user.is_platform_admin:
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=team_ids(user)).order_by("name")


@login_required
def reflections(request):
    require(request, "voice.view_reflections")
    teams = _teams(request.user)
    return render(
        request,
        "voice/reflections.html",
        {
            "reflections": queries.reflections_of(teams.values("pk")),
            "may_reflect": request.user.has_perm("voice.reflect"),
        },
    )


@login_required
def reflection_new(request):
    require(request, "voice.reflect")
    form = forms.ReflectionForm(request.POST or None, organisations=_teams(request.user))

    def save():
        data = form.cleaned_data
        return services.record_reflection(
            data["organisation"],
            by=request.user,
            ratings=form.ratings(),
            reflected_on=data["reflected_on"],
            may_name_team=data["may_name_team"],
            notes=data["notes"],
        )

    return form_page(
        request,
        form,
        "voice/reflection_new.html",
        {"scale": practice.SCALE},
        save=save,
        success="The reflection is saved.",
        redirect_to=lambda r: reverse("voice:reflection", kwargs={"reflection_id": r.pk}),
    )


@login_required
def reflection(request, reflection_id: int):
    found = get_object_or_404(Reflection.objects.select_related("organisation"), pk=reflection_id)
    require(request, "voice.view_reflection", found)
    history = queries.team_reflections(found.organisation)
    current = next(r for r in history if r.pk == found.pk)
    earlier = [r for r in history if (r.reflected_on, r.pk) < (found.reflected_on, found.pk)]
    before = earlier[-1] if earlier else None
    ratings = current.ratings_by_key()
    evidence = {r.key: r.evidence for r in current.ratings.all()}
    moved = practice.changes(ratings, before.ratings_by_key()) if before else {}
    rows = [
        (
            group,
            [
                (s, ratings.get(s.key), evidence.get(s.key, ""), moved.get(s.key))
                for s in practice.in_group(group.key)
            ],
        )
        for group in practice.GROUPS
    ]
    return render(
        request,
        "voice/reflection.html",
        {
            "reflection": current,
            "before": before,
            "rows": rows,
            "scale": practice.SCALE,
            "suggestions": practice.suggestions(ratings),
            "chart": queries.change_chart(history),
        },
    )


@login_required
def reflections_place(request):
    require(request, "voice.view_place_reflections")
    return render(
        request,
        "voice/reflections_place.html",
        {"summary": queries.place_summary(), "min_teams": practice.MIN_TEAMS},
    )


# --- "What matters to you" surveys ----------------------------------------------------------


@login_required
def surveys(request):
    require(request, "voice.run_surveys")
    return render(
        request,
        "voice/surveys.html",
        {"surveys": Survey.objects.annotate(answered=Count("responses")).order_by("-created_at")},
    )


@login_required
def survey_new(request):
    require(request, "voice.run_surveys")
    form = forms.SurveyForm(request.POST or None)
    return form_page(
        request,
        form,
        "voice/survey_new.html",
        {},
        save=lambda: surveys_service.create_survey(by=request.user, **form.cleaned_data),
        success="The survey is ready: make codes to send or print.",
        redirect_to=lambda s: reverse("voice:survey", kwargs={"survey_id": s.pk}),
    )


@login_required
def survey(request, survey_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session["voice_codes"] = surveys_service.invite(
            found, by=request.user, **form.cleaned_data
        )
        return redirect("voice:survey", survey_id=found.pk)
    return render(
        request,
        "voice/survey.html",
        {
            "survey": found,
            "questions": found.questions.all(),
            "form": form,
            "codes": request.session.pop("voice_codes", None),
            "languages": surveys_service.languages(found),
            "may_translate": any(
                request.user.has_perm(perm)
                for perm in ("messaging.translate_templates", "messaging.approve_templates")
            ),
            "invited": found.invitations.count(),
            "used": found.invitations.filter(used_at__isnull=False).count(),
            "answer_url": request.build_absolute_uri(reverse("voice:survey_start")),
        },
        status=form_status(form),
    )


@login_required
def survey_named(request, survey_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    named = surveys_service.named_responses(found, by=request.user)
    return render(request, "voice/survey_named.html", {"survey": found, "named": named})


@login_required
def survey_send(request, survey_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    form = forms.SendSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sending = surveys_service.send_invitations(
                found, area=form.cleaned_data["area"], by=request.user
            )
        except surveys_service.SurveyRefused as exc:
            form.add_error("area", str(exc))
        else:
            messages.success(
                request,
                f"Sent to {sending.sent} resident{'s' if sending.sent != 1 else ''}. "
                f"{sending.already} had been sent it before; {sending.unreachable} could "
                "not be reached by any channel.",
            )
            return redirect("voice:survey", survey_id=found.pk)
    return render(
        request, "voice/survey_send.html", {"survey": found, "form": form}, status=form_status(form)
    )


@login_required
def survey_results(request, survey_id: int):
    require(request, "voice.view_survey_results")
    found = get_object_or_404(Survey, pk=survey_id)
    by = request.GET.get("by") if request.GET.get("by") in queries.GROUPINGS else "area"
    answered, results = queries.survey_results(found, by)
    return render(
        request,
        "voice/survey_results.html",
        {"survey": found, "answered": answered, "results": results, "by": by},
    )


@public_language
def survey_start(request):
    """Where a paper letter sends people: type the code, then answer."""
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = surveys_service.open_invitation(form.cleaned_data["code"])
        except surveys_service.SurveyRefused as exc:
            form.add_error("code", str(exc))
        else:
            return redirect(
                keep_language(reverse("voice:survey_answer", args=[invitation.code]), request)
            )
    return render(request, "voice/survey_start.html", {"form": form}, status=form_status(form))


@public_language
def survey_answer(request, code: str):
    """The link in a text or email, or where a typed code leads: answer once."""
    try:
        invitation = surveys_service.open_invitation(code)
    except surveys_service.SurveyRefused as exc:
        return render(request, "voice/survey_closed.html", {"reason": str(exc)}, status=410)
    offered = surveys_service.languages_in_use(invitation.survey.questions.all())
    # A ?lang= link for any language the survey is approved in (Welsh, Urdu...: the
    # questions in it, the page around them in English); else the page's own language.
    asked = request.GET.get("lang", "")
    page = "pt" if translation.get_language().startswith("pt") else "en"
    language = asked if asked in offered else page if page in offered else "en"
    form = forms.AnswerSurveyForm(
        request.POST or None,
        survey_questions=invitation.survey.questions.all(),
        language=language,
    )
    if request.method == "POST" and form.is_valid():
        try:
            surveys_service.record_answers(
                code, form.answers(), language=language, named=form.named()
            )
        except surveys_service.SurveyRefused as exc:
            return render(request, "voice/survey_closed.html", {"reason": str(exc)}, status=410)
        return redirect(keep_language(reverse("voice:survey_thanks"), request))
    return render(
        request,
        "voice/survey_answer.html",
        {
            "survey": invitation.survey,
            "form": form,
            "language": language,
            "code": code,
            "others": [(c, LANGUAGE_NAMES[c]) for c in offered if c != language],
        },
        status=form_status(form),
    )


@public_language
def survey_thanks(request):
    return render(request, "voice/survey_thanks.html")


@login_required
def survey_coding(request, survey_id: int):
    """Staff read open answers against the codebook and decide their themes."""
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    themes, to_code, left = queries.answers_to_code(found)
    form = forms.CodingForm(request.POST or None, themes=themes, to_code=to_code)
    if request.method == "POST" and form.is_valid():
        done = surveys_service.code_answers(found, form.decisions(), by=request.user)
        messages.success(request, f"{done} answers coded.")
        return redirect("voice:survey_coding", survey_id=found.pk)
    return render(
        request,
        "voice/survey_coding.html",
        {"survey": found, "form": form, "themes": themes, "left": left},
        status=form_status(form),
    )


@login_required
def survey_theme_add(request, survey_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    form = forms.ThemeForm(request.POST or None)

    def save():
        try:
            return surveys_service.add_theme(found, by=request.user, **form.cleaned_data)
        except surveys_service.SurveyRefused as exc:
            form.add_error("name", str(exc))

    return form_page(
        request,
        form,
        "voice/survey_theme.html",
        {"survey": found},
        save=save,
        success="The theme is in the codebook.",
        redirect_to=reverse("voice:survey_coding", kwargs={"survey_id": found.pk}),
    )


@login_required
def survey_board(request, survey_id: int):
    """The planning board: themes people raised become priorities with owners and actions."""
    require(request, "voice.run_surveys")
    found = get_object_or_404(Survey, pk=survey_id)
    form = forms.PriorityForm(request.POST or None, survey=found)
    return form_page(
        request,
        form,
        "voice/survey_board.html",
        {"survey": found, "columns": queries.board(found)},
        save=lambda: surveys_service.make_priority(found, by=request.user, **form.cleaned_data),
        success="The priority is on the board.",
        redirect_to=lambda p: reverse("voice:priority", kwargs={"priority_id": p.pk}),
    )


@login_required
def priority(request, priority_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(
        Priority.objects.select_related("survey", "owner", "theme"), pk=priority_id
    )
    form = forms.ActionForm(request.POST or None)
    return form_page(
        request,
        form,
        "voice/priority.html",
        {"priority": found, "actions": found.actions.select_related("owner")},
        save=lambda: surveys_service.add_action(found, by=request.user, **form.cleaned_data),
        success="The action is added.",
        redirect_to=reverse("voice:priority", kwargs={"priority_id": found.pk}),
    )


@login_required
@require_POST
def action_done(request, action_id: int):
    require(request, "voice.run_surveys")
    found = get_object_or_404(PriorityAction, pk=action_id)
    surveys_service.finish_action(found, by=request.user)
    messages.success(request, "The action is marked done.")
    return redirect("voice:priority", priority_id=found.priority_id)
