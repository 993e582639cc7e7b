"""Stories told through the pages: what a GP, a coordinator and a resident see and do."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.audit.models import AuditEvent
from keepwell.messaging.models import Message
from keepwell.people.models import Consent, Person, Strength
from keepwell.referrals import services
from keepwell.referrals.models import Direction, Referral, Status
from tests.directory.factories import listed
from tests.referrals.factories import ServiceFactory, refer

GOOD_REFERRAL = {
    "what_matters": "Seeing people again, and her garden",
    "themes": ["loneliness", "physical_activity"],
    "needs": "Someone to walk with her the first time",
    "urgency": "soon",
    "preferred_channel": "phone",
    "safety_notes": "Uses a walking frame; a small dog",
    "consent_how": "in_person",
    "consent_given": "on",
}


def _refer_url(world, service):
    return reverse(
        "referrals:refer",
        kwargs={"person_id": world.margaret_person.pk, "service_id": service.pk},
    )


def test_priya_refers_margaret_through_the_form_and_everything_she_said_arrives(
    as_user, world, befriending
):
    client = as_user(world.priya)
    page = client.get(_refer_url(world, befriending))
    assert page.status_code == 200
    assert "Open to referrals" in page.content.decode()

    response = client.post(
        _refer_url(world, befriending), {**GOOD_REFERRAL, "from_organisation": world.practice.pk}
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.what_matters == "Seeing people again, and her garden"
    assert referral.themes == ["loneliness", "physical_activity"]
    assert referral.urgency == "soon"
    assert referral.safety_notes == "Uses a walking frame; a small dog"
    assert referral.consent.purpose == Consent.Purpose.REFERRAL
    assert referral.consent.recorded_by == world.priya

    # Sam, at the mutual aid group, sees it in the incoming inbox with the safety notes.
    detail = as_user(world.sam).get(response["Location"]).content.decode()
    assert "Uses a walking frame; a small dog" in detail
    assert "Seeing people again" in detail


def test_a_referral_without_what_matters_or_consent_shows_the_error_summary(
    as_user, world, befriending
):
    bad = {**GOOD_REFERRAL, "what_matters": "", "consent_given": ""}
    response = as_user(world.priya).post(_refer_url(world, befriending), bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Confirm that they agree to the referral" in html
    assert "<title>Error:" in html
    assert not Referral.objects.exists()


def test_a_full_service_says_so_before_anyone_refers(as_user, world, befriending):
    befriending.taking_new_people = False
    befriending.save()
    client = as_user(world.priya)
    picker = client.get(reverse("referrals:find_service"), {"q": "phone"}).content.decode()
    assert "Friendly phone calls" in picker
    assert "Full: not taking new people now" in picker
    form = client.get(_refer_url(world, befriending)).content.decode()
    assert "Full: not taking new people now" in form
    response = client.post(
        _refer_url(world, befriending), {**GOOD_REFERRAL, "from_organisation": world.practice.pk}
    )
    assert response.status_code == 400
    assert "Full: not taking new people now" in response.content.decode()
    assert not Referral.objects.exists()


def test_sam_declines_with_a_reason_and_an_alternative_and_priya_hears_of_both(
    as_user, world, befriending
):
    other = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    referral = refer(world, befriending)
    client = as_user(world.sam)
    url = reverse("referrals:change_status", kwargs={"referral_id": referral.pk})
    empty = client.post(f"{url}?to=declined", {"to": "declined"})
    assert empty.status_code == 400
    assert "Say why you are declining the referral" in empty.content.decode()

    done = client.post(
        url,
        {
            "to": "declined",
            "decline_reason": "Our volunteers are all matched",
            "suggested_services": [other.pk],
        },
    )
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    note = Message.objects.filter(user=world.priya, kind="referral_status", channel="inbox").get()
    assert "Our volunteers are all matched" in note.body
    assert "Walking group" in note.body
    inbox = as_user(world.priya).get(reverse("messaging:inbox")).content.decode()
    assert "Walking group" in inbox


def test_the_status_loop_runs_to_completion_and_asks_what_they_could_give(
    as_user, world, befriending
):
    referral = refer(world, befriending)
    client = as_user(world.sam)
    url = reverse("referrals:change_status", kwargs={"referral_id": referral.pk})
    for status in ("accepted", "contacted", "engaged"):
        assert client.post(url, {"to": status, "note": f"{status} ok"}).status_code == 302
    finished = client.post(url, {"to": "completed", "note": "Goes every week now"})
    assert finished.status_code == 302
    assert (
        reverse("referrals:strengths", kwargs={"person_id": referral.person_id})
        in (finished["Location"])
    )
    referral.refresh_from_db()
    assert referral.status == Status.COMPLETED
    assert [e.to_status for e in referral.events.all()] == [
        "sent",
        "accepted",
        "contacted",
        "engaged",
        "completed",
    ]
    assert all(e.by == world.sam for e in referral.events.all()[1:])
    # Every change reached Priya's inbox.
    assert (
        Message.objects.filter(user=world.priya, kind="referral_status", channel="inbox").count()
        == 4
    )

    strengths_url = finished["Location"]
    saved = client.post(
        strengths_url,
        {"skill": "Baking", "time": "", "knowledge": "Growing vegetables", "source": "x"},
    )
    assert saved.status_code == 302
    kinds = set(Strength.objects.filter(person=referral.person).values_list("kind", flat=True))
    assert kinds == {"skill", "knowledge"}


def test_strengths_need_at_least_one_answer(as_user, world):
    url = reverse("referrals:strengths", kwargs={"person_id": world.margaret_person.pk})
    response = as_user(world.sam).post(url, {"skill": "", "time": "", "knowledge": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_a_coordinator_asks_the_practice_for_a_review_through_the_form(as_user, world):
    url = reverse("referrals:refer_to_practice", kwargs={"person_id": world.margaret_person.pk})
    client = as_user(world.sam)
    bad = client.post(url, {"practice": world.practice.pk})
    assert bad.status_code == 400
    assert "Say what you would like the practice to review" in bad.content.decode()
    ok = client.post(
        url,
        {
            "practice": world.practice.pk,
            "reason": "More breathless on the stairs this month",
            "urgency": "soon",
            "consent_how": "phone",
            "consent_given": "on",
        },
    )
    assert ok.status_code == 302
    referral = Referral.objects.get()
    assert referral.direction == Direction.TO_PRACTICE
    assert referral.from_organisation == world.mutual_aid
    # The practice sees it as incoming; when Priya accepts, Sam hears.
    incoming = as_user(world.priya).get(reverse("referrals:inbox")).content.decode()
    assert "Margaret Evans" in incoming
    services.change_status(referral, Status.ACCEPTED, by=world.priya, note="Booked for Tuesday")
    assert Message.objects.filter(user=world.sam, kind="referral_status", channel="inbox").exists()


def test_a_resident_refers_herself_without_signing_in(client, world, befriending):
    url = reverse("referrals:self_refer")
    page = client.get(url).content.decode()
    assert "Friendly phone calls" in page
    url = f"{url}?service={befriending.pk}"
    bad = client.post(url, {"service": befriending.pk, "preferred_channel": "phone"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "There is a problem" in html
    assert "Enter your first name" in html
    assert "Confirm that we may share your details with the service" in html
    good = client.post(
        url,
        {
            "service": befriending.pk,
            "given_name": "Ivy",
            "family_name": "Walker",
            "phone": "01632 960111",
            "postcode": "WB2 1AX",
            "preferred_channel": "phone",
            "what_matters": "I have been on my own since my husband died",
            "consent_given": "on",
        },
    )
    assert good.status_code == 302
    assert "Wellbrook Mutual Aid" in client.get(good["Location"]).content.decode()
    ivy = Person.objects.get(given_name="Ivy")
    referral = Referral.objects.get(person=ivy)
    assert referral.direction == Direction.SELF
    assert Message.objects.filter(
        organisation=world.mutual_aid, kind="referral_new", channel="inbox"
    ).exists()


def test_a_full_service_is_listed_as_full_on_the_self_referral_page(client, world, befriending):
    befriending.taking_new_people = False
    befriending.save()
    html = client.get(reverse("referrals:self_refer")).content.decode()
    assert "Friendly phone calls" in html and "Ask them for help" not in html
    response = client.post(
        reverse("referrals:self_refer"),
        {
            "service": befriending.pk,
            "given_name": "Ivy",
            "phone": "01632 960111",
            "preferred_channel": "phone",
            "what_matters": "Company",
            "consent_given": "on",
        },
    )
    assert response.status_code == 400
    assert not Person.objects.filter(given_name="Ivy").exists()


def test_a_resident_finds_a_service_by_a_word_and_near_her_postcode_then_refers_herself(
    client, world, befriending, pantry
):
    # The directory's own search, over only the services a resident may ask themselves.
    walks = ServiceFactory(
        organisation=world.mutual_aid, name="Riverside health walk", description="Gentle walks"
    )
    listed(walks, "WB2 1AB", 53.033, -1.462)
    listed(befriending, "WB1 1AA", 53.045, -1.48)  # about 1.7 km away
    refused = ServiceFactory(organisation=world.mutual_aid, name="Walking football")
    services.set_door(
        refused,
        by=world.sam,
        accepts_referrals=True,
        taking_new_people=True,
        accepts_self_referrals=False,
    )
    closed = ServiceFactory(organisation=world.mutual_aid, name="Knitting circle")
    services.set_door(closed, by=world.sam, accepts_referrals=False, taking_new_people=True)
    url = reverse("referrals:self_refer")

    everything = client.get(url).content.decode()
    assert "Friendly phone calls" in everything and "Riverside health walk" in everything
    assert "Walking football" not in everything and "Knitting circle" not in everything
    assert 'name="given_name"' not in everything  # the form waits for a chosen service

    by_word = client.get(url, {"q": "walk"}).content.decode()
    assert "Riverside health walk" in by_word
    assert "Friendly phone calls" not in by_word and "Walking football" not in by_word
    assert "1 service takes requests from residents" in by_word

    near = client.get(url, {"postcode": "WB2 1AB", "radius": "1"}).content.decode()
    assert "Riverside health walk" in near and "Friendly phone calls" not in near
    assert "within 1 km of WB2 1AB" in near
    wider = client.get(url, {"postcode": "WB2 1AB", "radius": "5"}).content.decode()
    assert wider.index("Riverside health walk") < wider.index("Friendly phone calls")

    chosen = f"{url}?service={walks.pk}"
    assert f'href="?service={walks.pk}"' in by_word
    page = client.get(chosen).content.decode()
    assert "Riverside health walk" in page and 'name="given_name"' in page
    sent = client.post(
        chosen,
        {
            "service": walks.pk,
            "given_name": "Ivy",
            "phone": "01632 960111",
            "preferred_channel": "phone",
            "what_matters": "Getting out more",
            "consent_given": "on",
        },
    )
    assert sent.status_code == 302
    assert Referral.objects.get(person__given_name="Ivy").service == walks


def test_a_service_that_refuses_self_referrals_cannot_be_chosen_even_by_its_number(
    client, world, befriending
):
    services.set_door(
        befriending,
        by=world.sam,
        accepts_referrals=True,
        taking_new_people=True,
        accepts_self_referrals=False,
    )
    url = f"{reverse('referrals:self_refer')}?service={befriending.pk}"
    assert "Friendly phone calls" not in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "service": befriending.pk,
            "given_name": "Ivy",
            "phone": "01632 960111",
            "preferred_channel": "phone",
            "what_matters": "Company",
            "consent_given": "on",
        },
    )
    assert response.status_code == 400
    assert "Choose a service that takes requests from residents" in response.content.decode()
    assert not Referral.objects.exists()


def test_self_referral_speaks_portuguese_from_the_link_or_the_browser(client, world, befriending):
    url = reverse("referrals:self_refer")
    html = client.get(url, {"lang": "pt"}).content.decode()
    assert '<html lang="pt">' in html and "Pedir ajuda a um serviço local" in html
    assert "Pedir-lhes ajuda" in html and f"service={befriending.pk}&amp;lang=pt" in html
    chosen = f"{url}?service={befriending.pk}"
    form = client.get(chosen, HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9").content.decode()
    assert "Como devem contactá-lo?" in form and "(opcional)" in form
    bad = client.post(f"{chosen}&lang=pt", {"service": befriending.pk})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Há um problema" in html and "Escreva o seu nome próprio" in html
    good = client.post(
        f"{chosen}&lang=pt",
        {
            "service": befriending.pk,
            "given_name": "Rosa",
            "phone": "01632 960111",
            "preferred_channel": "phone",
            "what_matters": "Companhia",
            "consent_given": "on",
        },
    )
    assert good["Location"].endswith("?lang=pt")
    done = client.get(good["Location"]).content.decode()
    assert "O seu pedido foi enviado" in done and "Wellbrook Mutual Aid vai contactá-lo" in done


def test_sam_shuts_the_door_and_a_gp_sees_it_at_once(as_user, world, befriending):
    url = reverse("referrals:door", kwargs={"service_id": befriending.pk})
    client = as_user(world.sam)
    bad = client.post(url, {"accepts_referrals": "on", "accepts_from": "listed"})
    assert bad.status_code == 400
    assert "Choose at least one organisation" in bad.content.decode()
    ok = client.post(
        url,
        {
            "accepts_referrals": "on",
            "accepts_from": "listed",
            "organisations": [world.practice.pk],
            "accepts_self_referrals": "",
        },
    )
    assert ok.status_code == 302
    befriending.refresh_from_db()
    assert befriending.taking_new_people is False
    picker = as_user(world.priya).get(reverse("referrals:find_service")).content.decode()
    assert "Full: not taking new people now" in picker
    # Olly keeps another group's door, not this one.
    assert as_user(world.olly).get(url).status_code == 403


def _many_referrals(world, service, count, *, start=0):
    for i in range(count):
        person = Person.objects.create(given_name=f"P{start + i}", family_name="Inbox")
        refer(world, service, person=person)


def test_the_inbox_filters_by_status_age_and_service(as_user, world, befriending, pantry):
    walking = ServiceFactory(organisation=world.mutual_aid, name="Walking group")
    old = refer(world, befriending)
    Referral.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=10))
    accepted = refer(world, walking, person=world.riverside_person)
    services.change_status(accepted, Status.ACCEPTED, by=world.sam)
    client = as_user(world.sam)
    url = reverse("referrals:inbox")

    def names(params):
        page = client.get(url, params)
        assert page.status_code == 200
        return [r.person.full_name for r in page.context["page"].object_list]

    assert sorted(names({})) == ["John Smith", "Margaret Evans"]
    assert names({"status": "accepted"}) == ["John Smith"]
    assert names({"age": "7"}) == ["Margaret Evans"]
    assert names({"service": walking.pk}) == ["John Smith"]
    # Priya sees them as outgoing, not incoming.
    priya = as_user(world.priya)
    assert priya.get(url).context["page"].paginator.count == 0
    assert priya.get(url, {"box": "outgoing"}).context["page"].paginator.count == 2
    bad = client.get(url, {"status": "nonsense"})
    assert "There is a problem" in bad.content.decode()


def test_the_inbox_needs_the_same_queries_for_three_referrals_or_thirty(
    as_user, world, befriending, django_assert_max_num_queries, count_queries
):
    _many_referrals(world, befriending, 3)
    client = as_user(world.sam)
    url = reverse("referrals:inbox")
    client.get(url)
    few = count_queries(lambda: client.get(url))
    _many_referrals(world, befriending, 30, start=3)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert response.context["page"].paginator.count == 33


def test_the_timeline_shows_referrals_outcomes_and_strengths_and_is_audited(
    as_user, world, befriending
):
    from tests.outcomes.factories import answer

    referral = refer(world, befriending)
    answer(world.margaret_person, world.sam, referral=referral)
    services.record_strengths(
        world.margaret_person, [("skill", "Knitting")], by=world.sam, source="test"
    )
    url = reverse("people:timeline", kwargs={"person_id": world.margaret_person.pk})
    html = as_user(world.priya).get(url).content.decode()
    assert "Referred to Friendly phone calls" in html
    assert "Control, Contact and Confidence" in html or "3Cs" in html
    assert "Knitting" in html
    assert AuditEvent.objects.filter(
        actor=world.priya, person_id=world.margaret_person.pk, action="read"
    ).exists()
    # Margaret may read her own story; Olly may not.
    assert as_user(world.margaret).get(url).status_code == 200
    assert as_user(world.olly).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["jo", "olly"])
def test_people_outside_the_referral_cannot_open_it(as_user, world, befriending, persona):
    referral = refer(world, befriending)
    url = reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    assert as_user(world.persona(persona)).get(url).status_code == 403


def test_a_doorstep_concern_becomes_a_review_request_once_and_the_group_hears_back(as_user, world):
    from keepwell.help import services as help_services

    concern = help_services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        kind="health_worse",
        urgent=True,
        details="Very breathless and her ankles are swollen",
        organisation=world.mutual_aid,
    )
    url = reverse("referrals:concern_to_practice", kwargs={"concern_id": concern.pk})
    client = as_user(world.sam)
    page = client.get(url).content.decode()
    assert "Very breathless and her ankles are swollen" in page
    bad = client.post(url, {"practice": world.practice.pk, "reason": "x"})
    assert bad.status_code == 400
    assert "Confirm that they agree to the referral" in bad.content.decode()
    sent = client.post(
        url,
        {
            "practice": world.practice.pk,
            "reason": "Health getting worse: very breathless and her ankles are swollen",
            "urgency": "urgent",
            "consent_how": "in_person",
            "consent_given": "on",
        },
    )
    assert sent.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == f"help:concern:{concern.pk}"
    assert (referral.direction, referral.to_organisation) == (Direction.TO_PRACTICE, world.practice)
    assert referral.from_organisation == world.mutual_aid
    # Asking again goes to the first request rather than sending another.
    again = client.get(url)
    assert again.status_code == 302 and Referral.objects.count() == 1
    again_by_help = services.refer_concern_to_practice(concern, by=world.sam)
    assert again_by_help == referral
    # Priya declines with a reason: Sam's group hears it.
    services.change_status(
        referral, Status.DECLINED, by=world.priya, decline_reason="Seen by the district nurse today"
    )
    assert Message.objects.filter(
        organisation=world.mutual_aid,
        kind="referral_status",
        channel="inbox",
        body__contains="district nurse",
    ).exists()
    # Jo raised it but does not hold Margaret's record.
    assert as_user(world.jo).get(url).status_code == 403


def test_help_can_ask_what_someone_could_give_through_the_strengths_page(as_user, world):
    url = reverse("referrals:strengths", kwargs={"person_id": world.margaret_person.pk})
    response = as_user(world.sam).post(
        url,
        {"time": "Tuesday mornings", "source": "help:34", "next": "/help/"},
    )
    assert response.status_code == 302 and response["Location"] == "/help/"
    strength = Strength.objects.get(person=world.margaret_person)
    assert (strength.kind, strength.source) == ("time", "help:34")
    # "Not now" records nothing and goes back.
    skipped = as_user(world.sam).post(url, {"not_now": "1", "next": "/help/"})
    assert skipped["Location"] == "/help/"
    assert Strength.objects.count() == 1


def test_referring_margaret_the_directory_search_starts_near_her_home(as_user, world, befriending):
    """Priya picks from the directory's own search: near Margaret's postcode by default,
    nearest first with the distance, phone services too, and a far-off group left out."""
    from tests.directory.factories import listed
    from tests.help.factories import locate

    locate("WB2 1AB", 53.0330, -1.4620)  # Margaret's home
    walk = ServiceFactory(organisation=world.mutual_aid, name="Riverside health walk")
    listed(walk, "WB2 1AF", 53.0300, -1.4700)
    choir = ServiceFactory(organisation=world.mutual_aid, name="Northgate choir")
    listed(choir, "WB3 1AA", 53.0610, -1.4890)  # about 3.6 km
    far = ServiceFactory(organisation=world.other_group, name="Othertown lunch club")
    listed(far, "OT1 1AA", 53.1500, -1.3000)  # some 17 km away
    befriending.delivery = befriending.Delivery.PHONE
    befriending.save(update_fields=["delivery"])
    client = as_user(world.priya)

    html = client.get(
        reverse("referrals:refer_start", args=[world.margaret_person.pk])
    ).content.decode()

    assert "within 5 km of WB2 1AB, and by phone or online" in html
    assert html.index("Riverside health walk") < html.index("Northgate choir")
    assert "0.6 km away" in html and "3.6 km away" in html
    assert "Friendly phone calls" in html
    assert "Othertown lunch club" not in html
    # Searching wider finds it, with the same door check as anywhere else.
    wider = client.get(
        reverse("referrals:refer_start", args=[world.margaret_person.pk]),
        {"postcode": "WB2 1AB", "radius": "25"},
    ).content.decode()
    assert "Othertown lunch club" in wider


def test_a_postcode_the_directory_does_not_know_is_a_form_error_on_the_picker(as_user, world):
    response = as_user(world.priya).get(reverse("referrals:find_service"), {"postcode": "LS1 9ZZ"})

    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "<title>Error:" in html
    assert "There is a problem" in html and "We don't know where LS1 9ZZ is" in html
