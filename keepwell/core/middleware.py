from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """A strict CSP: our own scripts and styles only, map tiles from OpenStreetMap."""

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = getattr(settings, "KEEPWELL_MAP_TILES_ORIGIN", "https://tile.openstreetmap.org")
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                f"img-src 'self' data: {tiles}",
                "font-src 'self' https://assets.nhs.uk",
                "connect-src 'self'",
                "frame-ancestors 'none'",
                "form-action 'self'",
                "base-uri 'self'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(("/api/docs", "/admin/")):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
