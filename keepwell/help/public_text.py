"""The words of the public "ask for help" form, marked for translation.

Written in English and translated through Django's translation files
(``keepwell/locale/<lang>/LC_MESSAGES/django.po``), like every public page; the page speaks
the language :func:`keepwell.core.i18n.public_language` chose.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

TITLE = _("Ask for help")
INTRO = _(
    "Tell us what help is needed. A volunteer coordinator will phone to arrange it, usually "
    "within a day. You can ask for yourself or for someone else."
)
EMERGENCY = _(
    "If someone is very unwell or in danger, call 999. For urgent medical help, call 111."
)
ABOUT_PERSON = _("Who needs help")
ABOUT_NEED = _("What help is needed")
ABOUT_YOU = _("If you are asking for someone else")
SUBMIT = _("Send")
REQUIRED = _("This question needs an answer")
ANY_LANGUAGE = _("English is fine")
BAD_POSTCODE = _("Enter a full postcode, like WB2 1AB")
NEED_REQUESTER = _("Enter your name, so we know who asked")
TOO_MANY = _(
    "Too many requests have come from this connection. Try again in an hour, or phone the helpline."
)
DONE_TITLE = _("Thank you: we have your request")
# {organisation} is the group's name.
DONE_BODY = _(
    "A volunteer coordinator from {organisation} will phone to arrange the help. If it "
    "becomes urgent, call 111, or 999 in an emergency."
)

# Each field's label, hint and the message when it is left empty.
FIELDS = {
    "given_name": {"label": _("First name"), "required": _("Enter the first name")},
    "family_name": {"label": _("Last name")},
    "phone": {
        "label": _("Phone number"),
        "hint": _("We will phone this number to arrange the help"),
        "required": _("Enter a phone number"),
    },
    "address": {"label": _("Address"), "hint": _("House number and street")},
    "postcode": {"label": _("Postcode"), "required": _("Enter the postcode")},
    "need_type": {
        "label": _("What help is needed?"),
        "required": _("Choose the help needed"),
    },
    "details": {
        "label": _("Anything else we should know"),
        "hint": _("For example: the shopping list, the pharmacy, when is best"),
    },
    "language": {"label": _("Language they would like to speak")},
    "on_behalf": {"label": _("I am asking for someone else")},
    "requester_name": {"label": _("Your name")},
    "requester_phone": {"label": _("Your phone number")},
    "requester_relationship": {
        "label": _("How you know them"),
        "hint": _("For example: daughter, neighbour"),
    },
    "consent": {
        "label": _(
            "I agree that the group may keep these details to arrange help, and that the "
            "person knows we will call"
        ),
        "required": _("Confirm you agree, so we can arrange the help"),
    },
}

# The public kinds of help (seeded by help's migration 0002), by slug, as the form names
# them; a kind a group adds later shows its own name.
NEEDS = {
    "shopping": pgettext_lazy("kind of help", "Shopping"),
    "prescription": pgettext_lazy("kind of help", "Prescription collection and delivery"),
    "food_parcel": pgettext_lazy("kind of help", "Food parcel"),
    "hot_meal": pgettext_lazy("kind of help", "Hot meal"),
    "phone_check_in": pgettext_lazy("kind of help", "Phone check-in"),
    "befriending": pgettext_lazy("kind of help", "Befriending"),
    "dog_walking": pgettext_lazy("kind of help", "Dog walking"),
    "gardening": pgettext_lazy("kind of help", "Gardening"),
    "hospital_run": pgettext_lazy("kind of help", "Hospital run"),
    "comfort_pack": pgettext_lazy("kind of help", "Hospital comfort pack"),
    "digital_help": pgettext_lazy("kind of help", "IT equipment and digital help"),
    "interpreting": pgettext_lazy("kind of help", "Interpreting"),
    "other": pgettext_lazy("kind of help", "Something else"),
}


def need_name(need) -> str:
    return str(NEEDS.get(need.slug, need.name))
