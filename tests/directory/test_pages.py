"""Stories on the directory's pages: the public finds help, the mapping team keeps up its
relationships, coordinators keep their listings right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from keepwell.directory import services as directory
from keepwell.directory.models import (
    Interaction,
    ListingChange,
    OrganisationKind,
    RelationshipStatus,
    Service,
    ServiceCategory,
    Suggestion,
)
from tests.directory.factories import ServiceFactory, listed, org
from tests.factories import PostcodeLocationFactory


@pytest.fixture
def riverside_listings(world):
    """Wellbrook Mutual Aid's lunch club and phone line, a refuge, and a draft."""
    PostcodeLocationFactory(postcode="WB2 1AB", latitude=53.033, longitude=-1.462)
    PostcodeLocationFactory(postcode="WB2 1AD", latitude=53.034, longitude=-1.463)
    lunch = directory.create_service(
        world.mutual_aid,
        by=world.sam,
        name="Riverside lunch club",
        category=ServiceCategory.SOCIAL,
        description="A hot meal and good company",
        venue=directory.Venue(address_1="1 Church Street", town="Wellbrook", postcode="WB2 1AB"),
    )
    phone = directory.create_service(
        world.mutual_aid,
        by=world.sam,
        name="Friendly phone calls",
        category=ServiceCategory.EMOTIONAL,
        delivery=Service.Delivery.PHONE,
    )
    women_aid = org("Riverside Women's Aid", kind=OrganisationKind.ASSOCIATION)
    refuge = directory.create_service(
        women_aid,
        by=world.alex,
        name="Riverside refuge",
        category=ServiceCategory.PRACTICAL,
        description="Safe housing for women and children",
        venue=directory.Venue(
            address_1="7 Hidden Row", town="Wellbrook", postcode="WB2 1AD", confidential=True
        ),
    )
    draft = directory.create_service(
        world.mutual_aid,
        by=world.sam,
        name="Riverside repair cafe",
        category=ServiceCategory.PRACTICAL,
        status=Service.Status.DRAFT,
        delivery=Service.Delivery.ONLINE,
    )
    return lunch, phone, refuge, draft


# ---------------------------------------------------------------------------------------
# The public directory


def test_anyone_finds_published_help_without_signing_in_and_never_a_refuges_address(
    client, riverside_listings
):
    lunch, phone, refuge, draft = riverside_listings
    response = client.get("/directory/", {"q": "riverside", "postcode": "wb21ab", "radius": "5"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Riverside lunch club" in page
    assert "Riverside repair cafe" not in page  # a draft
    assert "Riverside refuge" not in page  # never placed on a public distance search
    assert "NHS relationship" not in page
    # Found by its words, the refuge shows, but not where it is.
    page = client.get("/directory/", {"q": "refuge"}).content.decode()
    assert "Riverside refuge" in page and "Address given when you get in touch" in page
    assert "Hidden Row" not in page and "WB2 1AD" not in page
    detail = client.get(f"/directory/services/{refuge.uuid}/").content.decode()
    assert "The address is confidential" in detail and "Hidden Row" not in detail
    assert client.get(f"/directory/services/{draft.uuid}/").status_code == 404


def test_staff_see_relationship_data_that_the_public_does_not(world, as_user, riverside_listings):
    directory.set_relationship(
        world.mutual_aid, by=world.priya, status=RelationshipStatus.PARTNER, owner=world.priya
    )
    url = f"/directory/organisations/{world.mutual_aid.slug}/"
    public = as_user(None).get(url).content.decode()
    assert "Relationship with the NHS" not in public and "Dr Priya Shah" not in public
    staff = as_user(world.priya).get(url).content.decode()
    assert "Relationship with the NHS" in staff and "Partner" in staff
    search = as_user(world.priya).get("/directory/", {"q": "lunch"}).content.decode()
    assert "NHS relationship: Partner" in search


def test_a_confidential_address_shows_to_the_organisations_own_people_only(
    world, as_user, riverside_listings
):
    refuge = riverside_listings[2]
    url = f"/directory/services/{refuge.uuid}/"
    assert "7 Hidden Row" in as_user(world.priya).get(url).content.decode()
    assert "7 Hidden Row" not in as_user(world.sam).get(url).content.decode()
    assert "7 Hidden Row" not in as_user(world.margaret).get(url).content.decode()


def test_results_are_a_plain_list_with_points_for_the_leaflet_map(client, riverside_listings):
    lunch = riverside_listings[0]
    response = client.get("/directory/", {"postcode": "WB2 1AB", "radius": "2"})
    page = response.content.decode()
    assert "vendor/leaflet/leaflet.js" in page and "directory/map.js" in page
    assert 'id="directory-map"' in page and 'aria-label="Map of these results' in page
    # Every result is a link in the list, whatever the map does.
    assert f'href="/directory/services/{lunch.uuid}/"' in page
    assert 'data-lat="53.033000"' in page
    assert page.count("data-lat=") == 2  # the lunch club and the map's centre


def test_an_invalid_postcode_is_a_form_error_not_a_crash(client, db):
    response = client.get("/directory/", {"postcode": "not a postcode"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nhsuk-error-summary" in page and "Error: Find community support" in page
    response = client.get("/directory/", {"postcode": "WB9 9ZZ"})
    assert response.status_code == 400
    assert "We don&#x27;t know where WB9 9ZZ is" in response.content.decode()


def test_an_unknown_filter_on_the_feed_is_a_json_400(client, db):
    response = client.get("/oruk/service_at_locations", {"colour": "blue"})
    assert response.status_code == 400
    assert response.json()["message"].startswith("Unknown filter colour")


def test_the_search_page_takes_the_same_queries_for_few_results_or_many(client, db, count_queries):
    def fill(n, start):
        for i in range(start, start + n):
            service = ServiceFactory(name=f"Choir {i:02d}")
            listed(service, f"WB1 1{'ABDEFGHJLNPQRSTUWXYZ'[i % 20]}{'AB'[i // 20]}", 53.045, -1.48)

    fill(2, 0)
    params = {"q": "choir", "postcode": "WB1 1AA", "radius": "5"}
    few = count_queries(lambda: client.get("/directory/", params))
    fill(15, 2)
    many = count_queries(lambda: client.get("/directory/", params))
    assert many == few


def test_each_kind_of_organisation_shows_how_the_nhs_can_work_with_it(client, db):
    faith = org("St Mark's Church", kind=OrganisationKind.FAITH_GROUP)
    page = client.get(f"/directory/organisations/{faith.slug}/").content.decode()
    assert "How the NHS can work with a faith group" in page
    kinds = client.get("/directory/kinds/").content.decode()
    for kind in ("Time bank", "Housing provider", "Private business (CSR)"):
        assert kind in kinds


# ---------------------------------------------------------------------------------------
# The mapping exercise


def test_the_mapping_view_shows_kinds_gaps_the_funnel_and_downloads_as_csv(
    world, as_user, riverside_listings
):
    world.mutual_aid.areas_served.add(world.riverside)
    client = as_user(world.priya)
    response = client.get("/directory/mapping/", {"area": world.riverside.slug})
    assert response.status_code == 200
    summary = response.context["summary"]
    assert dict((k, n) for k, _, n in summary.by_kind)["association"] == 1
    riverside = next(row for row in summary.rows if row.area == world.riverside)
    # The lunch club is social; the phone line serves Riverside; the refuge is practical.
    assert riverside.counts == {"practical": 1, "educational": 0, "emotional": 1, "social": 1}
    assert riverside.gaps == ["educational"]
    funnel = dict((s, n) for s, _, n in summary.funnel)
    assert funnel["not_contacted"] == 2
    csv_response = client.get("/directory/mapping.csv", {"area": world.riverside.slug})
    assert csv_response.status_code == 200
    assert 'filename="mapping-riverside.csv"' in csv_response["Content-Disposition"]
    text = csv_response.content.decode()
    assert "Wellbrook Mutual Aid,Grass-roots group,Riverside" in text
    assert "Riverside,1,0,1,1" in text


def test_the_mapping_view_takes_the_same_queries_however_many_organisations(
    world, as_user, count_queries
):
    client = as_user(world.priya)
    org("First group")
    few = count_queries(lambda: client.get("/directory/mapping/"))
    for i in range(10):
        org(f"Group {i}").areas_served.add(world.riverside)
    many = count_queries(lambda: client.get("/directory/mapping/"))
    assert many == few


def test_a_logged_call_with_a_follow_up_date_is_due_until_it_is_done(world, as_user):
    client = as_user(world.priya)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        f"/directory/organisations/{world.mutual_aid.slug}/contacts/new/",
        {
            "happened_on": (yesterday - timedelta(days=7)).isoformat(),
            "kind": "call",
            "notes": "Sam told me about the lunch club and the phone line",
            "next_step": "Visit the lunch club",
            "follow_up_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    world.mutual_aid.refresh_from_db()
    assert world.mutual_aid.relationship_status == RelationshipStatus.CONTACTED
    assert world.mutual_aid.relationship_owner == world.priya
    page = client.get("/directory/follow-ups/").content.decode()
    assert "Visit the lunch club" in page and "Overdue" in page
    interaction = Interaction.objects.get()
    assert client.post(f"/directory/follow-ups/{interaction.pk}/done/").status_code == 302
    assert "Visit the lunch club" not in client.get("/directory/follow-ups/").content.decode()
    # Someone else's follow-ups are not on Alex's list.
    assert (
        "Visit the lunch club"
        not in as_user(world.alex).get("/directory/follow-ups/").content.decode()
    )


def test_a_listing_unchecked_for_too_long_waits_in_the_queue_until_its_owner_checks_it(
    world, as_user, riverside_listings, settings
):
    settings.DIRECTORY_STALE_MONTHS = 6
    lunch = riverside_listings[0]
    Service.objects.filter(pk=lunch.pk).update(
        last_verified_at=datetime.now(UTC) - timedelta(days=400)
    )
    client = as_user(world.sam)
    page = client.get("/directory/review/").content.decode()
    assert "Riverside lunch club" in page and "Still right" in page
    assert "Riverside lunch club" in as_user(world.priya).get("/directory/review/").content.decode()
    assert (
        "Riverside lunch club" not in as_user(world.olly).get("/directory/review/").content.decode()
    )
    client = as_user(world.sam)
    response = client.post(f"/directory/services/{lunch.uuid}/verify/")
    assert response.status_code == 302
    assert "Riverside lunch club</a>" not in client.get("/directory/review/").content.decode()
    assert ListingChange.objects.filter(service=lunch, action="verify", actor=world.sam).exists()


# ---------------------------------------------------------------------------------------
# Suggested changes


def _phone_line_form(**changes) -> dict:
    data = {
        "name": "Friendly phone calls",
        "description": "",
        "category": "emotional",
        "status": "published",
        "taking_new_people": "on",
        "access": "self_refer",
        "accepts_referrals": "on",
        "delivery": "phone",
    }
    data.update(changes)
    return data


def test_a_residents_suggestion_is_accepted_by_the_coordinator_and_kept_in_history(
    world, as_user, riverside_listings
):
    phone = riverside_listings[1]
    margaret = as_user(world.margaret)
    response = margaret.post(
        f"/directory/services/{phone.uuid}/suggest/",
        _phone_line_form(
            name="Friendly phone calls (weekdays)", suggestion_note="They only ring on weekdays"
        ),
    )
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.name == "Friendly phone calls"  # nothing changes until someone decides
    suggestion = Suggestion.objects.get()
    assert suggestion.changes["Name"] == ["Friendly phone calls", "Friendly phone calls (weekdays)"]

    sam = as_user(world.sam)
    assert "Friendly phone calls" in sam.get("/directory/suggestions/").content.decode()
    response = sam.post(f"/directory/suggestions/{suggestion.pk}/", {"decision": "accept"})
    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.name == "Friendly phone calls (weekdays)"
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED and suggestion.decided_by == world.sam
    change = ListingChange.objects.filter(service=phone).first()
    assert change.action == ListingChange.Action.SUGGESTION and change.actor == world.sam
    assert change.changes["name"] == ["Friendly phone calls", "Friendly phone calls (weekdays)"]
    history = sam.get(f"/directory/organisations/{world.mutual_aid.slug}/history/")
    assert "Suggested change accepted" in history.content.decode()


def test_rejecting_a_suggestion_needs_a_reason_and_changes_nothing(
    world, as_user, riverside_listings
):
    phone = riverside_listings[1]
    as_user(world.margaret).post(
        f"/directory/services/{phone.uuid}/suggest/", _phone_line_form(name="Wrong name")
    )
    suggestion = Suggestion.objects.get()
    sam = as_user(world.sam)
    url = f"/directory/suggestions/{suggestion.pk}/"
    response = sam.post(url, {"decision": "reject"})
    assert response.status_code == 400
    assert "Say why you are rejecting the change" in response.content.decode()
    assert (
        sam.post(url, {"decision": "reject", "reason": "It is right as it is"}).status_code == 302
    )
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.reason == "It is right as it is"
    phone.refresh_from_db()
    assert phone.name == "Friendly phone calls"
    # Decided once: nobody can decide it again.
    assert "Rejected by" in sam.get(url).content.decode()


def test_a_suggestion_that_changes_nothing_is_refused(world, as_user, riverside_listings):
    phone = riverside_listings[1]
    response = as_user(world.margaret).post(
        f"/directory/services/{phone.uuid}/suggest/", _phone_line_form()
    )
    assert response.status_code == 400
    assert "Change at least one thing" in response.content.decode()
    assert not Suggestion.objects.exists()


def test_a_web_address_typed_without_https_is_saved_as_a_secure_link(
    world, as_user, riverside_listings
):
    phone = riverside_listings[1]
    sam = as_user(world.sam)

    response = sam.post(
        f"/directory/services/{phone.uuid}/edit/", _phone_line_form(url="riverside-calls.org.uk")
    )

    assert response.status_code == 302
    phone.refresh_from_db()
    assert phone.url == "https://riverside-calls.org.uk"
