"""Why a help use case refused, in words a coordinator can act on."""

from __future__ import annotations

from keepwell.help.models import (
    HelpRequest,
)


class HelpError(Exception):
    """A use case refused; ``str(exc)`` says why in words a coordinator can act on."""


class NotEligible(HelpError):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("; ".join(reasons))


class TaskNoLongerAvailable(HelpError):
    pass


class InvalidTransition(HelpError):
    pass


class DuplicateRequest(HelpError):
    def __init__(self, existing: HelpRequest):
        self.existing = existing
        super().__init__(
            f"{existing.person.given_name} already has an open request for "
            f"{existing.need_type.name.lower()} (#{existing.pk})"
        )


class TooManyRequests(HelpError):
    pass
