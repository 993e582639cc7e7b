"""A second record with a known NHS number is a possible duplicate to merge, never a silent
copy: the people who may see both records compare them side by side and merge them, and
everything each room holds follows the kept record."""

from __future__ import annotations

import re

import pytest

from keepwell.audit.models import AuditEvent
from keepwell.help import services as help_services
from keepwell.people import services
from keepwell.people.models import Person
from keepwell.referrals.models import Referral
from keepwell.timebank.models import Account
from tests.factories import PersonFactory
from tests.help.factories import need
from tests.referrals.conftest import befriending  # noqa: F401 - a fixture
from tests.referrals.test_fhir import gp_bundle, post, priya_token  # noqa: F401
from tests.timebank.factories import make_bank, make_member

MARGARETS_NHS_NUMBER = "9434765919"


def _summary(html: str) -> str:
    found = re.search(r'<div class="nhsuk-error-summary".*?</div>\s*</div>\s*</div>', html, re.S)
    return found.group(0) if found else ""


def _margaret_held_by_sams_group_only(world) -> Person:
    """Margaret's record, with her NHS number, held by Sam's group; her GP practice is not
    recorded, so Priya cannot see it."""
    margaret = world.margaret_person
    margaret.nhs_number = MARGARETS_NHS_NUMBER
    margaret.gp_practice = None
    margaret.date_of_birth = None
    margaret.save()
    return margaret


def _priyas_referral_makes_a_duplicate(client, world, service, token) -> Person:
    response = post(client, token, gp_bundle(world, service))  # Ivy Walker, Margaret's number
    assert response.status_code == 201, response.content.decode()[:500]
    return Person.objects.exclude(pk=world.margaret_person.pk).get(nhs_number=MARGARETS_NHS_NUMBER)


def _ask_for(person, slug, world):
    return help_services.create_request(
        person, need(slug), by=world.sam, organisation=world.mutual_aid, allow_duplicate=True
    )


def test_the_admin_merges_priyas_duplicate_into_margarets_record_and_everything_follows(
    client,
    as_user,
    world,
    befriending,  # noqa: F811
    priya_token,  # noqa: F811
):
    margaret = _margaret_held_by_sams_group_only(world)
    shopping = _ask_for(margaret, "shopping", world)
    duplicate = _priyas_referral_makes_a_duplicate(client, world, befriending, priya_token)
    assert duplicate.possible_duplicate_of == margaret
    referral = Referral.objects.get()
    assert referral.person == duplicate
    # Priya cannot see Margaret's record (nor Olly either), so neither is offered the pair;
    # the referral went to Sam's group, which now holds both, so Sam is.
    for someone in (world.priya, world.olly):
        page = as_user(someone).get("/people/duplicates/").content.decode()
        assert "There are no possible duplicate records for you to check" in page
    assert (
        f"/people/{duplicate.pk}/merge/"
        in as_user(world.sam).get("/people/duplicates/").content.decode()
    )
    assert as_user(world.priya).get(f"/people/{duplicate.pk}/merge/").status_code == 403
    # The practice also asked the group for a check-in call and shopping for Ivy (so the
    # group now holds that record too).
    check_in = _ask_for(duplicate, "phone_check_in", world)
    second_shopping = _ask_for(duplicate, "shopping", world)
    admin = as_user(world.alex)
    page = admin.get("/people/duplicates/").content.decode()
    assert "943 476 5919" in page and "Ivy Walker" in page and "Margaret Evans" in page
    assert f"/people/{duplicate.pk}/merge/" in page
    # Seeing the pair listed is a read of both records.
    for person in (margaret, duplicate):
        assert AuditEvent.objects.filter(
            person_id=person.pk, actor=world.alex, summary="Listed among possible duplicate records"
        ).exists()

    # Margaret's own page says another record may be her, and leads to the comparison.
    page = admin.get(f"/people/{margaret.pk}/").content.decode()
    assert "Another record may be this person" in page
    assert f'href="/people/{duplicate.pk}/merge/"' in page

    # Side by side, with what each room holds.
    page = admin.get(f"/people/{duplicate.pk}/merge/").content.decode()
    assert "Merging cannot be undone" in page and "nhsuk-warning-callout" in page
    assert "2 May 1941" in page and "WB2 1AX" in page and "WB2 1AB" in page
    assert "1 referral" in page and "2 help requests" in page and "1 help request" in page

    # Not ticking the box is named in the error summary, and nothing changes.
    response = admin.post(f"/people/{duplicate.pk}/merge/", {})
    assert response.status_code == 400
    assert "Tick the box to confirm you have checked these records are the same person" in (
        _summary(response.content.decode())
    )
    assert Referral.objects.get().person == duplicate

    response = admin.post(f"/people/{duplicate.pk}/merge/", {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == f"/people/{margaret.pk}/"

    margaret.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == margaret and duplicate.merged_at is not None
    assert Referral.objects.get().person == margaret
    assert set(margaret.help_requests.all()) == {shopping, check_in, second_shopping}
    # Two open shopping requests for one person: the moved one waits for a coordinator.
    second_shopping.refresh_from_db()
    assert second_shopping.possible_duplicate_of == shopping
    check_in.refresh_from_db()
    assert check_in.possible_duplicate_of is None
    # Margaret's details stand; her blanks are filled from the duplicate.
    assert (margaret.given_name, margaret.postcode) == ("Margaret", "WB2 1AB")
    assert str(margaret.date_of_birth) == "1941-05-02"
    assert margaret.gp_practice == world.practice
    assert margaret.possible_duplicate_of is None
    assert list(margaret.organisations.order_by("pk")) == [world.practice, world.mutual_aid]

    # The duplicate is gone from every list and search, but never deleted.
    assert list(services.find_people("943 476 5919", by=world.alex, limit=10)) == [margaret]
    assert "Ivy" not in admin.get("/people/?q=Walker").content.decode()
    assert (
        "There are no possible duplicate records"
        in admin.get("/people/duplicates/").content.decode()
    )
    assert Person.objects.filter(pk=duplicate.pk).exists()
    assert (
        "Another record may be this person"
        not in admin.get(f"/people/{margaret.pk}/").content.decode()
    )
    # Its old page says where it went.
    response = admin.get(f"/people/{duplicate.pk}/", follow=True)
    assert response.redirect_chain == [(f"/people/{margaret.pk}/", 302)]
    assert "That record was merged into this one" in response.content.decode()

    # Both audit trails say so; the duplicate's own history stays on its id.
    kept = AuditEvent.objects.get(person_id=margaret.pk, summary__startswith="Merged record")
    assert f"Merged record {duplicate.pk} (Ivy Walker) into this one" in kept.summary
    assert "1 referral" in kept.summary and "2 help requests" in kept.summary
    assert kept.actor == world.alex
    gone = AuditEvent.objects.get(person_id=duplicate.pk, summary__startswith="Merged into")
    assert f"Merged into record {margaret.pk} (Margaret Evans)" in gone.summary
    assert AuditEvent.objects.filter(
        person_id=duplicate.pk, action="create", summary__contains="possible duplicate"
    ).exists()
    # Margaret's log, as information governance reads it, leads to the merged record's.
    log = admin.get(f"/people/{margaret.pk}/audit/").content.decode()
    assert f'href="/people/{duplicate.pk}/audit/"' in log
    assert "Merged into record" in admin.get(f"/people/{duplicate.pk}/audit/").content.decode()

    # Now the practice holds Margaret's record: Priya sees it, and her next referral for
    # this NHS number goes to it rather than making another copy.
    assert as_user(world.priya).get(f"/people/{margaret.pk}/").status_code == 200
    client.logout()
    assert post(client, priya_token, gp_bundle(world, befriending)).status_code == 201
    assert Person.objects.current().filter(nhs_number=MARGARETS_NHS_NUMBER).count() == 1
    assert set(Referral.objects.values_list("person_id", flat=True)) == {margaret.pk}


def test_a_merge_two_time_bank_accounts_would_need_is_refused_and_changes_nothing(
    client,
    as_user,
    world,
    befriending,  # noqa: F811
    priya_token,  # noqa: F811
):
    margaret = _margaret_held_by_sams_group_only(world)
    duplicate = _priyas_referral_makes_a_duplicate(client, world, befriending, priya_token)
    bank = make_bank(organisation=world.mutual_aid, by=world.sam)
    make_member(bank, person=margaret, by=world.sam)
    make_member(bank, person=duplicate, by=world.sam)

    admin = as_user(world.alex)
    page = admin.get(f"/people/{duplicate.pk}/merge/").content.decode()
    reason = "Both records have an account with Wellbrook Time Bank"
    assert reason in page and "Merge the records</button>" not in page
    response = admin.post(f"/people/{duplicate.pk}/merge/", {"confirm": "on"})
    assert response.status_code == 400
    assert reason in _summary(response.content.decode())

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert Referral.objects.get().person == duplicate
    assert Account.objects.filter(person=duplicate).count() == 1
    assert not AuditEvent.objects.filter(summary__startswith="Merged").exists()


def test_two_records_that_both_sign_in_are_not_merged(world):
    margaret = _margaret_held_by_sams_group_only(world)
    other = PersonFactory(user=world.jo, given_name="Maggie", nhs_number="")
    with pytest.raises(services.MergeRefused, match="Both records belong to someone who signs"):
        services.merge_people(margaret, other, by=world.alex)
    other.refresh_from_db()
    assert other.merged_into is None and other.user == world.jo


def test_a_coordinator_whose_group_holds_both_records_may_merge_them(as_user, world):
    margaret = _margaret_held_by_sams_group_only(world)
    duplicate = services.create_person(
        by=world.sam,
        given_name="Maggie",
        family_name="Evans",
        nhs_number=MARGARETS_NHS_NUMBER,
        organisations=[world.mutual_aid.pk],
        possible_duplicate=True,
    )
    sam = as_user(world.sam)
    page = sam.get(f"/people/{duplicate.pk}/").content.decode()
    assert f'href="/people/{duplicate.pk}/merge/"' in page
    assert sam.post(f"/people/{duplicate.pk}/merge/", {"confirm": "on"}).status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into == margaret
    # Nothing more can be written to the merged record, not even by the admin, and the API
    # no longer serves it (its data is on the kept record).
    admin = as_user(world.alex)
    assert admin.get(f"/people/{duplicate.pk}/edit/").status_code == 404
    assert admin.get(f"/api/people/{duplicate.pk}").status_code == 404
    assert [p["id"] for p in admin.get("/api/people/?search=943 476 5919").json()] == [margaret.pk]
    # Margaret, whose own record it is, still sees it and who has seen it.
    assert as_user(world.margaret).get(f"/people/{margaret.pk}/").status_code == 200


def test_the_duplicates_list_asks_the_same_number_of_queries_however_many_there_are(
    as_user, world, count_queries
):
    client = as_user(world.alex)

    def add_pairs(start, n):
        for i in range(start, start + n):
            number = f"{400000000 + i * 7:09d}"
            # A valid NHS number: nine digits and their modulus 11 check digit.
            total = sum(int(d) * (10 - k) for k, d in enumerate(number))
            check = 11 - total % 11
            if check == 10:
                continue
            number += "0" if check == 11 else str(check)
            first = PersonFactory(nhs_number=number)
            first.organisations.add(world.mutual_aid)
            services.create_person(
                by=world.alex,
                given_name="Copy",
                nhs_number=number,
                organisations=[world.mutual_aid.pk],
                possible_duplicate=True,
            )

    add_pairs(0, 2)
    few = count_queries(lambda: client.get("/people/duplicates/"))
    add_pairs(2, 8)
    response = client.get("/people/duplicates/")
    flagged = Person.objects.filter(possible_duplicate_of__isnull=False).count()
    assert flagged >= 6
    assert response.content.decode().count("Compare and merge<") == flagged
    assert count_queries(lambda: client.get("/people/duplicates/")) == few


def test_every_room_moves_what_it_holds_and_one_account_keeps_earning_help_hours(world):
    from keepwell.outcomes.models import OutcomePlan
    from keepwell.people.models import Consent, HouseholdMember

    margaret = _margaret_held_by_sams_group_only(world)
    duplicate = services.create_person(
        by=world.alex,
        given_name="Maggie",
        nhs_number=MARGARETS_NHS_NUMBER,
        organisations=[world.practice.pk],
        possible_duplicate=True,
    )
    home = services.add_to_household(margaret, by=world.sam, household_name="The Evans household")
    services.add_to_household(duplicate, by=world.sam, household=home, relationship="relies_on")
    services.add_to_household(duplicate, by=world.sam, household_name="Her daughter's")
    services.record_consent(
        duplicate, by=world.priya, purpose="share_with_nhs", lawful_basis="consent", how="phone"
    )
    plan = OutcomePlan.objects.create(person=duplicate)
    wellbrook = make_bank(organisation=world.mutual_aid, by=world.sam)
    riverside = make_bank(name="Riverside Time Bank", organisation=world.mutual_aid, by=world.sam)
    hers = make_member(wellbrook, person=margaret, by=world.sam)
    theirs = make_member(riverside, person=duplicate, by=world.sam)
    Account.objects.filter(pk=hers.pk).update(earn_help_hours=True)
    Account.objects.filter(pk=theirs.pk).update(earn_help_hours=True)

    services.merge_people(margaret, duplicate, by=world.alex)

    assert set(Account.objects.filter(person=margaret)) == {hers, theirs}
    theirs.refresh_from_db()
    hers.refresh_from_db()
    assert (hers.earn_help_hours, theirs.earn_help_hours) == (True, False)
    plan.refresh_from_db()
    assert plan.person == margaret
    assert Consent.objects.get(purpose="share_with_nhs").person == margaret
    # One link per household: in the household both were in, Margaret's own link stands.
    links = HouseholdMember.objects.filter(person=margaret).order_by("household__name")
    assert [(link.household.name, link.relationship) for link in links] == [
        ("Her daughter's", "lives_with"),
        ("The Evans household", "lives_with"),
    ]
    assert not HouseholdMember.objects.filter(person=duplicate).exists()
    said = AuditEvent.objects.get(person_id=margaret.pk, summary__startswith="Merged").summary
    assert "1 outcome plan" in said and "1 time bank account" in said
    assert "1 consent record" in said and "1 household" in said


def test_a_duplicate_that_signs_in_brings_its_account_to_the_kept_record(as_user, world):
    margaret_account = world.margaret
    margaret = _margaret_held_by_sams_group_only(world)
    margaret.user = None
    margaret.save()
    duplicate = services.create_person(
        by=world.alex,
        given_name="Maggie",
        nhs_number=MARGARETS_NHS_NUMBER,
        user=margaret_account,
        possible_duplicate=True,
    )
    services.merge_people(margaret, duplicate, by=world.alex)
    margaret.refresh_from_db()
    assert margaret.user == margaret_account
    # Her home page now leads to the kept record, and she may open it.
    home = as_user(margaret_account).get("/").content.decode()
    assert f"/people/{margaret.pk}/" in home
    assert as_user(margaret_account).get(f"/people/{margaret.pk}/").status_code == 200
