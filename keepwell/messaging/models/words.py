"""Other rooms' words in messaging's translation workflow: each version a translator wrote
for one document (a survey's questions) in one language, and what its reviewer decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TranslatedWords(models.Model):
    """One version of a document's words in one language. Like a template's versions, its
    words never change once written; a translator's next try is a new version, so the
    reviewer's reasons and every approved version stay on the record."""

    class State(models.TextChoices):
        IN_REVIEW = "in_review", "Translated, waiting for review"
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back to the translator"
        RETIRED = "retired", "Replaced by a newer version"

    # Which room's documents ("survey"), as its AppConfig announces them, and which one.
    source = models.CharField(max_length=30)
    document = models.PositiveIntegerField()
    language = models.CharField(max_length=12)
    version = models.PositiveIntegerField()
    words = models.JSONField()  # {"<field key>": "the words", ...}
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_REVIEW)
    translated_by = models.CharField(max_length=120)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)  # why it was sent back

    class Meta:
        ordering = ["source", "document", "language", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "document", "language", "version"],
                name="translated_words_version_once",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved") | Q(reviewed_by__isnull=False),
                name="translated_words_approved_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.document} in {self.language} v{self.version}"
