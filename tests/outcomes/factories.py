"""Helpers for outcomes stories: answers as a coordinator would record them on the phone."""

from __future__ import annotations

from datetime import datetime

from keepwell.outcomes import services

GOOD_START = {
    "3cs": {"control": 3, "contact": 2, "confidence": 3},
    "ons4": {"life_satisfaction": 4, "worthwhile": 5, "happiness": 4, "anxiety": 7},
    "ucla3": {"lack_companionship": 3, "left_out": 3, "isolated": 3},
}
BETTER_LATER = {
    "3cs": {"control": 6, "contact": 7, "confidence": 6},
    "ons4": {"life_satisfaction": 6, "worthwhile": 7, "happiness": 7, "anxiety": 4},
    "ucla3": {"lack_companionship": 2, "left_out": 1, "isolated": 2},
}


def answer(
    person, by, answers=None, *, weeks=0, plan=None, referral=None, at: datetime | None = None
):
    return services.record_answers(
        person,
        answers or GOOD_START,
        by=by,
        how="phone",
        weeks=weeks,
        plan=plan,
        referral=referral,
        consent_how="phone",
        answered_at=at,
    )
