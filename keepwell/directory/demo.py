"""Wellbrook's community asset map: organisations of every kind in Table one, their
services across Table two, who in the NHS knows them, and a refuge whose address stays
confidential.

Idempotent: organisations are found by slug, services by organisation and name (as the
referrals demo finds the ones it needs), links by their ends, and contacts are logged only
for an organisation that has none yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from keepwell.directory import services as directory
from keepwell.directory.models import (
    Interaction,
    Organisation,
    OrganisationKind,
    RelationshipStatus,
    Service,
    TaxonomyTerm,
)
from keepwell.directory.schedules import parse
from keepwell.people.models import Language

K = OrganisationKind
R = RelationshipStatus


@dataclass(frozen=True)
class Org:
    slug: str
    name: str
    kind: str
    areas: tuple[str, ...]
    description: str
    status: str = R.NOT_CONTACTED
    languages: tuple[str, ...] = ("en",)
    charity: str = ""
    company: str = ""
    cic: bool = False
    phone: str = ""
    email: str = ""
    website: str = ""
    other: str = ""


ORGANISATIONS = [
    Org("jean-at-number-12", "Jean at number 12", K.INDIVIDUAL, ("riverside",),
        "Jean phones her neighbours on River View every morning and knows who needs a hand.",
        R.MET, other="Knock at 12 River View"),
    Org("mr-hussain-allotments", "Mr Hussain's allotment share", K.INDIVIDUAL, ("hillside",),
        "Grows more than he needs and shares vegetables and seedlings with anyone who asks.",
        languages=("ur", "en"), other="At the Hill Rise allotments on Saturday mornings"),
    Org("river-view-whatsapp", "River View WhatsApp group", K.GRASS_ROOTS, ("riverside",),
        "Two hundred neighbours who shop, fetch prescriptions and keep an eye on each other.",
        R.WORKING_TOGETHER, other="Ask any neighbour to add you"),
    Org("northgate-street-champions", "Northgate Street Champions", K.GRASS_ROOTS, ("northgate",),
        "One volunteer per street who checks in on older and isolated neighbours.",
        R.CONTACTED, languages=("en", "pl")),
    Org("wellbrook-allotment-society", "Wellbrook Allotment Society", K.ASSOCIATION,
        ("hillside", "town-centre"), "Members' allotments, a seed swap and gardening for all ages.",
        charity="1104321", email="hello@allotments.wellbrook.example"),
    Org("wellbrook-pensioners-forum", "Wellbrook Pensioners' Forum", K.ASSOCIATION,
        ("town-centre", "riverside", "northgate", "hillside"),
        "A members' voice for older people, with talks, trips and a monthly newsletter.",
        R.MET, charity="1067890", phone="01632 960101"),
    Org("wellbrook-womens-aid", "Wellbrook Women's Aid", K.ASSOCIATION,
        ("town-centre", "riverside", "northgate", "hillside"),
        "Support, outreach and safe housing for women and children affected by domestic abuse.",
        R.PARTNER, charity="1099876", phone="01632 960199"),
    Org("riverside-community-centre", "Riverside Community Centre", K.COMMUNITY_HUB,
        ("riverside",), "A community-run centre: café, food pantry, classes and a warm space.",
        R.PARTNER, ("en", "pt"), charity="1123456", phone="01632 960202",
        website="https://riverside-centre.wellbrook.example"),
    Org("northgate-hub", "The Northgate Hub", K.COMMUNITY_HUB, ("northgate",),
        "A former library run by residents, with digital drop-ins and a repair café.",
        R.WORKING_TOGETHER, ("en", "pl"), company="09876543", cic=True),
    Org("wellbrook-community-anchor", "Wellbrook Community Anchor", K.INFRASTRUCTURE,
        ("town-centre", "riverside", "northgate", "hillside"),
        "Supports the town's groups with funding advice, training and volunteers.",
        R.PARTNER, charity="1080001", email="groups@anchor.wellbrook.example"),
    Org("st-marks-church", "St Mark's Church", K.FAITH_GROUP, ("town-centre",),
        "A parish church with a lunch club, a foodbank collection point and a choir.",
        R.WORKING_TOGETHER, charity="1130222"),
    Org("wellbrook-central-mosque", "Wellbrook Central Mosque", K.FAITH_GROUP,
        ("town-centre", "hillside"),
        "Runs food parcels, a women's group and befriending in Urdu, Bengali and English.",
        R.MET, ("ur", "bn", "en"), charity="1145678"),
    Org("gurdwara-sahib-wellbrook", "Gurdwara Sahib Wellbrook", K.FAITH_GROUP, ("northgate",),
        "A free community kitchen open to everyone, every day.",
        languages=("pa", "en")),
    Org("wellbrook-homes", "Wellbrook Homes", K.HOUSING_PROVIDER,
        ("riverside", "northgate", "hillside"),
        "Housing association with 3,000 homes and tenancy sustainment officers.",
        R.CONTACTED, company="IP031234", phone="01632 960303"),
    Org("riverside-housing-coop", "Riverside Housing Co-op", K.HOUSING_PROVIDER, ("riverside",),
        "A tenant-run co-operative whose members look out for one another."),
    Org("brook-bikes-cic", "Brook Bikes CIC", K.SOCIAL_ENTERPRISE, ("town-centre", "riverside"),
        "Refurbishes bikes, teaches riding and runs deliveries by cargo bike.",
        R.MET, company="11223344", cic=True, website="https://brookbikes.wellbrook.example"),
    Org("good-food-wellbrook", "Good Food Wellbrook", K.SOCIAL_ENTERPRISE,
        ("northgate", "hillside"), "A social supermarket and cookery school.",
        company="12345678", cic=True),
    Org("wellbrook-time-bank", "Wellbrook Time Bank", K.TIME_BANK,
        ("town-centre", "riverside", "northgate", "hillside"),
        "Members give and receive help by the hour: an hour given is an hour banked.",
        R.WORKING_TOGETHER, charity="1150001"),
    Org("age-concern-wellbrook", "Age UK Wellbrook and District", K.NATIONAL_CHARITY,
        ("town-centre", "riverside", "northgate", "hillside"),
        "Information and advice, befriending and day opportunities for older people.",
        R.PARTNER, charity="1128267", phone="01632 960404"),
    Org("mind-in-wellbrook", "Mind in Wellbrook", K.NATIONAL_CHARITY,
        ("town-centre", "riverside", "northgate", "hillside"),
        "Mental health support groups, counselling and a crisis café.",
        R.CONTACTED, charity="1097777"),
    Org("wellbrook-supermarket", "Brookside Supermarket", K.PRIVATE_BUSINESS,
        ("town-centre",), "Donates surplus food and lends its community room.",
        R.MET, company="00445566"),
    Org("wellbrook-taxis", "Wellbrook Taxis", K.PRIVATE_BUSINESS, ("town-centre", "riverside"),
        "Free hospital runs for patients who have no other way to get there.",
        phone="01632 960505"),
]  # fmt: skip

# (organisation slug, name, category, activity codes, schedule, delivery, area of venue,
#  cost in pence or None, languages, access, description)
SERVICES = [
    ("jean-at-number-12", "Morning phone round", "emotional", ("phone-check-in",),
     "Monday 09:00-10:00; Wednesday 09:00-10:00; Friday 09:00-10:00", "phone", None, None,
     ("en",), "self_refer", "Jean rings neighbours who live alone, to say good morning."),
    ("mr-hussain-allotments", "Vegetable and seedling share", "social",
     ("seed-kits-vegetables",), "Saturday 09:00-11:00", "in_person", "hillside", None,
     ("ur", "en"), "self_refer", "Take what you need; bring what you can."),
    ("river-view-whatsapp", "Neighbourhood shopping help", "practical",
     ("shopping-medicines",), "", "phone_online", None, None, ("en",), "signpost",
     "Post in the group and a neighbour will pick up shopping or a prescription."),
    ("northgate-street-champions", "Street champion visits", "emotional",
     ("doorstep-peer-support", "neighbour-connecting"), "Tuesday 10:00-12:00", "in_person",
     "northgate", None, ("en", "pl"), "signpost", "A friendly knock and a chat on the doorstep."),
    ("wellbrook-allotment-society", "Seed swap", "social", ("seed-kits-vegetables",),
     "first Saturday 10:00-12:00", "in_person", "hillside", None, ("en",), "self_refer",
     "Swap seeds and seedlings; beginners welcome."),
    ("wellbrook-pensioners-forum", "Monthly talk and tea", "educational",
     ("educational-meetings",), "second Thursday 14:00-16:00", "in_person", "town-centre", 150,
     ("en",), "self_refer", "A talk on something useful, then tea and biscuits."),
    ("wellbrook-womens-aid", "Women's refuge", "practical", (), "", "in_person", "riverside",
     None, ("en", "ur", "pl"), "referral",
     "Safe, confidential housing for women and children. Call the helpline to talk."),
    ("wellbrook-womens-aid", "Domestic abuse helpline", "emotional", ("helplines-interpreting",),
     "Monday 09:00-17:00; Tuesday 09:00-17:00; Wednesday 09:00-17:00; Thursday 09:00-17:00; "
     "Friday 09:00-17:00", "phone", None, None, ("en",), "self_refer",
     "Confidential advice and support; interpreters on request."),
    ("riverside-community-centre", "Food pantry", "practical", ("food-banks-delivery",),
     "Tuesday 10:00-13:00; Friday 10:00-13:00", "in_person", "riverside", 350, ("en", "pt"),
     "self_refer", "A week's shopping for a small membership fee."),
    ("riverside-community-centre", "Warm space and café", "social", ("online-social-events",),
     "Monday 10:00-15:00; Wednesday 10:00-15:00", "in_person", "riverside", None,
     ("en", "pt"), "self_refer", "Somewhere warm with free soup, games and company."),
    ("riverside-community-centre", "English conversation club", "educational",
     ("one-to-one-discussion",), "Thursday 18:00-19:30", "in_person", "riverside", None,
     ("pt", "en"), "self_refer", "Practise English over a cuppa, with volunteer tutors."),
    ("northgate-hub", "Digital drop-in", "practical", ("it-equipment-digital-training",),
     "Wednesday 13:00-16:00", "in_person", "northgate", None, ("en", "pl"), "self_refer",
     "Help with phones, tablets and video calls; loan devices available."),
    ("northgate-hub", "Repair café", "social", ("craft-kits",), "last Saturday 10:00-13:00",
     "in_person", "northgate", None, ("en",), "self_refer", "Bring something broken."),
    ("wellbrook-community-anchor", "Small grants for groups", "practical", ("small-grants",),
     "", "online", None, None, ("en",), "self_refer", "Grants of up to £500 for new groups."),
    ("wellbrook-community-anchor", "Information in community languages", "educational",
     ("materials-translation", "tackling-misinformation"), "", "online", None, None,
     ("en", "ur", "bn", "pl", "pt"), "signpost",
     "Health information translated and checked by native speakers."),
    ("st-marks-church", "St Mark's lunch club", "social", ("online-social-events",),
     "Thursday 12:00-14:00", "in_person", "town-centre", 300, ("en",), "self_refer",
     "A hot two-course lunch and good company."),
    ("st-marks-church", "Doorstep choir", "social", ("choirs",), "Sunday 16:00-17:00",
     "in_person", "town-centre", None, ("en",), "self_refer", "Everyone sings; nobody auditions."),
    ("wellbrook-central-mosque", "Food parcels", "practical", ("food-banks-delivery",),
     "Friday 14:00-17:00", "in_person", "town-centre", None, ("ur", "bn", "en"), "signpost",
     "Halal food parcels delivered to anyone in need."),
    ("wellbrook-central-mosque", "Sisters' befriending", "emotional", ("befriending",),
     "Monday 11:00-13:00", "phone", None, None, ("ur", "bn", "en"), "self_refer",
     "Women volunteers phone women who are lonely or unwell."),
    ("gurdwara-sahib-wellbrook", "Langar community kitchen", "social", ("online-social-events",),
     "Saturday 11:00-14:00; Sunday 11:00-14:00", "in_person", "northgate", None, ("pa", "en"),
     "self_refer", "A free vegetarian meal for anyone, served by volunteers."),
    ("wellbrook-homes", "Tenancy support", "practical", ("doorstep-issue-reporting",), "",
     "phone", None, None, ("en",), "referral", "Help for tenants at risk of losing their home."),
    ("riverside-housing-coop", "Garden mornings", "social", ("dog-walking-gardening",),
     "Saturday 10:00-12:00", "in_person", "riverside", None, ("en",), "self_refer",
     "Members keep the shared gardens; neighbours welcome."),
    ("brook-bikes-cic", "Cargo bike deliveries", "practical", ("shopping-medicines",),
     "Tuesday 09:00-17:00; Thursday 09:00-17:00", "in_person", "town-centre", None, ("en",),
     "signpost", "Prescriptions and shopping delivered by bike."),
    ("good-food-wellbrook", "Cook and eat", "educational", ("educational-meetings",),
     "Wednesday 18:00-20:00", "in_person", "hillside", 200, ("en",), "self_refer",
     "Learn to cook a healthy meal on a budget, then eat it together."),
    ("wellbrook-time-bank", "Time bank helpers", "practical", ("dog-walking-gardening",), "",
     "phone_online", None, None, ("en",), "self_refer",
     "Dog walking, lifts, DIY and gardening, paid for in time."),
    ("age-concern-wellbrook", "Telephone befriending", "emotional", ("befriending",), "",
     "phone", None, None, ("en",), "referral", "A weekly call from the same volunteer."),
    ("age-concern-wellbrook", "Gentle exercise", "social", ("exercise-classes",),
     "Tuesday 11:00-12:00", "in_person", "northgate", 250, ("en",), "self_refer",
     "Seated exercise to music for older people."),
    ("mind-in-wellbrook", "Online counselling", "emotional", ("online-counselling",), "",
     "online", None, None, ("en",), "referral", "Six sessions with a qualified counsellor."),
    ("mind-in-wellbrook", "Crisis café", "emotional", ("doorstep-peer-support",),
     "Friday 18:00-22:00; Saturday 18:00-22:00", "in_person", "town-centre", None, ("en",),
     "self_refer", "Somewhere to go when things feel too much."),
    ("wellbrook-supermarket", "Community room", "social", ("art-craft-events",),
     "Monday 14:00-16:00", "in_person", "town-centre", None, ("en",), "self_refer",
     "Free room for groups; craft afternoon on Mondays."),
    ("wellbrook-taxis", "Free hospital runs", "practical", ("hospital-runs-comfort-packs",), "",
     "phone", None, None, ("en",), "referral", "Lifts to hospital appointments, booked by a GP."),
    ("wellbrook-mutual-aid", "Friendly phone calls", "social", ("befriending",),
     "Wednesday 10:00-12:00", "phone", None, None, ("en", "pt"), "self_refer",
     "A weekly chat with the same volunteer, for anyone who would like someone to talk to."),
    ("wellbrook-mutual-aid", "Wellbrook walking group", "social", ("exercise-classes",),
     "Wednesday 14:00-15:00", "in_person", "riverside", None, ("en",), "self_refer",
     "A gentle hour's walk by the river every Wednesday, finishing with a cuppa."),
    ("wellbrook-mutual-aid", "Shopping and prescriptions", "practical", ("shopping-medicines",),
     "", "phone", None, None, ("en", "pl", "pt"), "referral",
     "Volunteers collect shopping and prescriptions for people who cannot get out."),
    ("wellbrook-cvs", "Money and benefits advice", "educational", ("one-to-one-discussion",),
     "Tuesday 10:00-16:00", "in_person", "town-centre", None, ("en",), "self_refer",
     "One-to-one help with benefits, debts and bills. Full until the new year."),
    ("wellbrook-cvs", "Bereavement support group", "emotional", ("doorstep-peer-support",),
     "first Monday 18:00-20:00", "in_person", "town-centre", None, ("en",), "self_refer",
     "A monthly group for people who have lost someone close."),
]  # fmt: skip

# (source, kind, target): networks and consortia.
LINKS = [
    ("river-view-whatsapp", "member_of", "wellbrook-mutual-aid"),
    ("northgate-street-champions", "member_of", "wellbrook-mutual-aid"),
    ("wellbrook-mutual-aid", "supported_by", "wellbrook-community-anchor"),
    ("riverside-community-centre", "member_of", "wellbrook-community-anchor"),
    ("northgate-hub", "member_of", "wellbrook-community-anchor"),
    ("st-marks-church", "member_of", "wellbrook-community-anchor"),
    ("wellbrook-central-mosque", "member_of", "wellbrook-community-anchor"),
    ("wellbrook-time-bank", "member_of", "wellbrook-community-anchor"),
    ("age-concern-wellbrook", "consortium", "mind-in-wellbrook"),
    ("age-concern-wellbrook", "consortium", "wellbrook-cvs"),
    ("brook-bikes-cic", "partner", "riverside-community-centre"),
    ("good-food-wellbrook", "funded_by", "wellbrook-supermarket"),
    ("wellbrook-homes", "partner", "riverside-housing-coop"),
    ("wellbrook-womens-aid", "supported_by", "wellbrook-community-anchor"),
]

STREETS = ["Church Street", "Mill Lane", "Station Road", "Market Street", "River View"]


RIVERSIDE_BARS_ENDPOINT = "https://riverside-surgery.example.nhs.uk/fhir/$process-message"


def organisations(place, specs) -> None:
    """The foundation's organisations (NHS bodies, practices, the groups), parents first;
    keepwell.demo.place runs this before the logins, which name them."""
    for slug, name, kind, ods, parent in specs:
        org, _ = Organisation.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "ods_code": ods, "is_demo": True}
        )
        if parent and org.parent_id is None:
            org.parent = place.organisations[parent]
            org.save(update_fields=["parent"])
        place.organisations[slug] = org


def load(place) -> None:
    with transaction.atomic():
        connector = place.users["connector"]
        orgs = dict(place.organisations)
        for spec in ORGANISATIONS:
            orgs[spec.slug] = _organisation(place, spec)
        for slug in ("wellbrook-mutual-aid", "wellbrook-cvs"):
            org = orgs[slug]
            if not org.areas_served.exists():
                org.areas_served.set(
                    place.areas[a] for a in ("town-centre", "riverside", "northgate", "hillside")
                )
        for i, spec in enumerate(SERVICES):
            _service(place, orgs[spec[0]], spec, i)
        for source, kind, target in LINKS:
            directory.link_organisations(orgs[source], orgs[target], kind=kind, by=connector)
        _relationships(place, orgs)
        # Riverside Surgery's GP system takes BaRS referrals (a made-up address: the demo's
        # messages to systems go to the local fake, never out).
        riverside = orgs["riverside-surgery"]
        if not riverside.bars_endpoint:
            riverside.bars_endpoint = RIVERSIDE_BARS_ENDPOINT
            riverside.save(update_fields=["bars_endpoint"])


def _organisation(place, spec: Org) -> Organisation:
    org = Organisation.objects.filter(slug=spec.slug).first()
    if org is not None:
        return org
    return directory.create_organisation(
        by=place.users["connector"],
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        description=spec.description,
        charity_number=spec.charity,
        company_number=spec.company,
        is_cic=spec.cic,
        phone=spec.phone,
        email=spec.email,
        website=spec.website,
        other_contact=spec.other,
        is_demo=True,
        areas_served=[place.areas[a] for a in spec.areas],
        languages=list(Language.objects.filter(code__in=spec.languages)),
    )


def _service(place, org: Organisation, spec, index: int) -> Service | None:
    (_, name, category, codes, schedule, delivery, area, cost, langs, access, description) = spec
    if Service.objects.filter(organisation=org, name=name).exists():
        return None
    venue = None
    if delivery == "in_person":
        postcodes = place.postcodes[area]
        venue = directory.Venue(
            name=org.name if index % 2 else "",
            address_1=f"{3 + index * 2} {STREETS[index % len(STREETS)]}",
            town="Wellbrook",
            postcode=postcodes[(index * 7) % len(postcodes)].postcode,
            confidential=name == "Women's refuge",
        )
    service = directory.create_service(
        org,
        by=place.users["connector"],
        name=name,
        description=description,
        category=category,
        taxonomy_terms=list(TaxonomyTerm.objects.filter(code__in=codes)),
        languages=list(Language.objects.filter(code__in=langs)),
        slots=parse(schedule),
        venue=venue,
        delivery=delivery,
        access=access,
        accepts_referrals=True,
        taking_new_people=name != "Money and benefits advice",
        is_free=cost is None,
        cost_pence=cost,
        cost_description="" if cost is None else "a session",
        accessibility="Step-free access and a hearing loop" if index % 3 == 0 else "",
    )
    if index % 6 == 5:
        # A few listings nobody has checked for a while, for the review queue.
        Service.objects.filter(pk=service.pk).update(
            last_verified_at=timezone.now() - timedelta(days=300 + index)
        )
    return service


def _relationships(place, orgs: dict[str, Organisation]) -> None:
    connector = place.users["connector"]
    today = timezone.localdate()
    for spec in ORGANISATIONS:
        org = orgs[spec.slug]
        if spec.status == R.NOT_CONTACTED or org.interactions.exists():
            continue
        directory.set_relationship(org, by=connector, status=spec.status, owner=connector)
        kind = Interaction.Kind.CALL if spec.status == R.CONTACTED else Interaction.Kind.MEETING
        follow_up = None
        if spec.status in (R.CONTACTED, R.MET):
            # One overdue, the others due over the coming fortnight.
            follow_up = today + timedelta(days=(len(spec.slug) % 14) - 2)
        directory.log_interaction(
            org,
            by=connector,
            happened_on=today - timedelta(days=10 + len(spec.name)),
            kind=kind,
            notes=f"Talked with {spec.name} about what they do and who they reach.",
            next_step="Invite them to the PCN's community partners meeting" if follow_up else "",
            follow_up_on=follow_up,
        )
