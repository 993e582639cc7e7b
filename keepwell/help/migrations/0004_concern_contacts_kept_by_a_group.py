import django.db.models.deletion
from django.db import migrations, models


def keep_with_their_group(apps, schema_editor):
    """Give each existing contact to the group that routes concerns to it.

    A contact who works for a group that has routing rules is that group's; one named by the
    rules of groups is the first such group's; one reached only by escalation (a practice's
    duty doctor escalating to the group's safeguarding lead) goes with the contact it
    escalates to or from. Any left over stay without a group: they still receive concerns,
    but only the platform admin could give them to a group.
    """
    Contact = apps.get_model("help", "ConcernContact")
    Rule = apps.get_model("help", "RoutingRule")
    with_rules = set(Rule.objects.values_list("organisation_id", flat=True))
    named_by: dict[int, set[int]] = {}
    for contact_id, group_id in Rule.objects.exclude(contact=None).values_list(
        "contact_id", "organisation_id"
    ):
        named_by.setdefault(contact_id, set()).add(group_id)
    contacts = {c.pk: c for c in Contact.objects.filter(group__isnull=True)}
    group_of: dict[int, int] = {}
    for contact in contacts.values():
        if contact.organisation_id in with_rules:
            group_of[contact.pk] = contact.organisation_id
        elif contact.pk in named_by:
            group_of[contact.pk] = min(named_by[contact.pk])
    changed = True
    while changed:
        changed = False
        for contact in contacts.values():
            if contact.pk in group_of:
                continue
            found = group_of.get(contact.escalate_to_id)
            if found is None:
                found = next(
                    (
                        group_of[other.pk]
                        for other in contacts.values()
                        if other.escalate_to_id == contact.pk and other.pk in group_of
                    ),
                    None,
                )
            if found is not None:
                group_of[contact.pk] = found
                changed = True
    for contact_id, group_id in group_of.items():
        Contact.objects.filter(pk=contact_id).update(group_id=group_id)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0008_sqlite_covering_search_index"),
        ("help", "0003_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="concerncontact",
            name="group",
            field=models.ForeignKey(
                blank=True,
                help_text="The group that keeps this contact and may change it",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="kept_concern_contacts",
                to="directory.organisation",
            ),
        ),
        # Reversing drops the column, so there is nothing to undo.
        migrations.RunPython(keep_with_their_group, migrations.RunPython.noop),
    ]
