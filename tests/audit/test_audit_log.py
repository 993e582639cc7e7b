"""The audit log: every read and change of a person's record, and nobody can rewrite it."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import RequestFactory

from keepwell.audit.models import AuditEvent, AuditLogIsAppendOnly


def test_opening_a_record_writes_who_what_which_when_and_why(as_user, world):
    as_user(world.sam).get(f"/people/{world.margaret_person.pk}/")
    event = AuditEvent.objects.get(person_id=world.margaret_person.pk)
    assert event.actor == world.sam
    assert event.action == "read"
    assert event.object_type == "people.person"
    assert event.object_id == str(world.margaret_person.pk)
    assert event.purpose == "direct_care"
    assert event.at is not None


def test_a_person_opening_their_own_record_is_recorded_as_subject_access(as_user, world):
    as_user(world.margaret).get(f"/people/{world.margaret_person.pk}/")
    assert AuditEvent.objects.get(person_id=world.margaret_person.pk).purpose == "subject_access"


def test_a_refused_look_writes_nothing(as_user, world):
    response = as_user(world.olly).get(f"/people/{world.margaret_person.pk}/")
    assert response.status_code == 403
    assert not AuditEvent.objects.exists()


def test_a_change_records_the_old_and_new_values(as_user, world):
    person = world.riverside_person
    response = as_user(world.sam).post(
        f"/people/{person.pk}/edit/",
        {
            "given_name": "John",
            "family_name": "Smith",
            "phone": "01632 960999",
            "postcode": "wb2 1ad",
            "preferred_channel": "phone",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = AuditEvent.objects.get(person_id=person.pk, action="update")
    assert change.changes["phone"] == ["01632 960001", "+441632960999"]  # stored in E.164
    assert "given_name" not in change.changes


def test_audit_rows_cannot_be_changed_or_deleted_through_the_model(world):
    event = AuditEvent.objects.create(
        actor_label="x",
        action="read",
        purpose="direct_care",
        object_type="people.person",
        object_id="1",
    )
    event.summary = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()


def test_the_database_itself_refuses_an_update(world):
    event = AuditEvent.objects.create(
        actor_label="x",
        action="read",
        purpose="direct_care",
        object_type="people.person",
        object_id="1",
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET summary = 'x' WHERE id = %s", [event.pk])


@pytest.mark.postgres_only
def test_on_postgresql_the_database_refuses_a_delete_too(world):
    event = AuditEvent.objects.create(
        actor_label="x",
        action="read",
        purpose="direct_care",
        object_type="people.person",
        object_id="1",
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_the_admin_can_neither_add_change_nor_delete_audit_rows(world):
    request = RequestFactory().get("/admin/")
    request.user = world.alex
    admin = site._registry[AuditEvent]
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


def test_the_information_governance_page_lists_the_audit_for_one_person(as_user, world):
    as_user(world.sam).get(f"/people/{world.margaret_person.pk}/")
    as_user(world.priya).get(f"/people/{world.riverside_person.pk}/")
    page = as_user(world.alex).get(f"/people/{world.margaret_person.pk}/audit/")
    html = page.content.decode()
    assert "Sam Okafor (sam)" in html
    assert "Dr Priya Shah" not in html  # she looked at someone else
    assert "Information governance review" in html  # Alex's own look is recorded too


def test_margaret_can_see_who_has_looked_at_her_record(as_user, world):
    as_user(world.sam).get(f"/people/{world.margaret_person.pk}/")
    page = as_user(world.margaret).get(f"/people/{world.margaret_person.pk}/audit/")
    assert page.status_code == 200
    assert "Sam Okafor" in page.content.decode()


def _listed(person):
    return AuditEvent.objects.filter(
        person_id=person.pk, action="read", object_type="people.person"
    )


def test_a_search_through_the_api_is_audited_like_the_same_search_on_the_page(
    client, as_user, world
):
    from keepwell.accounts.services import create_token

    _, raw = create_token(world.sam, "Rota tool")
    response = client.get("/api/people/?search=Smith", headers={"Authorization": f"Bearer {raw}"})
    assert [p["family_name"] for p in response.json()] == ["Smith"]
    by_api = _listed(world.riverside_person).get()
    assert (by_api.actor, by_api.via) == (world.sam, "api")
    assert by_api.summary == "Listed in a search for 'Smith'"
    assert not _listed(world.margaret_person).exists()  # not shown, not audited

    as_user(world.sam).get("/people/?q=Smith")
    by_web = _listed(world.riverside_person).exclude(pk=by_api.pk).get()
    assert (by_web.via, by_web.summary) == ("web", by_api.summary)


def test_every_person_the_api_lists_gets_an_audit_row(client, world):
    from keepwell.accounts.services import create_token

    _, raw = create_token(world.sam, "Rota tool")
    listed = client.get("/api/people/", headers={"Authorization": f"Bearer {raw}"}).json()
    assert len(listed) == 2
    audited = set(AuditEvent.objects.filter(via="api").values_list("person_id", flat=True))
    assert audited == {p["id"] for p in listed}


def test_a_raw_audit_insert_must_name_every_column_of_the_model():
    from keepwell.audit.services import insert_sql

    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    every = {f.name: f"'{f.name}'" for f in fields}
    columns, expressions = insert_sql(every, lambda name: f'"{name}"')
    assert columns.split(", ") == [f'"{f.column}"' for f in fields]
    assert expressions == ", ".join(every.values())
    missing = dict(every)
    del missing["changes"]
    with pytest.raises(ValueError, match="missing \\['changes'\\]"):
        insert_sql(missing, str)
    with pytest.raises(ValueError, match="unknown \\['mood'\\]"):
        insert_sql(every | {"mood": "'calm'"}, str)
