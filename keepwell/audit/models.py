"""The audit log: an append-only record of who read or changed whose personal data.

Rows are written only by :func:`keepwell.audit.services.record`. The model refuses
updates and deletes, the admin is read-only, and on PostgreSQL a trigger refuses them
too, so not even a mistaken ``QuerySet.update()`` can rewrite history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditLogIsAppendOnly(Exception):
    pass


class Action(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Change"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"


class Purpose(models.TextChoices):
    DIRECT_CARE = "direct_care", "Direct care and support"
    HELP_REQUEST = "help_request", "Arranging help"
    REFERRAL = "referral", "Referral"
    SAFEGUARDING = "safeguarding", "Safeguarding"
    ADMINISTRATION = "administration", "Record keeping"
    INFORMATION_GOVERNANCE = "information_governance", "Information governance review"
    SUBJECT_ACCESS = "subject_access", "The person viewing their own record"
    OUTCOMES = "outcomes", "Measuring outcomes"
    TIMEBANK = "timebank", "Time bank"
    COMMUNICATION = "communication", "Messages to and from the person"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("audit rows cannot be changed")

    def delete(self):
        raise AuditLogIsAppendOnly("audit rows cannot be deleted")

    def for_person(self, person_id: int):
        return self.filter(person_id=person_id)

    def shown_to_the_person(self):
        """What a resident sees of their own record's log: everything but safeguarding.

        A concern raised about someone's safety is still recorded, and the information
        governance admin sees it; showing it to the person (or whoever else reads their
        screen) could warn the very person the concern is about.
        """
        return self.exclude(purpose=Purpose.SAFEGUARDING).exclude(object_type="help.concern")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too, so the row still says who it was if the account is renamed.
    actor_label = models.CharField(max_length=200)
    via = models.CharField(max_length=20, default="web")  # web, api, admin, command, system
    action = models.CharField(max_length=10, choices=Action.choices)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    # Whose data it is: the person, kept as an id so deleting a person keeps their audit.
    # Found through the audit_person_at index, which leads with it.
    person_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=60)  # "people.person", "help.task"
    object_id = models.CharField(max_length=64)
    summary = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person_id", "-at"], name="audit_person_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditLogIsAppendOnly("audit rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("audit rows cannot be deleted")
