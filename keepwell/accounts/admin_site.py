"""The admin site, behind keepwell's own sign-in.

Django's admin has a sign-in page of its own that knows nothing of keepwell's throttle or
two-factor step. Here that page sends staff to keepwell's sign-in instead (it never takes a
password itself), and the admin opens only to a session that counts as signed in: for staff,
after the one-time code. django-otp's ``OTPAdminSite`` asks for the code on the admin's own
form but has no throttle, and refuses even when keepwell's demo turns two-factor off, so the
one sign-in serves both.
"""

from __future__ import annotations

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from keepwell.accounts.models import is_signed_in
from keepwell.core.http import safe_next


class KeepwellAdminSite(admin.AdminSite):
    site_header = "keepwell administration"
    site_title = "keepwell admin"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and is_signed_in(request.user)

    def login(self, request, extra_context=None):
        target = safe_next(request, "admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
