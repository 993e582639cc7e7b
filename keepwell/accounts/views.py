from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from keepwell.accounts import services
from keepwell.accounts.forms import SignInForm, TokenForm, TwoFactorForm
from keepwell.accounts.models import ApiToken, two_factor_required_for
from keepwell.core.forms import form_status
from keepwell.core.http import safe_next


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def sign_in(request):
    form = SignInForm(request, data=request.POST or None)
    throttled = None
    if request.method == "POST":
        username = request.POST.get("username", "")
        ip = _client_ip(request)
        try:
            services.check_login_allowed(username, ip)
        except services.TooManyAttempts as exc:
            throttled = str(exc)
            form = SignInForm(request)
        else:
            if form.is_valid():
                user = form.get_user()
                auth_login(request, user)
                services.clear_login_failures(username)
                return redirect(safe_next(request))
            services.record_login_failure(username, ip)
    status = 429 if throttled else (200 if not form.errors else 400)
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "throttled": throttled, "next": safe_next(request, "")},
        status=status,
    )


@require_POST
def sign_out(request):
    auth_logout(request)
    messages.info(request, "You have signed out.")
    return redirect("core:home")


@login_required
def account(request):
    tokens = request.user.api_tokens.all()
    return render(
        request,
        "accounts/account.html",
        {
            "tokens": tokens,
            "form": TokenForm(),
            "has_device": services.has_confirmed_device(request.user),
        },
    )


@login_required
@require_POST
def create_token(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "accounts/account.html",
            {
                "tokens": request.user.api_tokens.all(),
                "form": form,
            },
            status=400,
        )
    token, raw = services.create_token(request.user, form.cleaned_data["name"])
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@login_required
@require_POST
def revoke_token(request, token_id: int):
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token)
    messages.success(request, f"Token {token.name} revoked. Anything using it will stop working.")
    return redirect("accounts:account")


@login_required
def two_factor(request):
    """Enrol an authenticator app (first time) or enter a code (every sign-in)."""
    user = request.user
    device = services.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = services.start_totp_device(user)
    form = TwoFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            # django-otp slows guessing down: each wrong code doubles the wait.
            form.add_error("token", "Too many wrong codes. Wait a minute, then try again.")
        elif device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                services.confirm_totp_device(device)
            otp_login(request, device)
            return redirect(safe_next(request))
        else:
            form.add_error("token", "That code is not right. Codes change every 30 seconds.")
    context = {"form": form, "enrolling": enrolling, "next": safe_next(request, "")}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, micro=False).svg_inline(scale=4)
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
        context["required"] = two_factor_required_for(user)
    status = form_status(form)
    return render(request, "accounts/two_factor.html", context, status=status)


def demo_two_factor_off() -> bool:
    return not settings.REQUIRE_TWO_FACTOR
