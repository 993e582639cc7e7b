from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True  # this module holds the admin's config too
    name = "keepwell.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
    # Read by keepwell.core.api, in this order: a bearer token, else a signed-in session.
    api_auth = [
        "keepwell.accounts.api_auth.BearerToken",
        "keepwell.accounts.api_auth.VerifiedSession",
    ]


class KeepwellAdminConfig(admin_apps.AdminConfig):
    """Django's admin, served by a site that only keepwell's own sign-in opens."""

    default = False
    default_site = "keepwell.accounts.admin_site.KeepwellAdminSite"
