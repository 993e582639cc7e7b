"""The kinds of message keepwell sends: a registry the templates, the seed and the senders share.

Each kind names the placeholders its senders fill (Notify's ``((name))`` syntax) and every
version of its template must use exactly those, so a translator cannot drop a date or add
one nobody fills. Messages carry no more personal data than they need: a link to sign in
rather than details, and never the name or address of a person helped in a text to a
volunteer.

Pure: imports no Django, so the seed migration and the pure cores may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

# The languages every kind has words in, and those waiting for a community translator.
COMPLETE_LANGUAGES = ("en", "pt")
TRANSLATOR_LANGUAGES = ("cy", "pl", "ur", "bn", "ar")
LANGUAGES = COMPLETE_LANGUAGES + TRANSLATOR_LANGUAGES
LANGUAGE_NAMES = {
    "en": "English",
    "pt": "Portuguese",
    "cy": "Welsh",
    "pl": "Polish",
    "ur": "Urdu",
    "bn": "Bengali",
    "ar": "Arabic",
}
# Languages written right to left: pages mark them ``dir="rtl"``, letters are set that way.
RTL_LANGUAGES = frozenset({"ar", "ur"})


def is_rtl(language: str) -> bool:
    return language.split("-")[0].lower() in RTL_LANGUAGES


def text_direction(language: str) -> str:
    """The HTML ``dir`` of words in ``language``."""
    return "rtl" if is_rtl(language) else "ltr"


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    purpose: str  # a keepwell.messaging.models.Purpose value
    placeholders: tuple[str, ...]
    description: str  # who gets it and why: shown to translators and reviewers


_ALL = (
    Kind(
        "task_offer",
        "A task offered to a volunteer",
        "volunteering",
        ("name", "need", "when", "area"),
        "To a volunteer: a task they could take, answered YES or NO by text. ((name)): the "
        "volunteer's first name; ((need)): what is needed; ((when)): day and time; "
        "((area)): the neighbourhood. Never the helped person's name or address.",
    ),
    Kind(
        "task_reminder",
        "A reminder before a task",
        "volunteering",
        ("name", "need", "when", "url"),
        "To a volunteer, the day before a task they took. The address and details are behind "
        "the link ((url)), for the volunteer to sign in and see.",
    ),
    Kind(
        "offer_accepted",
        "A volunteer's YES, confirmed",
        "volunteering",
        ("name", "need", "url"),
        "To a volunteer who answered YES to an offer: the task is theirs; details behind ((url)).",
    ),
    Kind(
        "offer_declined",
        "A volunteer's NO, acknowledged",
        "volunteering",
        ("name",),
        "To a volunteer who answered NO to an offer: thanks, nothing else to do.",
    ),
    Kind(
        "offer_taken",
        "An offer someone else took first",
        "volunteering",
        ("name", "need"),
        "To a volunteer who answered YES after another volunteer had taken the task.",
    ),
    Kind(
        "concern_routed",
        "A doorstep concern sent to a team",
        "work",
        ("url",),
        "To the staff or safeguarding contact a doorstep concern was routed to. A link only: "
        "the concern is read after signing in.",
    ),
    Kind(
        "concern_escalated",
        "A doorstep concern nobody has picked up",
        "work",
        ("url",),
        "To the lead or safeguarding contact when a concern has not been picked up in time. "
        "A link only.",
    ),
    Kind(
        "referral_new",
        "A new referral to a service",
        "work",
        ("url",),
        "To the staff of the organisation a person has been referred to. A link only.",
    ),
    Kind(
        "referral_status",
        "A referral's status, to the referrer",
        "work",
        ("status", "url"),
        "To whoever made a referral: its status changed. ((status)) is the new status in a "
        'few words ("accepted", "first contact made"); details behind ((url)).',
    ),
    Kind(
        "referral_update",
        "News about a referral, to the person",
        "care",
        ("name", "url"),
        "To the person referred, in their language and channel: there is news about their "
        "referral. It does not name the service: the person signs in, or is called.",
    ),
    Kind(
        "referral_reminder",
        "A referral waiting for first contact",
        "work",
        ("days", "url"),
        "To the service a person was referred to: ((days)) working days have passed without "
        "first contact. A link only.",
    ),
    Kind(
        "referral_escalation",
        "A referral overdue for first contact",
        "work",
        ("days", "url"),
        "To the referrer and the service's lead: the referral is overdue by its service "
        "standard (((days)) working days). A link only.",
    ),
    Kind(
        "outcome_follow_up",
        "A follow-up: how are things now?",
        "care",
        ("name", "url"),
        "To the person helped: a few questions on how things are now, at ((url)). Someone "
        "offline gets a call instead: the phone version is the coordinator's call script.",
    ),
    Kind(
        "follow_up_due",
        "Follow-ups due, to coordinators",
        "work",
        ("count", "url"),
        "To coordinators' inbox: ((count)) follow-ups are due. A link to the list only.",
    ),
    Kind(
        "grant_report_due",
        "A grant report due, to the group",
        "work",
        ("report", "programme", "date", "url"),
        "To a funded group's coordinators: the report ((report)) they owe for their "
        "((programme)) grant is due on ((date)). The award is behind ((url)).",
    ),
    Kind(
        "timebank_approval",
        "Time bank hours to approve, or approved",
        "volunteering",
        ("url",),
        "To a time bank member or its coordinators: hours logged need approving, or were "
        "approved. The exchange is behind ((url)).",
    ),
    Kind(
        "timebank_welcome",
        "Time bank membership approved",
        "volunteering",
        ("bank", "url"),
        "To a person who asked to join a time bank: the brokers said yes. ((bank)): the time "
        "bank's name; ((url)): their account, to offer and ask for hours.",
    ),
    Kind(
        "timebank_not_now",
        "Time bank membership not approved",
        "volunteering",
        ("bank", "url"),
        "To a person who asked to join a time bank: the brokers said no for now. The reason "
        "is not in the message: the person hears it from a broker. ((url)): the time bank.",
    ),
    Kind(
        "check_expiring",
        "A check about to expire",
        "volunteering",
        ("check", "date", "url"),
        "To a volunteer and their coordinators: a check (((check)), such as DBS) ends on "
        "((date)). It does not say whose: the link shows that after signing in.",
    ),
    Kind(
        "expense_approved",
        "An expense claim approved",
        "volunteering",
        ("reference", "amount", "url"),
        "To a volunteer or paid community worker: their claim ((reference)) for ((amount)) "
        "was approved and will be paid. The claim is behind ((url)).",
    ),
    Kind(
        "expense_rejected",
        "An expense claim rejected",
        "volunteering",
        ("reference", "amount", "url"),
        "To a volunteer or paid community worker: their claim ((reference)) for ((amount)) "
        "was not approved. The reason is behind ((url)), read after signing in.",
    ),
    Kind(
        "expense_paid",
        "An expense claim sent for payment",
        "volunteering",
        ("reference", "amount", "url"),
        "To a volunteer or paid community worker: their claim ((reference)) for ((amount)) "
        "has gone to the payer. The claim is behind ((url)).",
    ),
    Kind(
        "booking_requested",
        "A space booking to decide",
        "work",
        ("space", "when", "weeks", "url"),
        "To the staff inbox of the organisation that owns a room or outdoor space: a group "
        "asked to book ((space)) from ((when)), for ((weeks)) week(s). The group and the "
        "decision are behind ((url)).",
    ),
    Kind(
        "booking_approved",
        "A space booking approved",
        "work",
        ("space", "when", "weeks", "url"),
        "To whoever asked for a booking for their group: ((space)) from ((when)), for "
        "((weeks)) week(s), is approved. Details behind ((url)).",
    ),
    Kind(
        "booking_declined",
        "A space booking declined",
        "work",
        ("space", "when", "weeks", "reason", "url"),
        "To whoever asked for a booking for their group: ((space)) from ((when)) was "
        "declined. ((reason)) is the owner's reason, written in their words.",
    ),
    Kind(
        "booking_cancelled",
        "A space booking cancelled",
        "work",
        ("space", "when", "weeks", "url"),
        "To the other side of a booking (the owner, or the group that asked): ((space)) "
        "from ((when)), ((weeks)) week(s), is cancelled. Details behind ((url)).",
    ),
    Kind(
        "broadcast",
        "A broadcast",
        "news",
        ("body",),
        "The words of a broadcast, written by its sender in each language: ((body)).",
    ),
    Kind(
        "reply",
        "A coordinator's reply",
        "care",
        ("body",),
        "A coordinator's answer to a text, written in the conversation: ((body)).",
    ),
    Kind(
        "help_request_received",
        "A text asking for help, acknowledged",
        "care",
        (),
        "By text to someone who asked for help from a number keepwell does not know: we have "
        "it and will call back. It says to call 999 in an emergency.",
    ),
    Kind(
        "stop_confirmed",
        "STOP, confirmed",
        "care",
        (),
        "By text to someone who texted STOP: no more texts, and how to start again.",
    ),
    Kind(
        "start_confirmed",
        "START, confirmed",
        "care",
        (),
        "By text to someone who texted START: texts are on again, and how to stop them.",
    ),
    Kind(
        "voice_answered",
        "An issue or idea someone raised, answered",
        "care",
        ("title", "status", "url"),
        "To whoever raised an issue or idea and left a way to hear back: ((title)), what they "
        "raised; ((status)), where it is now; the answer is on the public page at ((url)).",
    ),
    Kind(
        "survey_invitation",
        "A “what matters to you” survey",
        "news",
        ("survey", "url", "code", "start"),
        "To a resident who said yes to news: ((survey)), the survey's title; ((url)), a link "
        "that answers it once; ((code)), the same one-time code to type at ((start)) (for a "
        "letter). Answers carry no name.",
    ),
)

KINDS: dict[str, Kind] = {kind.key: kind for kind in _ALL}


def get(key: str) -> Kind:
    """The kind named ``key``; a ``KeyError`` names it if there is none."""
    try:
        return KINDS[key]
    except KeyError:
        raise KeyError(f"no message kind {key!r} in keepwell/messaging/kinds.py") from None
