"""URLs: each capability mounts its own urls.py under its prefix."""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.contrib import admin
from django.urls import include, path

from keepwell.core.api import api

handler403 = "keepwell.core.views.error_403"
handler404 = "keepwell.core.views.error_404"
handler500 = "keepwell.core.views.error_500"

urlpatterns = [
    path("", include("keepwell.core.urls")),
    path("accounts/", include("keepwell.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

# A capability's urls.py may set ``url_prefix`` (default: its label, e.g. "people/").
for _config in apps.get_app_configs():
    if not _config.name.startswith("keepwell.") or _config.label in {"core", "accounts"}:
        continue
    try:
        _module = import_module(f"{_config.name}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_config.name}.urls":
            raise
        continue
    _prefix = getattr(_module, "url_prefix", f"{_config.label}/")
    urlpatterns.append(path(_prefix, include(_module)))
