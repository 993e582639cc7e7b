"""One problem or warning about a BaRS message, named by FHIRPath: the lines of an
OperationOutcome. Pure: imports no Django."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One line of an OperationOutcome: an error refuses the message with ``status``; a
    warning or information goes back with the answer."""

    severity: str  # error, warning, information
    code: str  # a FHIR issue type: invalid, required, not-found, not-supported, ...
    diagnostics: str
    expression: str | None = None
    status: int = 400


def error(diagnostics: str, where: str | None, code: str = "invalid", status: int = 400) -> Issue:
    return Issue("error", code, diagnostics, where, status)


def warning(diagnostics: str, where: str | None, code: str = "informational") -> Issue:
    return Issue("warning", code, diagnostics, where, 200)
