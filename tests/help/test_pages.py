"""Stories about the mutual aid pages: the helpline, the public form, NHS lists, volunteers,
tasks and concerns, as the people using them would notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.help import services
from keepwell.help.models import (
    Concern,
    HelpRequest,
    NhsList,
    PublicRequest,
    PublicRequestStatus,
    RequestStatus,
    SafeguardingCheck,
    Task,
    TaskState,
    Volunteer,
)
from keepwell.people.models import Consent, Person
from tests.factories import PersonFactory
from tests.help.factories import make_request, make_routing, make_volunteer, need


def _call_data(world, **extra):
    data = {
        "need_type": need("shopping").pk,
        "urgency": "2",
        "times_per_week": "1",
        "weeks": "1",
        "consent_coordination": "on",
    }
    data.update(extra)
    return data


def _summary(response) -> str:
    html = response.content.decode()
    assert "nhsuk-error-summary" in html, "expected the NHS.UK error summary"
    return html


# --- the helpline call screen ---------------------------------------------------------------


def test_sam_finds_margaret_by_postcode_and_records_her_shopping_in_one_page(world, as_user):
    client = as_user(world.sam)
    found = client.get(reverse("help:call"), {"q": "WB2 1AB"})
    assert found.status_code == 200
    assert "Margaret Evans" in found.content.decode()
    assert AuditEvent.objects.filter(
        person_id=world.margaret_person.pk, actor=world.sam, action="read"
    ).exists()
    response = client.post(
        reverse("help:call"),
        _call_data(
            world,
            q="WB2 1AB",
            person=str(world.margaret_person.pk),
            notes="Milk, bread, tea",
            consent_share_with_nhs="on",
        ),
    )
    made = HelpRequest.objects.get(person=world.margaret_person)
    assert response.status_code == 302 and response["Location"] == reverse(
        "help:request", kwargs={"request_id": made.pk}
    )
    assert made.urgency == 2 and made.notes == "Milk, bread, tea" and made.source == "helpline"
    assert made.tasks.get().state == TaskState.OPEN
    purposes = set(world.margaret_person.consents.values_list("purpose", flat=True))
    assert purposes == {Consent.Purpose.CARE_COORDINATION, Consent.Purpose.SHARE_WITH_NHS}


def test_a_new_caller_with_a_household_and_a_recurring_befriending_need(world, as_user):
    client = as_user(world.sam)
    response = client.post(
        reverse("help:call"),
        _call_data(
            world,
            given_name="Rui",
            family_name="Pereira",
            phone="01632 960777",
            new_postcode="wb2 1ab",
            household_name="The Pereira household",
            need_type=need("befriending").pk,
            times_per_week="3",
            weeks="6",
            on_behalf="on",
            requested_by="Beatriz, his daughter, 07700 900111",
        ),
    )
    assert response.status_code == 302
    rui = Person.objects.get(given_name="Rui")
    assert rui.postcode == "WB2 1AB" and rui.area == world.riverside
    assert rui.household_links.get().household.name == "The Pereira household"
    made = HelpRequest.objects.get(person=rui)
    assert made.tasks.count() == 18 and "Beatriz" in made.requested_by
    assert rui.consents.get().how == Consent.How.ON_BEHALF


def test_the_call_screen_says_what_is_missing_in_the_error_summary(world, as_user):
    client = as_user(world.sam)
    response = client.post(
        reverse("help:call"),
        {"times_per_week": "1", "weeks": "1", "new_postcode": "nonsense", "on_behalf": "on"},
    )
    assert response.status_code == 400
    html = _summary(response)
    for message in (
        "Enter their first name",
        "Enter a phone number or an address",
        "Choose what they need",
        "Confirm they agree to us arranging help",
        "Say who is calling for them",
    ):
        assert message in html
    assert not HelpRequest.objects.exists() and not Person.objects.filter(given_name="").exists()


def test_a_second_call_for_the_same_need_is_flagged_and_can_be_merged(world, as_user):
    first = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    client = as_user(world.sam)
    data = _call_data(world, q="Margaret", person=str(world.margaret_person.pk), notes="Also eggs")
    refused = client.post(reverse("help:call"), data)
    assert refused.status_code == 400
    assert f"already has an open request for shopping (#{first.pk})" in _summary(refused)
    assert HelpRequest.objects.count() == 1
    flagged = client.post(reverse("help:call"), {**data, "allow_duplicate": "on"})
    assert flagged.status_code == 302
    second = HelpRequest.objects.exclude(pk=first.pk).get()
    assert second.possible_duplicate_of == first
    page = client.get(reverse("help:request", kwargs={"request_id": second.pk}))
    assert "Possible duplicate" in page.content.decode()
    merged = client.post(
        reverse("help:request_merge", kwargs={"request_id": second.pk}), {"into": first.pk}
    )
    assert merged.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == RequestStatus.MERGED and "Also eggs" in first.notes


def test_olly_cannot_pick_someone_only_his_search_does_not_show(world, as_user):
    client = as_user(world.olly)
    response = client.post(
        reverse("help:call"), _call_data(world, person=str(world.margaret_person.pk))
    )
    assert response.status_code == 400
    assert "Choose who the help is for: someone from the list" in _summary(response)
    assert not HelpRequest.objects.exists()


# --- the public form ------------------------------------------------------------------------


def test_a_daughter_asks_for_her_mother_on_the_public_form_without_signing_in(world, client):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    assert "Ask for help" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "given_name": "Ivy",
            "family_name": "Walker",
            "phone": "01632 960555",
            "postcode": "wb2 1ax",
            "need_type": need("shopping").pk,
            "on_behalf": "on",
            "requester_name": "Sue Walker",
            "requester_relationship": "daughter",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    asked = PublicRequest.objects.get()
    assert asked.on_behalf and asked.requester_name == "Sue Walker"
    assert asked.postcode == "WB2 1AX" and asked.area == world.riverside
    assert not Person.objects.filter(given_name="Ivy").exists()  # only once triaged
    done = client.get(response["Location"])
    assert "Wellbrook Mutual Aid will phone" in done.content.decode()


def test_the_public_form_speaks_portuguese_errors_included(world, client):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug}) + "?lang=pt"
    page = client.get(url).content.decode()
    assert '<html lang="pt">' in page and "Pedir ajuda" in page and "Compras" in page
    # The shared field template's words, and each language by its own name.
    assert "(opcional)" in page and "(optional)" not in page
    assert "Polaco" in page and "Polish" not in page
    assert "Saltar para o conteúdo principal" in page
    response = client.post(url, {"on_behalf": "on", "postcode": "xx"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Há um problema" in html
    assert "Escreva o nome próprio" in html and "Escreva o seu nome" in html
    assert "Escreva o código postal completo" in html
    assert "Erro:" in html and "Error:" not in html
    assert not PublicRequest.objects.exists()
    # The thank-you page keeps the language.
    done = reverse("help:ask_done", kwargs={"slug": world.mutual_aid.slug}) + "?lang=pt"
    assert "Obrigado: recebemos o seu pedido" in client.get(done).content.decode()


def test_the_browser_language_chooses_portuguese(world, client):
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9").content.decode()
    assert "Pedir ajuda" in html


def test_staff_pages_stay_english_whatever_the_browser_asks(as_user, world):
    html = (
        as_user(world.sam)
        .get(reverse("help:dashboard"), HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9")
        .content.decode()
    )
    assert "Skip to main content" in html and "Saltar" not in html


def test_the_public_form_stops_a_flood_from_one_connection(world, client, settings):
    settings.KEEPWELL_HELP_PUBLIC_REQUESTS_PER_HOUR = 1
    url = reverse("help:ask", kwargs={"slug": world.mutual_aid.slug})
    data = {
        "given_name": "Ivy",
        "phone": "01632 960555",
        "postcode": "WB2 1AX",
        "need_type": need("shopping").pk,
        "consent": "on",
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 400 and "Too many requests" in _summary(again)
    assert PublicRequest.objects.count() == 1


def test_a_group_with_nobody_to_read_requests_has_no_public_form(world, client):
    url = reverse("help:ask", kwargs={"slug": world.practice.slug})
    assert client.get(url).status_code == 404


def test_sam_triages_a_web_request_into_a_real_request(world, as_user):
    asked = services.submit_public_request(
        client_key="k",
        form_language="pt",
        organisation=world.mutual_aid,
        given_name="Rosa",
        family_name="Costa",
        phone="01632 960999",
        postcode="WB2 1AB",
        need_type=need("food_parcel"),
    )
    client = as_user(world.sam)
    assert "Rosa Costa" in client.get(reverse("help:triage")).content.decode()
    screen = client.get(reverse("help:call"), {"public": asked.pk})
    assert 'value="Rosa"' in screen.content.decode()
    response = client.post(
        reverse("help:call"),
        _call_data(
            world,
            public=asked.pk,
            given_name="Rosa",
            family_name="Costa",
            phone="01632 960999",
            new_postcode="WB2 1AB",
            need_type=need("food_parcel").pk,
        ),
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == PublicRequestStatus.ACCEPTED
    assert asked.help_request.source == "web" and asked.help_request.person.given_name == "Rosa"


# --- NHS lists ------------------------------------------------------------------------------


def _upload(client, world, text: str, **extra):
    need("phone_check_in")
    return client.post(
        reverse("help:nhs_lists"),
        {
            "file": SimpleUploadedFile("shielding.csv", text.encode(), content_type="text/csv"),
            "shared_by": world.practice.pk,
            "lawful_basis": "public_task",
            "sharing_basis": "COPI notice, DSA-12",
            **extra,
        },
    )


def test_sam_uploads_the_practices_list_and_each_person_gets_a_check_in(world, as_user):
    client = as_user(world.sam)
    response = _upload(
        client,
        world,
        "Given name,Family name,Phone,Postcode\nIvy,Walker,01632 960555,WB2 1AX\n"
        "Arthur,Green,01632 960556,WB3 1AB\n",
    )
    batch = NhsList.objects.get()
    assert response.status_code == 302
    assert batch.requests_created == 2 and batch.sharing_basis == "COPI notice, DSA-12"
    page = client.get(response["Location"]).content.decode()
    assert "Ivy Walker" in page and "Arthur Green" in page


def test_a_list_with_bad_rows_names_each_row_and_writes_nothing(world, as_user):
    client = as_user(world.sam)
    response = _upload(
        client,
        world,
        "given_name,family_name,phone,postcode\nIvy,Walker,01632 960555,WB2 1AX\n"
        ",Nobody,01632 960556,WB2 1AX\n",
    )
    assert response.status_code == 400
    html = _summary(response)
    assert "nothing was imported" in html and "Row 3: no first name" in html
    assert not NhsList.objects.exists() and not Person.objects.filter(given_name="Ivy").exists()


def test_a_list_without_its_sharing_basis_is_refused(world, as_user):
    client = as_user(world.sam)
    response = _upload(
        client, world, "given_name,family_name,phone,postcode\n", sharing_basis="", file=""
    )
    assert response.status_code == 400
    html = _summary(response)
    assert "Name the agreement or notice" in html and "Choose the CSV file" in html


# --- volunteers -----------------------------------------------------------------------------


def test_sam_adds_a_volunteer_then_records_their_checks(world, as_user):
    client = as_user(world.sam)
    bad = client.post(
        reverse("help:volunteer_add"),
        {
            "first_name": "",
            "home_postcode": "nope",
            "max_km": "3",
            "transport": "car",
            "max_tasks_per_week": "3",
            "availability": "Someday 9-5",
        },
    )
    assert bad.status_code == 400
    html = _summary(bad)
    assert "Enter their first name" in html and "Monday 09:00-12:00" in html
    response = client.post(
        reverse("help:volunteer_add"),
        {
            "first_name": "Kim",
            "last_name": "Lee",
            "email": "kim@example.com",
            "home_postcode": "wb2 1ae",
            "max_km": "4",
            "transport": "car",
            "max_tasks_per_week": "2",
            "skills": [need("shopping").pk, need("hospital_run").pk],
            "availability": "Monday 09:00-12:00\nThursday 14:00-17:00",
        },
    )
    kim = Volunteer.objects.get(user__first_name="Kim")
    assert response.status_code == 302
    assert kim.status == "applied" and kim.area == world.riverside
    assert kim.availability.count() == 2
    check_url = reverse("help:check_add", kwargs={"volunteer_id": kim.pk})
    today = timezone.localdate()
    wrong = client.post(
        check_url,
        {
            "kind": "dbs_enhanced",
            "checked_on": today.isoformat(),
            "expires_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert wrong.status_code == 400
    assert "The expiry date must be after the date of the check" in _summary(wrong)
    client.post(
        check_url,
        {
            "kind": "dbs_enhanced",
            "checked_on": today.isoformat(),
            "expires_on": (today + timedelta(days=10)).isoformat(),
        },
    )
    assert SafeguardingCheck.objects.filter(volunteer=kim, kind="dbs_enhanced").exists()
    expiring = client.get(reverse("help:expiring")).content.decode()
    assert "Kim Lee" in expiring and "DBS enhanced check" in expiring
    detail = client.get(reverse("help:volunteer", kwargs={"volunteer_id": kim.pk}))
    assert "Expires soon" in detail.content.decode()
    assert AuditEvent.objects.filter(
        object_type="help.volunteer", object_id=str(kim.pk), action="read", actor=world.sam
    ).exists()


def test_onboarding_moves_forward_and_refuses_a_skipped_step(world, as_user):
    kim = make_volunteer(world.mutual_aid, status="applied")
    client = as_user(world.sam)
    url = reverse("help:volunteer_status", kwargs={"volunteer_id": kim.pk})
    client.post(url, {"status": "paused"})
    kim.refresh_from_db()
    assert kim.status == "applied"
    for step in ("checks_pending", "active", "paused"):
        client.post(url, {"status": step})
    kim.refresh_from_db()
    assert kim.status == "paused"


def test_the_volunteer_edit_form_changes_their_account_and_profile(world, as_user, jo_volunteer):
    client = as_user(world.sam)
    url = reverse("help:volunteer_edit", kwargs={"volunteer_id": jo_volunteer.pk})
    page = client.get(url).content.decode()
    assert "WB2 1AE" in page
    response = client.post(
        url,
        {
            "first_name": "Joanna",
            "last_name": "Bell",
            "home_postcode": "WB3 1AA",
            "max_km": "2",
            "transport": "bicycle",
            "max_tasks_per_week": "4",
            "languages": [],
        },
    )
    assert response.status_code == 302
    jo_volunteer.refresh_from_db()
    assert jo_volunteer.user.first_name == "Joanna" and jo_volunteer.area == world.northgate
    assert jo_volunteer.transport == "bicycle"


# --- giving out tasks -----------------------------------------------------------------------


def test_a_volunteer_without_the_check_can_never_be_assigned_by_hand(world, as_user, jo_volunteer):
    request = make_request(
        world.margaret_person, "prescription", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    client = as_user(world.sam)
    url = reverse("help:task_assign", kwargs={"task_id": task.pk})
    page = client.get(url, {"q": "Jo"}).content.decode()
    assert "Cannot take it" in page and "has no valid DBS enhanced check" in page
    response = client.post(url, {"volunteer": jo_volunteer.pk, "how": "assign"})
    assert response.status_code == 400
    assert "has no valid DBS enhanced check" in _summary(response)
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and task.volunteer is None


def test_sam_assigns_jo_by_hand_and_offers_a_second_task(world, as_user, jo_volunteer):
    first = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    client = as_user(world.sam)
    url = reverse("help:task_assign", kwargs={"task_id": first.tasks.get().pk})
    assert "Jo" in client.get(url).content.decode()
    client.post(url, {"volunteer": jo_volunteer.pk, "how": "assign"})
    assert first.tasks.get().volunteer == jo_volunteer
    second = make_request(
        world.riverside_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = second.tasks.get()
    client.post(
        reverse("help:task_assign", kwargs={"task_id": task.pk}),
        {"volunteer": jo_volunteer.pk, "how": "offer"},
    )
    task.refresh_from_db()
    assert task.state == TaskState.OFFERED and task.volunteer is None


# --- the volunteer's own tasks --------------------------------------------------------------


def test_jo_sees_only_the_first_name_until_she_accepts_and_the_address_until_a_day_after(
    world, as_user, jo_volunteer, clock
):
    world.margaret_person.address_line_1 = "12 Mill Lane"
    world.margaret_person.phone = "01632 960123"
    world.margaret_person.save()
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.offer_task(task, jo_volunteer, by=world.sam)
    client = as_user(world.jo)
    listed = client.get(reverse("help:my_tasks")).content.decode()
    assert "Shopping for Margaret" in listed
    assert "Evans" not in listed and "Mill Lane" not in listed and "960123" not in listed
    detail = client.get(reverse("help:my_task", kwargs={"task_id": task.pk})).content.decode()
    assert "Mill Lane" not in detail and "once you accept" in detail
    client.post(reverse("help:task_respond", kwargs={"task_id": task.pk}), {"action": "accept"})
    accepted = client.get(reverse("help:my_task", kwargs={"task_id": task.pk})).content.decode()
    assert "12 Mill Lane" in accepted and "01632 960123" in accepted
    assert AuditEvent.objects.filter(
        person_id=world.margaret_person.pk, actor=world.jo, summary="Saw the address and phone"
    ).exists()
    client.post(reverse("help:task_respond", kwargs={"task_id": task.pk}), {"action": "done"})
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    assert "Mill Lane" in client.get(reverse("help:my_tasks")).content.decode()
    clock(timezone.now() + timedelta(days=1, minutes=1))
    later = client.get(reverse("help:my_tasks")).content.decode()
    assert "Mill Lane" not in later and "Margaret" not in later


def test_could_not_complete_without_a_reason_shows_the_error_summary(world, as_user, jo_volunteer):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    client = as_user(world.jo)
    url = reverse("help:task_respond", kwargs={"task_id": task.pk})
    response = client.post(url, {"action": "not_done", "notes": " "})
    assert response.status_code == 400
    assert "Say why it could not be done" in _summary(response)
    client.post(url, {"action": "not_done", "notes": "Nobody answered"})
    assert Task.objects.get(pk=task.pk).state == TaskState.COULD_NOT_COMPLETE


def test_jo_declines_an_offer_and_it_goes_back_to_the_queue(world, as_user, jo_volunteer):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.offer_task(task, jo_volunteer, by=world.sam)
    client = as_user(world.jo)
    client.post(reverse("help:task_respond", kwargs={"task_id": task.pk}), {"action": "decline"})
    assert Task.objects.get(pk=task.pk).state == TaskState.OPEN
    assert "Nothing offered" in client.get(reverse("help:my_tasks")).content.decode()


# --- doorstep concerns ----------------------------------------------------------------------


def test_jo_raises_a_concern_priya_acknowledges_and_records_the_outcome(
    world, as_user, jo_volunteer
):
    make_routing(world.mutual_aid, world.practice, gp_user=world.priya, lead_user=world.sam)
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    client = as_user(world.jo)
    url = reverse("help:concern_raise", kwargs={"task_id": task.pk})
    empty = client.post(url, {})
    assert empty.status_code == 400
    html = _summary(empty)
    assert "Choose what you are worried about" in html and "Describe what you noticed" in html
    client.post(url, {"kind": "health_worse", "details": "Breathless on the stairs"})
    concern = Concern.objects.get()
    assert concern.routed_to.user == world.priya
    priya = as_user(world.priya)
    assert "Margaret Evans" in priya.get(reverse("help:concerns")).content.decode()
    detail = reverse("help:concern", kwargs={"concern_id": concern.pk})
    assert "Breathless" in priya.get(detail).content.decode()
    priya.post(reverse("help:concern_acknowledge", kwargs={"concern_id": concern.pk}))
    close = reverse("help:concern_close", kwargs={"concern_id": concern.pk})
    blank = priya.post(close, {"outcome": ""})
    assert blank.status_code == 400 and "Record what was done" in _summary(blank)
    priya.post(close, {"outcome": "Home visit booked"})
    concern.refresh_from_db()
    assert concern.acknowledged_by == world.priya and concern.outcome == "Home visit booked"
    assert "Margaret Evans" not in priya.get(reverse("help:concerns")).content.decode()


def test_an_escalated_concern_stays_on_the_dashboard_until_closed(world, as_user, jo_volunteer):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    concern = services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        task=task,
        kind="no_food",
        urgent=True,
        details="Cupboards empty",
    )
    services.escalate_overdue_concerns(timezone.now() + timedelta(hours=2))
    client = as_user(world.sam)
    board = client.get(reverse("help:dashboard")).content.decode()
    assert "1 concern not yet closed, 1 escalated" in board
    assert "Escalated 1×" in client.get(reverse("help:concerns")).content.decode()
    services.close_concern(concern, by=world.sam, outcome="Food parcel delivered")
    assert "not yet closed" not in client.get(reverse("help:dashboard")).content.decode()


# --- the dashboard and queues ---------------------------------------------------------------


def _busy_world(world, n: int):
    """n people in Riverside with shopping, a prescription nobody can deliver, volunteers."""
    for i in range(n):
        person = PersonFactory(postcode="WB2 1AB", area=world.riverside)
        person.organisations.add(world.mutual_aid)
        make_request(
            person, "shopping", by=world.sam, organisation=world.mutual_aid, urgency=1 + i % 3
        )
        make_request(person, "prescription", by=world.sam, organisation=world.mutual_aid)
        make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["dashboard", "area_queue", "requests", "volunteers", "concerns"])
def test_list_pages_cost_the_same_queries_with_more_data(
    world, as_user, page, django_assert_max_num_queries
):
    kwargs = {"slug": world.riverside.slug} if page == "area_queue" else {}
    url = reverse(f"help:{page}", kwargs=kwargs)
    client = as_user(world.sam)
    _busy_world(world, 2)
    small = _queries(client, url)
    _busy_world(world, 12)
    assert _queries(client, url) == small
    with django_assert_max_num_queries(40):
        client.get(url)


def test_the_dashboard_shows_the_unmet_need_the_unused_and_the_available(world, as_user):
    _busy_world(world, 3)
    client = as_user(world.sam)
    html = client.get(reverse("help:dashboard")).content.decode()
    assert "Prescription collection and delivery" in html  # nobody holds an enhanced DBS
    assert "Available now (3)" in html and "No task in 14 days (3)" in html
    assert "Riverside" in html
    assert "Shopping</strong>" not in html  # there are volunteers for shopping


def test_ana_sees_riverside_but_not_the_town_centre_queue(world, as_user):
    _busy_world(world, 2)
    client = as_user(world.ana)
    html = client.get(reverse("help:area_queue", kwargs={"slug": world.riverside.slug}))
    assert "4 tasks waiting" in html.content.decode()
    assert (
        client.get(reverse("help:area_queue", kwargs={"slug": world.northgate.slug})).status_code
        == 403
    )
    assert (
        AuditEvent.objects.filter(actor=world.ana, summary="Listed in the Riverside queue").count()
        == 4
    )


def test_the_demo_place_has_every_state_and_loads_twice_without_doubling(db):
    from keepwell.demo.place import load_demo
    from keepwell.help.models import Concern as ConcernModel
    from keepwell.help.models import TaskOffer

    load_demo()
    counts = [
        m.objects.count()
        for m in (Volunteer, HelpRequest, Task, TaskOffer, ConcernModel, PublicRequest)
    ]
    load_demo()
    assert counts == [
        m.objects.count()
        for m in (Volunteer, HelpRequest, Task, TaskOffer, ConcernModel, PublicRequest)
    ]
    assert set(Task.objects.values_list("state", flat=True)) == set(TaskState.values)
    assert set(Volunteer.objects.values_list("status", flat=True)) == {
        "applied",
        "checks_pending",
        "active",
        "paused",
        "left",
    }
    assert set(HelpRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert HelpRequest.objects.filter(possible_duplicate_of__isnull=False, status="open").exists()
    # The help room's befriending series (insights' year of history adds one-off requests).
    befriending = HelpRequest.objects.get(
        need_type__slug="befriending", preferred_volunteer__isnull=False
    )
    assert befriending.tasks.count() == 18 and befriending.preferred_volunteer is not None
    assert ConcernModel.objects.unclosed().count() == 1
    soon = timezone.now() + timedelta(days=30)
    assert SafeguardingCheck.objects.expiring_between(timezone.now(), soon).exists()


def test_the_dashboards_volunteer_figures_are_kept_for_a_minute(world, as_user, settings):
    settings.KEEPWELL_HELP_DASHBOARD_CACHE_SECONDS = 60
    _busy_world(world, 2)
    client = as_user(world.sam)
    url = reverse("help:dashboard")
    first = _queries(client, url)
    make_volunteer(world.mutual_aid, checks=["id_check"], skills=["shopping"])
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(url).content.decode()
    assert len(ctx.captured_queries) < first
    assert "Available now (2)" in html  # the new volunteer shows within the minute
    before = sum(row.total for row in client.get(url).context["board"].areas)
    make_request(world.riverside_person, "gardening", by=world.sam, organisation=world.mutual_aid)
    after = sum(row.total for row in client.get(url).context["board"].areas)
    assert after == before + 1  # the requests are always live
