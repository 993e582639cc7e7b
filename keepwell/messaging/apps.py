from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PersonLink
from keepwell.people.merging import PersonMerge


class MessagingConfig(AppConfig):
    name = "keepwell.messaging"
    label = "messaging"
    verbose_name = "Messaging"
    # Message bodies past KEEPWELL_MESSAGE_RETENTION_DAYS are redacted: checked hourly.
    periodic_tasks = [
        ("keepwell.messaging.retention.redact_expired_task", 3600),
        # Scheduled broadcasts that are due write their messages, in batches; every minute.
        ("keepwell.messaging.broadcasts.release_due_task", 60),
        # The communication audit's daily tallies of the last days, as receipts come in.
        ("keepwell.messaging.report.roll_up_messages", 900),
        # The outbox, where no messaging_worker runs (the demo); and leases a dead one left.
        ("keepwell.messaging.tasks.send_due_messages", 30),
        ("keepwell.messaging.tasks.reap_expired_leases", 60),
        ("keepwell.messaging.tasks.fake_receipts", 30),
    ]
    navigation = [
        NavItem("Broadcasts", "messaging:broadcasts", "messaging.send_broadcast", 62),
        NavItem("Calls to make", "messaging:calls", "messaging.make_calls", 63),
        NavItem("Outbox", "messaging:outbox", "messaging.view_outbox", 64),
        NavItem("Texts to answer", "messaging:replies", "messaging.view_replies", 65),
    ]
    # Messages, texts received and contact preferences follow a person's merged record.
    person_merge = PersonMerge(
        "Messages",
        holds="keepwell.messaging.merging.holds",
        refusal="keepwell.messaging.merging.refusal",
        move="keepwell.messaging.merging.move",
    )
    person_links = [
        PersonLink(
            "Messages: the conversation",
            "messaging:conversation",
            "messaging.view_conversation",
            60,
        ),
        PersonLink(
            "How to contact them: channels, languages, what they agreed to",
            "messaging:preferences",
            "messaging.edit_preferences",
            61,
        ),
    ]

    def ready(self):
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from keepwell.messaging import wording
        from keepwell.messaging.models import Template

        def forget_words(**kwargs):
            # At once, and again at commit: a rolled-back approval leaves nothing behind.
            wording.forget()
            transaction.on_commit(wording.forget)

        post_save.connect(
            forget_words, sender=Template, weak=False, dispatch_uid="messaging-words-saved"
        )
        post_delete.connect(
            forget_words, sender=Template, weak=False, dispatch_uid="messaging-words-gone"
        )
