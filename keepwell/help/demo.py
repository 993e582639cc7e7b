"""Wellbrook Mutual Aid in full swing: volunteers at every stage of onboarding (one with a
DBS check about to expire), requests in every state, a recurring befriending, a web request
in Portuguese waiting for triage, and two doorstep concerns, one still open.

Loading twice changes nothing: volunteers are found by their username, and the requests
are made only if no demo person has one yet.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from importlib import import_module

from django.utils import timezone

from keepwell.accounts import services as accounts
from keepwell.accounts.models import Role
from keepwell.help import services
from keepwell.help.models import (
    ConcernContact,
    HelpRequest,
    NeedType,
    RoutingRule,
    Volunteer,
)
from keepwell.people.models import Language

# username, first, last, area slug, status, transport, skills, checks, authorisations,
# languages, (check expires in days or None)
VOLUNTEERS = [
    (
        "volunteer",
        "Jo",
        "Bell",
        "riverside",
        "active",
        "on_foot",
        ["shopping", "phone_check_in", "befriending", "dog_walking"],
        ["id_check", "safeguarding_training", "dbs_basic"],
        [],
        ["en"],
        None,
    ),
    (
        "vol-kwame",
        "Kwame",
        "Mensah",
        "riverside",
        "active",
        "car",
        ["shopping", "hospital_run", "prescription", "controlled_drugs", "food_parcel"],
        ["id_check", "dbs_enhanced_barred", "safeguarding_training"],
        ["medicines", "controlled_drugs"],
        ["en"],
        None,
    ),
    (
        "vol-beatriz",
        "Beatriz",
        "Santos",
        "riverside",
        "active",
        "public",
        ["shopping", "phone_check_in", "interpreting", "befriending"],
        ["id_check", "safeguarding_training", "dbs_basic"],
        [],
        ["pt", "en"],
        10,
    ),
    (
        "vol-tomasz",
        "Tomasz",
        "Nowak",
        "northgate",
        "active",
        "bicycle",
        ["shopping", "food_parcel", "gardening", "digital_help"],
        ["id_check", "dbs_basic"],
        [],
        ["pl", "en"],
        None,
    ),
    (
        "vol-grace",
        "Grace",
        "Adeyemi",
        "town-centre",
        "active",
        "car",
        ["prescription", "shopping", "hot_meal"],
        ["id_check", "dbs_enhanced"],
        ["medicines"],
        ["en"],
        None,
    ),
    (
        "vol-liam",
        "Liam",
        "Kelly",
        "hillside",
        "active",
        "on_foot",
        ["dog_walking", "gardening", "shopping"],
        ["id_check"],
        [],
        ["en"],
        None,
    ),
    (
        "vol-nadia",
        "Nadia",
        "Rahman",
        "town-centre",
        "checks_pending",
        "public",
        ["phone_check_in", "befriending", "interpreting"],
        [],
        [],
        ["bn", "en"],
        None,
    ),
    (
        "vol-sean",
        "Sean",
        "Murphy",
        "northgate",
        "applied",
        "car",
        ["hospital_run"],
        [],
        [],
        ["en"],
        None,
    ),
    (
        "vol-helena",
        "Helena",
        "Costa",
        "riverside",
        "paused",
        "on_foot",
        ["shopping", "befriending"],
        ["id_check", "safeguarding_training"],
        [],
        ["pt", "en"],
        None,
    ),
    (
        "vol-frank",
        "Frank",
        "Hall",
        "hillside",
        "left",
        "car",
        ["hospital_run"],
        ["dbs_basic"],
        [],
        ["en"],
        -30,
    ),
]

ONBOARDING = {
    "applied": [],
    "checks_pending": ["checks_pending"],
    "active": ["checks_pending", "active"],
    "paused": ["checks_pending", "active", "paused"],
    "left": ["checks_pending", "active", "left"],
}


def _volunteers(place, group, coordinator) -> dict[str, Volunteer]:
    languages = {lang.code: lang for lang in Language.objects.all()}
    needs = {n.slug: n for n in NeedType.objects.all()}
    made = {}
    for (
        username,
        first,
        last,
        area,
        status,
        transport,
        skills,
        checks,
        auths,
        langs,
        expires,
    ) in VOLUNTEERS:
        existing = Volunteer.objects.filter(user__username=username).first()
        if existing is not None:
            made[username] = existing
            continue
        user = place.users.get(username)
        if user is None:
            from keepwell.demo.place import DEMO_PASSWORD

            user = accounts.ensure_user(
                username,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                email=f"{username}@wellbrook.example",
            )
        accounts.add_membership(user, Role.VOLUNTEER, group)
        postcode = place.postcodes[area][len(made) % len(place.postcodes[area])].postcode
        volunteer = services.create_volunteer(
            by=coordinator,
            organisation=group,
            username=username,
            first_name=first,
            last_name=last,
            email=user.email,
            home_postcode=postcode,
            skills=[needs[s] for s in skills if s in needs],
            languages=[languages[c] for c in langs if c in languages],
            transport=transport,
            max_km=5 if transport == "car" else 2,
            max_tasks_per_week=4 if transport == "car" else 3,
            phone=f"07700 9{len(made):05d}",
        )
        Volunteer.objects.filter(pk=volunteer.pk).update(is_demo=True)
        for step in ONBOARDING[status]:
            services.change_volunteer_status(volunteer, step, by=coordinator)
        for kind in checks:
            expires_on = None
            if expires is not None:
                expires_on = timezone.localdate() + timedelta(days=expires)
            services.record_check(
                volunteer,
                by=coordinator,
                kind=kind,
                checked_on=date(2024, 9, 1),
                expires_on=expires_on if kind.startswith("dbs") else None,
                reference=f"00{1000 + len(made)}",
            )
        for kind in auths:
            services.grant_authorisation(
                volunteer, by=coordinator, kind=kind, authorised_by="Riverside Pharmacy"
            )
        if username == "vol-tomasz":
            services.set_availability(
                volunteer, [(d, 9 * 60, 17 * 60) for d in range(5)], by=coordinator
            )
        made[username] = Volunteer.objects.get(pk=volunteer.pk)
    return made


def _routing(place, group) -> None:
    practice = place.organisations["wellbrook-health-centre"]
    surgery = place.organisations["riverside-surgery"]
    council = place.organisations["wellbrook-borough-council"]
    # The group keeps all four, so its "Where concerns go" page shows and changes them.
    lead, _ = ConcernContact.objects.get_or_create(
        name="Safeguarding lead (Sam Okafor)",
        organisation=group,
        defaults={
            "group": group,
            "user": place.users["coordinator"],
            "email": "coordinator@wellbrook.example",
        },
    )
    adults, _ = ConcernContact.objects.get_or_create(
        name="Adult social care duty team",
        organisation=council,
        defaults={
            "group": group,
            "email": "adults@wellbrook.example",
            "phone": "01632 960100",
            "escalate_to": lead,
        },
    )
    for practice_org, name in ((practice, "Duty doctor"), (surgery, "Practice manager")):
        ConcernContact.objects.get_or_create(
            name=name,
            organisation=practice_org,
            defaults={
                "group": group,
                "user": place.users["connector"] if practice_org == practice else None,
                "email": f"{practice_org.slug}@wellbrook.example",
                "escalate_to": lead,
            },
        )
    if not RoutingRule.objects.filter(organisation=group).exists():
        RoutingRule.objects.create(
            organisation=group, order=10, kind="safeguarding", target="contact", contact=lead
        )
        RoutingRule.objects.create(
            organisation=group, order=20, kind="no_food", target="contact", contact=adults
        )
        RoutingRule.objects.create(organisation=group, order=30, target="gp_practice")
        RoutingRule.objects.create(organisation=group, order=40, target="contact", contact=lead)


def _requests(place, group, coordinator, volunteers) -> None:
    if HelpRequest.objects.filter(person__is_demo=True).exists():
        return
    needs = {n.slug: n for n in NeedType.objects.all()}
    people = place.people
    now = timezone.now()
    jo, kwame, beatriz = volunteers["volunteer"], volunteers["vol-kwame"], volunteers["vol-beatriz"]
    pt = Language.objects.filter(code="pt").first()

    def ask(person, slug, **fields):
        return services.create_request(
            person, needs[slug], by=coordinator, organisation=group, **fields
        )

    # Waiting for a volunteer, in several areas and urgencies.
    ask(people[1], "shopping", urgency=3, notes="Milk, bread, tea bags, porridge oats")
    ask(people[2], "food_parcel", urgency=2)
    ask(people[6], "dog_walking", notes="Bramble, a friendly spaniel")
    ask(people[9], "prescription", urgency=2, notes="Collect from Riverside Pharmacy")
    ask(people[13], "digital_help", notes="Set up video calls with her grandson")
    ask(people[11], "phone_check_in", language=pt, notes="Prefers Portuguese")
    # Offered to Jo, waiting for her answer.
    offered = ask(
        people[5],
        "shopping",
        window_start=now + timedelta(days=1, hours=2),
        window_end=now + timedelta(days=1, hours=4),
    )
    services.offer_task(offered.tasks.get(), jo, by=coordinator)
    # Also offered to Jo by text: the messaging demo has her answer YES from her phone.
    by_text = ask(
        people[5],
        "dog_walking",
        window_start=now + timedelta(days=2, hours=1),
        window_end=now + timedelta(days=2, hours=3),
        notes="Pepper, an old and gentle terrier",
    )
    services.offer_task(by_text.tasks.get(), jo, by=coordinator)
    # Held by Jo.
    held = ask(
        people[0],
        "shopping",
        notes="Usual list; leave at the door and knock",
        window_start=now + timedelta(hours=3),
        window_end=now + timedelta(hours=5),
    )
    services.assign_task(held.tasks.get(), jo, by=coordinator)
    # Done yesterday, and a prescription Kwame delivered.
    done = ask(people[3], "shopping")
    services.assign_task(done.tasks.get(), jo, by=coordinator)
    services.complete_task(done.tasks.get(), by=jo.user, notes="Change left on the table")
    medicine = ask(people[7], "controlled_drugs", urgency=3)
    services.assign_task(medicine.tasks.get(), kwame, by=coordinator)
    services.complete_task(medicine.tasks.get(), by=kwame.user, notes="Signed for")
    # Could not complete, and a request cancelled.
    missed = ask(people[8], "hospital_run", urgency=2)
    services.assign_task(missed.tasks.get(), kwame, by=coordinator)
    services.complete_task(
        missed.tasks.get(), by=kwame.user, done=False, notes="Appointment moved; nobody home"
    )
    cancelled = ask(people[10], "gardening")
    services.cancel_request(cancelled, by=coordinator, reason="Neighbour is helping now")
    # A second call for the same need: flagged, and another merged already.
    ask(people[1], "shopping", allow_duplicate=True, notes="Her son also rang")
    twice = ask(people[12], "hot_meal")
    again = ask(people[12], "hot_meal", allow_duplicate=True, notes="Vegetarian")
    services.merge_requests(again, twice, by=coordinator)
    # Befriending: three calls a week for six weeks, with Beatriz each time.
    start = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time(14, 0))
    )
    befriend = ask(
        people[4],
        "befriending",
        times_per_week=3,
        weeks=6,
        language=pt,
        window_start=start,
        window_end=start + timedelta(minutes=45),
        requested_by="Rui Pereira (neighbour)",
    )
    first = befriend.tasks.get(sequence=1)
    services.offer_task(first, beatriz, by=coordinator)
    services.accept_offer(first, beatriz, by=beatriz.user)
    # Doorstep concerns: one waiting at the GP practice, one dealt with.
    services.raise_concern(
        by=jo.user,
        person=people[0],
        task=held.tasks.get(),
        kind="health_worse",
        urgent=False,
        details="More breathless on the stairs than last week; says her inhaler has run out",
    )
    closed = services.raise_concern(
        by=kwame.user,
        person=people[8],
        task=missed.tasks.get(),
        kind="no_food",
        urgent=True,
        details="Cupboards nearly empty and the fridge is off",
    )
    services.acknowledge_concern(closed, by=coordinator)
    services.close_concern(closed, by=coordinator, outcome="Food parcel delivered the same day")
    # Someone asked on the web form in Portuguese.
    services.submit_public_request(
        client_key="demo",
        form_language="pt",
        organisation=group,
        given_name="Rosa",
        family_name="Ferreira",
        phone="01632 960888",
        postcode=people[4].postcode,
        need_type=needs["shopping"],
        details="Compras para a minha mãe, que não sai de casa",
        language=pt,
        on_behalf=True,
        requester_name="Ana Ferreira",
        requester_relationship="filha",
    )


def _need_types() -> None:
    """The kinds of help come from a data migration; a test that flushed the tables (the
    browser tests do) must have them back before the demo can ask for any."""
    if not NeedType.objects.exists():
        from django.apps import apps

        import_module("keepwell.help.migrations.0002_seed_need_types").seed(apps, None)


def load(place) -> None:
    _need_types()
    group = place.organisations["wellbrook-mutual-aid"]
    coordinator = place.users["coordinator"]
    volunteers = _volunteers(place, group, coordinator)
    _routing(place, group)
    _requests(place, group, coordinator, volunteers)
