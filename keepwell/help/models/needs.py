"""Kinds of help, and the checks and authorisations a volunteer must hold to give them."""

from __future__ import annotations

from django.db import models


class CheckKind(models.TextChoices):
    DBS_BASIC = "dbs_basic", "DBS basic check"
    DBS_ENHANCED = "dbs_enhanced", "DBS enhanced check"
    DBS_ENHANCED_BARRED = "dbs_enhanced_barred", "DBS enhanced check with barred list"
    ID_CHECK = "id_check", "ID check"
    SAFEGUARDING_TRAINING = "safeguarding_training", "Safeguarding training"


# A higher level of DBS check satisfies a need for a lower one.
CHECK_SATISFIES: dict[str, frozenset[str]] = {
    CheckKind.DBS_BASIC: frozenset({CheckKind.DBS_BASIC}),
    CheckKind.DBS_ENHANCED: frozenset({CheckKind.DBS_ENHANCED, CheckKind.DBS_BASIC}),
    CheckKind.DBS_ENHANCED_BARRED: frozenset(
        {CheckKind.DBS_ENHANCED_BARRED, CheckKind.DBS_ENHANCED, CheckKind.DBS_BASIC}
    ),
    CheckKind.ID_CHECK: frozenset({CheckKind.ID_CHECK}),
    CheckKind.SAFEGUARDING_TRAINING: frozenset({CheckKind.SAFEGUARDING_TRAINING}),
}


def kinds_satisfying(required: str) -> list[str]:
    """The check kinds that count as ``required`` (an enhanced check counts as a basic one)."""
    return sorted(kind for kind, covers in CHECK_SATISFIES.items() if required in covers)


def expand_checks(held) -> frozenset[str]:
    """Every check kind that the held kinds count as."""
    out: set[str] = set()
    for kind in held:
        out |= CHECK_SATISFIES.get(kind, frozenset({kind}))
    return frozenset(out)


class AuthorisationKind(models.TextChoices):
    MEDICINES = "medicines", "Collecting and delivering medicines"
    CONTROLLED_DRUGS = "controlled_drugs", "Delivering controlled drugs"


class Transport(models.TextChoices):
    ON_FOOT = "on_foot", "On foot"
    BICYCLE = "bicycle", "Bicycle"
    PUBLIC = "public", "Public transport"
    CAR = "car", "Car"


class NeedCategory(models.TextChoices):
    """The report's Table two columns."""

    PRACTICAL = "practical", "Practical"
    EDUCATIONAL = "educational", "Educational"
    EMOTIONAL = "emotional", "Emotional"
    SOCIAL = "social", "Social"


class NeedType(models.Model):
    """A kind of help, and what a volunteer must hold to give it."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    category = models.CharField(max_length=20, choices=NeedCategory.choices)
    description = models.CharField(max_length=300, blank=True)
    required_checks = models.JSONField(
        default=list, blank=True, help_text="Check kinds, e.g. ['dbs_enhanced']"
    )
    required_authorisations = models.JSONField(
        default=list, blank=True, help_text="Authorisation kinds, e.g. ['medicines']"
    )
    needs_car = models.BooleanField(default=False)
    # Shown on the public self-request form.
    public = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def requirements_text(self) -> str:
        parts = [CheckKind(c).label for c in self.required_checks if c in CheckKind.values]
        parts += [
            f"authorisation: {AuthorisationKind(a).label.lower()}"
            for a in self.required_authorisations
            if a in AuthorisationKind.values
        ]
        if self.needs_car:
            parts.append("a car")
        return ", ".join(parts) or "Nothing special"
