"""A survey's questions, written as plain text a coordinator can type, read into data.

Pure: imports no Django. One question a line, its kind first; a choice question's options
on the lines under it, each starting with "-". A line may carry its Portuguese after "|",
so the same question goes out in either language with its options in the same order:

    scale: How much control do you feel over your life? | Quanto controlo sente ...
    single: What would most improve where you live? | O que mais melhoraria ...
    - Somewhere to meet | Um lugar para encontros
    - Safer streets | Ruas mais seguras
    text: What matters to you? | O que é importante para si?

A problem names its line and says what to change; nothing is kept from a text with one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = {
    "text": "Open answer",
    "single": "Choose one",
    "multiple": "Choose any",
    "scale": "0 to 10",
}
CHOICE_KINDS = ("single", "multiple")
LANGUAGES = ("en", "pt")  # typed in with the questions
# Further languages come through the translation workflow (a translator, then a reviewer):
# the community languages messaging's words are translated into.
TRANSLATED = ("pt", "cy", "pl", "ur", "bn", "ar")
MAX_QUESTIONS = 30
MAX_OPTIONS = 12
MAX_LENGTH = 300


class QuestionsProblem(ValueError):
    """What is wrong with the text, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class QuestionSpec:
    kind: str
    wording: dict[str, str]  # language -> the question
    options: list[dict[str, str]] = field(default_factory=list)  # each: language -> option


def _words(text: str) -> dict[str, str]:
    english, _, portuguese = text.partition("|")
    found = {"en": english.strip()}
    if portuguese.strip():
        found["pt"] = portuguese.strip()
    return found


def parse(text: str) -> list[QuestionSpec]:
    questions: list[QuestionSpec] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) > MAX_LENGTH:
            problems.append(f"Line {number} is longer than {MAX_LENGTH} characters")
            continue
        if line.startswith("-"):
            if not questions or questions[-1].kind not in CHOICE_KINDS:
                problems.append(
                    f"Line {number} is an option, but the question above it is not "
                    "“single:” or “multiple:”"
                )
            elif not _words(line[1:])["en"]:
                problems.append(f"Line {number} is an option with no words")
            else:
                questions[-1].options.append(_words(line[1:]))
            continue
        kind, colon, rest = line.partition(":")
        kind = kind.strip().lower()
        if not colon or kind not in KINDS:
            problems.append(
                f"Line {number} must start with the kind of question: "
                + ", ".join(f"“{k}:”" for k in KINDS)
            )
            continue
        wording = _words(rest)
        if not wording["en"]:
            problems.append(f"Line {number} has no question after “{kind}:”")
            continue
        questions.append(QuestionSpec(kind, wording))
    for position, question in enumerate(questions, start=1):
        if question.kind in CHOICE_KINDS and len(question.options) < 2:
            problems.append(f"Question {position} needs at least two options, each on a “-” line")
        if len(question.options) > MAX_OPTIONS:
            problems.append(f"Question {position} has more than {MAX_OPTIONS} options")
    if not questions and not problems:
        problems.append("Write at least one question")
    if len(questions) > MAX_QUESTIONS:
        problems.append(f"A survey has at most {MAX_QUESTIONS} questions")
    if problems:
        raise QuestionsProblem(problems)
    return questions


def languages_of(wordings: list[dict[str, str]]) -> list[str]:
    """The languages every one of a survey's questions is written in, English first."""
    if not wordings:
        return ["en"]
    shared = set.intersection(*(set(k for k, v in w.items() if v) for w in wordings))
    return ["en", *(code for code in TRANSLATED if code in shared)]


def in_language(wording: dict[str, str], language: str) -> str:
    """The words in ``language``, else English (a version not written yet)."""
    return wording.get(language) or wording["en"]


def keywords(text: str) -> list[str]:
    """A codebook theme's keywords as typed ("bus, transport; lift"), lower-cased."""
    return [word.strip().lower() for word in text.replace(";", ",").split(",") if word.strip()]


def suggest(answer: str, codebook: dict[str, list[str]]) -> list[str]:
    """The themes whose keywords start a word of ``answer`` ("bus" finds "buses"): a
    suggestion only, for the person coding to accept or not."""
    words = ["".join(ch for ch in w if ch.isalnum()) for w in answer.lower().split()]
    return [
        theme
        for theme, keys in codebook.items()
        if any(word.startswith(key) for key in keys for word in words if word)
    ]
