"""The in-app inbox moves from referrals to messaging: every InboxItem becomes an inbox
Message (delivered, its read time kept), about its referral where it had one.

Idempotent: each row's key is ``inbox-import:<id>``, so running it twice adds nothing.
The reverse puts the imported notes back as InboxItems (referrals' 0003 recreates the table
first when migrating backwards) and removes them from the outbox.
"""

from django.db import migrations

# The referrals kind each inbox note becomes (keepwell/messaging/kinds.py), and back.
KINDS = {
    "new": "referral_new",
    "status": "referral_status",
    "reminder": "referral_reminder",
    "escalation": "referral_escalation",
    "follow_up": "follow_up_due",
}
SUBJECTS = {
    "new": "New referral",
    "status": "Status changed",
    "reminder": "Reminder",
    "escalation": "Escalation",
    "follow_up": "Outcomes follow-up due",
}
PREFIX = "inbox-import:"
BATCH = 1000


def copy_inbox(apps, schema_editor):
    InboxItem = apps.get_model("referrals", "InboxItem")
    Message = apps.get_model("messaging", "Message")
    batch = []
    for item in InboxItem.objects.order_by("pk").iterator(chunk_size=BATCH):
        key = f"{PREFIX}{item.pk}"
        batch.append(
            Message(
                idempotency_key=key,
                event=key,
                kind=KINDS.get(item.kind, item.kind),
                purpose="work",
                channel="inbox",
                user_id=item.user_id,
                organisation_id=item.organisation_id,
                audience="staff",
                about_type="referral" if item.referral_id else "",
                about_id=item.referral_id,
                subject=SUBJECTS.get(item.kind, ""),
                body=item.message,
                # A referral's note led to the referral's page (referrals' URLs: /referrals/<id>/).
                url=item.url or (f"/referrals/{item.referral_id}/" if item.referral_id else ""),
                provider="inbox",
                status="delivered",
                queued_at=item.created_at,
                next_attempt_at=item.created_at,
                sent_at=item.created_at,
                delivered_at=item.created_at,
                read_at=item.read_at,
            )
        )
        if len(batch) >= BATCH:
            Message.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Message.objects.bulk_create(batch, ignore_conflicts=True)


def put_back(apps, schema_editor):
    InboxItem = apps.get_model("referrals", "InboxItem")
    Message = apps.get_model("messaging", "Message")
    back = {new: old for old, new in KINDS.items()}
    imported = Message.objects.filter(idempotency_key__startswith=PREFIX)
    batch = []
    for message in imported.order_by("pk").iterator(chunk_size=BATCH):
        batch.append(
            InboxItem(
                pk=int(message.idempotency_key[len(PREFIX) :]),
                kind=back.get(message.kind, message.kind)[:12],
                message=message.body[:300],
                referral_id=message.about_id if message.about_type == "referral" else None,
                user_id=message.user_id,
                organisation_id=message.organisation_id,
                url="" if message.about_type == "referral" else message.url[:200],
                created_at=message.queued_at,
                read_at=message.read_at,
            )
        )
        if len(batch) >= BATCH:
            InboxItem.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        InboxItem.objects.bulk_create(batch, ignore_conflicts=True)
    imported.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0003_audit_tally"),
        ("referrals", "0002_referral_referral_inbox_in_recent_and_more"),
    ]

    operations = [migrations.RunPython(copy_inbox, put_back)]
