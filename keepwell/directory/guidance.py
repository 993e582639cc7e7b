"""What the report's Table one says about each kind of community organisation, in our words.

The report (The Health Creation Alliance, on the community response to COVID-19) types
community organisations by how they work rather than by legal form, and suggests how the
NHS can connect with each. Each kind's page in the directory shows this guidance.
"""

from __future__ import annotations

from dataclasses import dataclass

from keepwell.directory.models import OrganisationKind as K


@dataclass(frozen=True)
class KindGuidance:
    kind: str
    summary: str
    features: tuple[str, ...]
    connect: tuple[str, ...]

    @property
    def label(self) -> str:
        return K(self.kind).label


GUIDANCE: dict[str, KindGuidance] = {
    K.INDIVIDUAL: KindGuidance(
        K.INDIVIDUAL,
        "One person with energy and a passion to share. Some prefer to act on their own "
        "terms; others want to join up with people who share their interest.",
        (
            "Their own drive and enthusiasm, and often self-sufficient",
            "Some are sociable and bring particular skills or experience",
        ),
        (
            "Use what they offer as it is: a poem in a surgery waiting room, a talk, a skill",
            "For someone who wants company in what they do, introduce them to people who "
            "share the passion or whose skills fit with theirs",
            "Back a specific project, such as a health promotion activity, through a local "
            "area coordinator, community navigator or community development worker",
        ),
    ),
    K.GRASS_ROOTS: KindGuidance(
        K.GRASS_ROOTS,
        "People who organised themselves around a place or a shared interest, with little "
        "formal structure: mutual aid groups are one example.",
        (
            "Passionate people at the core; self-organised and flexible",
            "Small infrastructure, often informal, though some are very well organised",
            "Usually open to new people joining; some have a membership",
        ),
        (
            "Talk to the members: learn what they care about and what they want to achieve",
            "Ask what would help the group thrive",
            "Strategic relationship leads can design services together with them",
        ),
    ),
    K.ASSOCIATION: KindGuidance(
        K.ASSOCIATION,
        "Constituted groups, more formal than grass-roots ones, usually organised around a "
        "theme: residents' associations, parent-teacher associations.",
        (
            "Keen to give feedback and to speak for their members",
            "Focused on a few priorities, and may be less involved beyond them",
        ),
        (
            "Get to know their needs and priorities",
            "Share information with them and ask for their views",
            "A very good route for getting information out to people",
        ),
    ),
    K.COMMUNITY_HUB: KindGuidance(
        K.COMMUNITY_HUB,
        "Centres led by local people or with them closely involved, such as volunteer "
        "centres and children's centres, with premises people can drop in to.",
        (
            "Friendly and informal: a place where residents meet services without barriers",
            "Bring many agencies and activities together, and provide services themselves",
            "Always well connected",
        ),
        (
            "Go and listen; get to know the people, be seen, and visit often",
            "Ask about their ideas and what would help them thrive",
            "Give them time: they are a very valuable resource",
            "Partner with them when they ask to",
            "Run NHS sessions from their premises, where take-up tends to be high",
        ),
    ),
    K.INFRASTRUCTURE: KindGuidance(
        K.INFRASTRUCTURE,
        "Organisations that support and join up the rest of the local voluntary and "
        "community sector, sometimes called community anchors; some hubs grew into this role "
        "during COVID-19. They are the natural partner for the mapping exercise.",
        (
            "Cover anything from a neighbourhood to a whole council area",
            "Well connected, and provide organising infrastructure for others",
        ),
        (
            "Start the mapping exercise with them: ask what they already know",
            "Ask them to introduce you to grass-roots groups",
            "Help them run community-led programmes across the whole community",
            "They often support smaller groups already, for example with training",
            "Invest in them and partner with them",
        ),
    ),
    K.FAITH_GROUP: KindGuidance(
        K.FAITH_GROUP,
        "From large churches, mosques, temples and gurdwaras to small prayer groups.",
        (
            "Trusted in their communities, sometimes reaching people nobody else does",
            "Often speak the languages of the people they serve",
            "Committed people, frequently with few resources",
        ),
        (
            "Reach out to faith leaders and ask what people locally need",
            "Come to their partnership meetings",
            "Connect through ward forums, residents' associations or food banks",
            "A very good way to share information and to find complementary support",
        ),
    ),
    K.HOUSING_PROVIDER: KindGuidance(
        K.HOUSING_PROVIDER,
        "Registered social landlords and community-led housing, formally organised and of "
        "every size.",
        (
            "Often run support for tenants, and sometimes for their neighbours",
            "Some serve particular groups: older people, people with mental health needs, "
            "people recovering from drug or alcohol use",
        ),
        (
            "Talk about their tenants' needs and the gaps in services",
            "Understand who they house",
            "Plan work on health outcomes that fits their tenants, such as drug and alcohol "
            "programmes",
        ),
    ),
    K.SOCIAL_ENTERPRISE: KindGuidance(
        K.SOCIAL_ENTERPRISE,
        "Businesses that trade for a social purpose, including community interest companies.",
        (
            "Put their surplus back into the community",
            "Mostly employ local people, so they build wealth locally",
            "Some are run partly by the people they support",
        ),
        (
            "Ask about the difference they make to the people who use them and to the "
            "people who work for them",
            "Buy from them: catering, grounds maintenance and the like",
            "Those run with people in recovery can be a route for patients' progress",
        ),
    ),
    K.TIME_BANK: KindGuidance(
        K.TIME_BANK,
        "Local time banks, supported nationally by Timebanking UK: for every hour of help "
        "someone gives, they can receive an hour back, and no money changes hands.",
        (
            "Coordinators help people see their strengths and what they can give",
            "People feel rich in time even when short of money",
            "The DWP recognises time banking hours towards job-seeking activity",
        ),
        (
            "Connect with Timebanking UK to share what works",
            "Use time banking to support social prescribing, including in GP surgeries",
            "Look at the evidence on health and wellbeing when people see their own worth",
            "Consider a time bank for your own staff",
            "Link community pharmacies, community groups, mutual aid and time banking",
        ),
    ),
    K.NATIONAL_CHARITY: KindGuidance(
        K.NATIONAL_CHARITY,
        "Large charities with regional or national reach, such as Mind or Age UK.",
        (
            "Run many programmes themselves",
            "Not always well connected to small local organisations",
        ),
        (
            "They sometimes fund or back local services, for example through grants",
            "Find their local branches, which often tailor services to a council area",
        ),
    ),
    K.PRIVATE_BUSINESS: KindGuidance(
        K.PRIVATE_BUSINESS,
        "Businesses whose corporate social responsibility programmes give staff time to "
        "community work.",
        (
            "Highly skilled people, with professional skills such as law or finance",
            "Available for short spells, often a few days",
        ),
        (
            "Ask for volunteer days on specific short projects that match their skills: "
            "running focus groups, giving advice or consultancy",
        ),
    ),
}


def guidance_for(kind: str) -> KindGuidance | None:
    return GUIDANCE.get(kind)
