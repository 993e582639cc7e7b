"""The task API keeps the same rules as the pages: nobody without the check, ever."""

from __future__ import annotations

from keepwell.accounts.services import create_token
from keepwell.help.models import Task, TaskState
from tests.help.factories import make_request, make_volunteer


def _post(client, raw, path, data=None):
    return client.post(
        path,
        data=data or {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )


def test_a_volunteer_without_the_enhanced_check_is_refused_by_the_api_too(
    world, client, jo_volunteer
):
    task = make_request(
        world.margaret_person, "prescription", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    _, raw = create_token(world.sam, "Rota tool")
    response = _post(
        client, raw, f"/api/help/tasks/{task.pk}/assign", {"volunteer_id": jo_volunteer.pk}
    )
    assert response.status_code == 409
    assert "DBS enhanced check" in response.json()["message"]
    assert Task.objects.get(pk=task.pk).state == TaskState.OPEN


def test_sam_offers_by_api_and_jo_accepts_by_api(world, client, jo_volunteer):
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    _, sams = create_token(world.sam, "Rota tool")
    offered = _post(
        client, sams, f"/api/help/tasks/{task.pk}/offer", {"volunteer_id": jo_volunteer.pk}
    )
    assert offered.status_code == 200 and offered.json()["state"] == "offered"
    _, jos = create_token(world.jo, "Phone")
    accepted = _post(client, jos, f"/api/help/tasks/{task.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["volunteer_id"] == jo_volunteer.pk
    again = _post(client, jos, f"/api/help/tasks/{task.pk}/accept")
    assert again.status_code == 409  # no longer offered: she already holds it


def test_olly_cannot_touch_another_groups_task(world, client):
    theirs = make_volunteer(world.other_group, checks=["id_check"])
    task = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    ).tasks.get()
    _, raw = create_token(world.olly, "Script")
    response = client.get(f"/api/help/tasks/{task.pk}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 403
    assert (
        _post(
            client, raw, f"/api/help/tasks/{task.pk}/assign", {"volunteer_id": theirs.pk}
        ).status_code
        == 403
    )
