"""A body in: read as JSON (never deeper than MAX_DEPTH), and the problems that refuse it,
answered as a FHIR OperationOutcome."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field


@dataclass
class Problem:
    diagnostics: str
    expression: str | None = None
    code: str = "invalid"  # FHIR issue-type: invalid, required, value, not-found, business-rule

    def as_issue(self) -> dict:
        issue = {"severity": "error", "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class BundleRejected(Exception):
    problems: list[Problem] = field(default_factory=list)
    status: int = 400


def operation_outcome(problems: list[Problem]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [p.as_issue() for p in problems]}


# How deep a Bundle may nest its JSON. A real referral nests about 12 deep (an extension in
# a coding in an identifier in a resource in an entry); json.loads, pydantic and json.dumps
# all recurse, so a body nested thousands deep would end in RecursionError, a 500.
MAX_DEPTH = 64
# A JSON string (a key when a colon follows) or one of the characters that shape the nesting.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"\s*:?|[\[\]{},]')


def _too_deep(text: str) -> tuple[bool, str | None]:
    """Whether ``text`` nests deeper than MAX_DEPTH, and where, as an expression like
    ``Bundle.entry[1].resource.extension[0]`` (None when the body is not an object).

    A linear scan that never recurses, for a body too deep for json.loads. Malformed JSON is
    left for json.loads to describe."""
    place: list[str | int | None] = []  # per open container: its current key or index
    for match in _JSON_TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            if len(place) >= MAX_DEPTH:
                return True, _expression(place)
            place.append(0 if token == "[" else None)
        elif token in ("]", "}"):
            if place:
                place.pop()
        elif token == ",":
            if place and isinstance(place[-1], int):
                place[-1] += 1
        elif token.endswith(":") and place:
            place[-1] = token[1:].rstrip(": \t\r\n")[:-1]
    return False, None


def _too_deep_parsed(data) -> tuple[bool, str | None]:
    """The same as _too_deep for JSON json.loads could read: a walk that never recurses."""
    if not isinstance(data, (dict, list)):
        return False, None
    stack = [(data, "Bundle" if isinstance(data, dict) else None, 1)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True, path
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in items:
            if isinstance(child, (dict, list)):
                where = path and (f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}")
                stack.append((child, where, depth + 1))
    return False, None


def _expression(place: list) -> str | None:
    if not place or isinstance(place[0], int):
        return None
    path = "Bundle"
    for step in place:
        if step is not None:  # None: an object whose first key is not yet read
            path += f"[{step}]" if isinstance(step, int) else f".{step}"
    return path


def read_bundle_json(body: bytes | str):
    """The body as JSON, or BundleRejected (400) saying why it is not."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as exc:
        raise BundleRejected(
            [Problem(f"The body is not valid JSON: {exc}", None, "structure")]
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleRejected(
            [Problem(f"The body is not valid JSON: {exc}", None, "structure")]
        ) from None
    except RecursionError:
        data, (deep, where) = None, _too_deep(text)
    else:
        deep, where = _too_deep_parsed(data)
    if deep:
        message = f"The body is nested more than {MAX_DEPTH} levels deep"
        raise BundleRejected([Problem(message, where, "structure")])
    return data
