"""Health-creating practice, as the report and the letter word it: what a team reflects on.

Pure: imports no Django. The lists are data, each with where it comes from, so a reflection
page quotes the source and nobody paraphrases it in a template:

* the five features of health creating practices — the Health Creation Alliance's letter,
  and the report's section 11.2;
* the six attributes of connected and organised communities — report section 8.0 (Figure
  two), summarised in 3.1;
* the six enabling attitudes — report section 9.0, summarised in 3.3;
* the twelve barriers and the NHS-enabled solutions that did or could overcome them — report
  section 10.0 (Table 3), summarised in 3.2.

Each statement has a key that is stored with a team's rating, so its wording may be
corrected here without losing a rating.

Across a place, teams' ratings are combined by :func:`combine` with disclosure's mean, so
that no team that did not agree to be named can have its rating read off what is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from keepwell.insights import disclosure

REPORT = "Communities and the NHS working together (Health Creation Alliance, 2021)"
LETTER = "The Health Creation Alliance's letter on Health Creation"


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    question: str  # what a rating of this group's statements answers
    source: str


@dataclass(frozen=True)
class Statement:
    key: str  # "<group>.<name>", stored with each rating
    group: str
    text: str
    enablers: tuple[str, ...] = ()  # barriers only: the report's solutions, in its words
    # Barriers whose enablers help a team that is weak on this statement. The report pairs
    # enablers with barriers only; this link from features, attributes and attitudes to
    # them is keepwell's reading, so a weak rating anywhere leads to the report's advice.
    related: tuple[str, ...] = ()


GROUPS = (
    Group(
        "feature",
        "The five features of health creating practices",
        "How much is this part of how we work?",
        f"{LETTER}; {REPORT}, section 11.2",
    ),
    Group(
        "attribute",
        "Attributes of connected and organised communities",
        "How far do we show or support this?",
        f"{REPORT}, section 8.0 (Figure two) and 3.1",
    ),
    Group(
        "attitude",
        "Enabling attitudes",
        "How far do we show this attitude?",
        f"{REPORT}, section 9.0 and 3.3",
    ),
    Group(
        "barrier",
        "Barriers and enablers",
        "How far have we overcome this barrier?",
        f"{REPORT}, section 10.0 (Table 3) and 3.2",
    ),
)

SCALE = {1: "Not yet", 2: "Beginning", 3: "Partly", 4: "Mostly", 5: "Fully"}
WEAK = 2  # a rating at or below this is one the report's enablers are suggested for

STATEMENTS = (
    Statement("feature.listening", "feature", "Listening and responding",
              related=("barrier.voice", "barrier.awareness")),
    Statement("feature.truth", "feature", "Truth-telling", related=("barrier.trust",)),
    Statement("feature.strengths", "feature", "Strengths-focus",
              related=("barrier.capacity", "barrier.pride")),
    Statement("feature.self_organising", "feature", "Self-organising",
              related=("barrier.infrastructure", "barrier.bureaucracy")),
    Statement("feature.power", "feature", "Power-shifting",
              related=("barrier.funding", "barrier.sustainability")),
    Statement("attribute.clarity", "attribute",
              "A clarity of focus on what needs to be delivered and why",
              related=("barrier.bureaucracy",)),
    Statement("attribute.understanding", "attribute",
              "Understanding the needs of people and communities",
              related=("barrier.language", "barrier.voice")),
    Statement("attribute.trust", "attribute", "Having the community’s trust and confidence",
              related=("barrier.trust",)),
    Statement("attribute.infrastructure", "attribute",
              "An infrastructure to support co-ordination and skills deployment",
              related=("barrier.infrastructure", "barrier.capacity")),
    Statement("attribute.respect", "attribute", "Respect for and trust in established providers",
              related=("barrier.trust",)),
    Statement("attribute.communication", "attribute", "Effective two-way communication",
              related=("barrier.awareness", "barrier.digital")),
    Statement("attitude.connect", "attitude",
              "Willingness to connect with others, to collaborate and not compete",
              related=("barrier.infrastructure",)),
    Statement("attitude.transfer", "attitude",
              "Recognising where others are better at taking action and providing services "
              "and transferring responsibility to them",
              related=("barrier.funding",)),
    Statement("attitude.conflict", "attitude",
              "Avoiding politics, rapidly dealing with conflict and accepting that at times "
              "there will be disagreement",
              related=("barrier.bureaucracy",)),
    Statement("attitude.listening", "attitude",
              "Commitment to listening to people and super localisation to meet their needs",
              related=("barrier.voice", "barrier.language")),
    Statement("attitude.can_do", "attitude", "A “Can Do, Let’s Just Get This Done” attitude",
              related=("barrier.bureaucracy",)),
    Statement("attitude.established", "attitude",
              "Recognising the value of established organisations as enablers, catalysts, "
              "potential funders and shifters of power into the community to do things they "
              "are best placed to do; relieving established organisations of some tasks",
              related=("barrier.sustainability", "barrier.funding")),
    Statement("barrier.capacity", "barrier",
              "A lack of capacity to support local communities given that many established "
              "volunteers were shielding",
              enablers=(
                  "Collaborate and align the volunteer resources of general practices with "
                  "those that are available within the community",
                  "Source additional volunteers from among patients (and not the usual "
                  "suspects)",
              )),
    Statement("barrier.funding", "barrier",
              "Funding constraints impacting on ability to provide support",
              enablers=(
                  "Get behind community-led projects and support their bids for funding",
                  "Become a conduit for your community to reach and be heard by "
                  "commissioners; help commissioners to understand why they should fund "
                  "community-led work",
              )),
    Statement("barrier.bureaucracy", "barrier", "Bureaucracy impacting on ability to take action",
              enablers=(
                  "Review and streamline approaches to community engagement, setting aside "
                  "bureaucracy that has little purpose and reviewing that which does, with "
                  "input from the community",
              )),
    Statement("barrier.infrastructure", "barrier",
              "Poorly established infrastructure; no social infrastructure identified",
              enablers=(
                  "Assess the existing provision of community development with local "
                  "authorities and other local partners, and support further capacity where "
                  "necessary",
                  "Act as a catalyst to connect and facilitate collaboration between local "
                  "people, the community and other stakeholders",
              )),
    Statement("barrier.trust", "barrier",
              "Lack of trust in traditional system support among the community",
              enablers=(
                  "Partner with community-facing organisations that understand their "
                  "community and work with them/fund them to provide education, information "
                  "and support",
              )),
    Statement("barrier.voice", "barrier", "Lack of a community voice",
              enablers=(
                  "Support development of a community voice by connecting and facilitating "
                  "collaboration between patients and their community; start from where the "
                  "appetite within the community lies",
              )),
    Statement("barrier.digital", "barrier", "Digital literacy and exclusion",
              enablers=(
                  "Consider digital as just one of a range of communications platforms and "
                  "solutions to supporting patients; continue to offer face-to-face "
                  "consultations where appropriate",
                  "Support for local organisations focussed on improving digital inclusion "
                  "and literacy",
              )),
    Statement("barrier.safeguarding", "barrier",
              "Ability to rapidly support vulnerable people given the need to understand and "
              "adhere to safeguarding practice as laid down by local policy",
              enablers=(
                  "Provide guidance, support and training on safeguarding and dealing with "
                  "vulnerable people; work with a local provider to do so, such as the local "
                  "authority or a housing provider",
              )),
    Statement("barrier.awareness", "barrier",
              "Lack of awareness of support available among communities",
              enablers=(
                  "Work with community groups to develop suitable communications to inform "
                  "patients of community support available",
              )),
    Statement("barrier.language", "barrier", "Language and cultural relevance",
              enablers=(
                  "Engage with people with lived experience and from the communities that "
                  "represent them to understand their needs and collaborate to provide "
                  "multilingual support and solutions",
              )),
    Statement("barrier.sustainability", "barrier", "Sustainability",
              enablers=(
                  "Play your part in maintaining connection and collaboration between local "
                  "people, the community, VCSE organisations and other established "
                  "organisations at a strategic level",
                  "Employ a strategic-level connecting role such as a Strategic "
                  "Relationship Development Lead",
                  "Consider how you might make a financial contribution to enable "
                  "communities to take action and run services that plug important gaps",
              )),
    Statement("barrier.pride", "barrier",
              "People being too proud or ashamed to accept support",
              enablers=(
                  "Prioritise reciprocity in your relationship with patients; ask them for "
                  "'their help' rather than a sole focus on what they need",
              )),
)  # fmt: skip

BY_KEY: dict[str, Statement] = {s.key: s for s in STATEMENTS}
GROUP_BY_KEY: dict[str, Group] = {g.key: g for g in GROUPS}


def in_group(group: str) -> tuple[Statement, ...]:
    return tuple(s for s in STATEMENTS if s.group == group)


@dataclass(frozen=True)
class Suggestion:
    statement: Statement  # the weak one
    rating: int
    barriers: tuple[Statement, ...] = field(default=())  # whose enablers the report offers


def suggestions(ratings: Mapping[str, int], *, most: int = 5) -> list[Suggestion]:
    """The report's enablers for a team's weakest ratings (at most ``most``, weakest first,
    in the report's order among equals): a weak barrier brings its own enablers, a weak
    feature, attribute or attitude those of the barriers it is linked to."""
    order = {s.key: i for i, s in enumerate(STATEMENTS)}
    weak = sorted(
        (key for key, rating in ratings.items() if key in BY_KEY and rating <= WEAK),
        key=lambda key: (ratings[key], order[key]),
    )
    found = []
    for key in weak[:most]:
        statement = BY_KEY[key]
        barriers = (
            (statement,) if statement.enablers else tuple(BY_KEY[b] for b in statement.related)
        )
        found.append(Suggestion(statement, ratings[key], barriers))
    return found


def group_means(ratings: Mapping[str, int]) -> dict[str, float | None]:
    """The mean rating of each group's statements that were rated (None if none was)."""
    means: dict[str, float | None] = {}
    for group in GROUPS:
        values = [ratings[s.key] for s in in_group(group.key) if s.key in ratings]
        means[group.key] = round(sum(values) / len(values), 1) if values else None
    return means


def changes(now: Mapping[str, int], before: Mapping[str, int]) -> dict[str, int]:
    """How each statement rated in both moved since the one before (+ better, - worse)."""
    return {key: now[key] - before[key] for key in now if key in before}


def rated_keys(keys: Iterable[str]) -> list[str]:
    """``keys`` that are statements, in the report's order."""
    wanted = set(keys)
    return [s.key for s in STATEMENTS if s.key in wanted]


# A place-wide mean is shown over at least this many teams, and only when the teams in it
# that did not agree to be named are none or at least this many: one or two beside named
# teams' ratings, and the mean would give theirs away.
MIN_TEAMS = 3


@dataclass(frozen=True)
class TeamRatings:
    name: str
    may_name: bool  # the team agreed to be named beside its ratings
    ratings: Mapping[str, int]


@dataclass(frozen=True)
class Combined:
    statement: Statement
    mean: float | str  # disclosure.SUPPRESSED when it could give a team's rating away
    named: tuple[tuple[str, int], ...]  # (team, rating) for teams that agreed


def combine(teams: Sequence[TeamRatings], *, min_teams: int = MIN_TEAMS) -> list[Combined]:
    """Each statement's mean over the teams that rated it, and named teams' own ratings."""
    found = []
    for statement in STATEMENTS:
        rated = [t for t in teams if statement.key in t.ratings]
        unnamed = sum(1 for t in rated if not t.may_name)
        mean = disclosure.mean([t.ratings[statement.key] for t in rated], min_cohort=min_teams)
        if 0 < unnamed < min_teams:
            mean = disclosure.SUPPRESSED
        named = tuple((t.name, t.ratings[statement.key]) for t in rated if t.may_name)
        found.append(Combined(statement, mean, named))
    return found
