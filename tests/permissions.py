"""The persona × URL permission matrix, shared by every capability.

Each capability lists its URLs in ``tests/<app>/permissions.py`` as ``MATRIX``, a list of
:class:`Row`; ``tests/test_permission_matrix.py`` walks every row as every persona, and
fails if any URL of the project is missing from the matrix.

``expect`` maps persona name → status code; ``default`` covers personas not named.
Anonymous visitors of a sign-in-only page get 302 (to sign in) unless the row says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OK, REDIRECT, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405
SIGNED_IN_ONLY = {"anonymous": REDIRECT}


@dataclass
class Row:
    url_name: str
    expect: dict[str, int]
    default: int = FORBIDDEN
    kwargs: Callable[[Any], dict[str, Any]] = field(default=lambda world: {})
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    # Query string appended to the URL, for pages that need one.
    query: str = ""

    def status_for(self, persona: str) -> int:
        return self.expect.get(persona, self.default)
