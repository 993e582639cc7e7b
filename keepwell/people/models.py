"""People: the residents keepwell helps, their households, and their consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from keepwell.people.validators import (
    normalise_nhs_number,
    parse_date_of_birth,
    validate_date_of_birth,
    validate_nhs_number,
)


class Language(models.Model):
    """A language someone speaks, by ISO 639-1 code where there is one ("pt", "bn")."""

    code = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=60)
    native_name = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message (SMS)"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    IN_PERSON = "in_person", "In person (no digital)"


class PersonQuerySet(models.QuerySet):
    def current(self):
        """Records not merged into another: a merged one holds nothing any more."""
        return self.filter(merged_into__isnull=True)

    def visible_to(self, user):
        """The current records ``user`` may open (see ``keepwell/people/rules.py``); a merged
        record is left out of every list and search."""
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self.current()
        q = Q(user=user)
        org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
        if org_ids:
            q |= Q(organisations__in=org_ids) | Q(gp_practice_id__in=org_ids)
        if (
            user.has_role(Role.AREA_LEAD)
            or user.areas_led.exists()
            or user.areas_deputised.exists()
        ):
            area_ids = user.led_area_ids()
            if area_ids:
                q |= Q(area_id__in=area_ids)
        return self.current().filter(q).distinct()

    def duplicates_to_merge_by(self, user):
        """Current records flagged as a possible duplicate of a record ``user`` may also
        see: the pairs they may decide are one person."""
        visible = Person.objects.visible_to(user)
        return (
            self.visible_to(user)
            .filter(possible_duplicate_of__in=visible.values("pk"))
            .select_related("possible_duplicate_of", "area", "possible_duplicate_of__area")
            .order_by("possible_duplicate_of__family_name", "possible_duplicate_of_id", "pk")
        )

    def search(self, text: str):
        """Name, known-as, postcode, phone (any spacing, with or without +44), NHS number
        (with or without spaces) or date of birth (12/03/1948 or 1948-03-12)."""
        text = text.strip()
        if not text:
            return self
        q = Q()
        for word in text.split():
            q &= (
                Q(given_name__icontains=word)
                | Q(family_name__icontains=word)
                | Q(postcode__icontains=word)
                | Q(known_as__icontains=word)
            )
        born = parse_date_of_birth(text)
        if born is not None:
            return self.filter(q | Q(date_of_birth=born))
        for digits in _phone_digits_to_find(text):
            q |= Q(phone_digits__contains=digits) | Q(mobile_digits__contains=digits)
        nhs_number = normalise_nhs_number(text)
        if len(nhs_number) == 10 and nhs_number.isdigit():
            q |= Q(nhs_number=nhs_number)
        compact = text.replace(" ", "").upper()
        if 5 <= len(compact) <= 7:
            q |= Q(postcode_compact=compact)
        return self.filter(q)


def _phone_digits_to_find(text: str) -> set[str]:
    """The digits a stored number contains when it is the number typed: numbers are stored
    as +44..., older ones as they were typed, and people search with a leading 0 or +44."""
    digits = "".join(ch for ch in text if ch.isdigit())
    found = {digits, digits.lstrip("0")}
    if text.lstrip().startswith("+44") or digits.startswith("0044"):
        found.add(digits.removeprefix("00").removeprefix("44"))
    return {d for d in found if len(d) >= 5}


class Person(models.Model):
    """A resident or patient. Contact details are optional; "no digital" is a real choice."""

    given_name = models.CharField("First name", max_length=100)
    family_name = models.CharField("Last name", max_length=100, blank=True)
    known_as = models.CharField("Known as", max_length=100, blank=True)
    nhs_number = models.CharField(
        "NHS number",
        max_length=10,
        blank=True,
        db_index=True,
        validators=[validate_nhs_number],
        help_text="Optional. 10 digits, like 943 476 5919",
    )
    # A second record with an NHS number keepwell already holds is never a silent copy: it
    # is kept, pointing at the first, until an administrator merges the two.
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="possible_duplicates",
    )
    # A duplicate merged into another record is kept, never deleted (the audit log points at
    # it), but hidden from every list and search; its page says where it went.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_date_of_birth])
    phone = models.CharField("Phone", max_length=30, blank=True)
    mobile = models.CharField("Mobile (for text messages)", max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address_line_1 = models.CharField(max_length=200, blank=True)
    address_line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)  # normalised
    no_digital = models.BooleanField(
        "No digital",
        default=False,
        help_text="Does not use email, text messages or the internet: phone, letter or in person",
    )
    preferred_channel = models.CharField(
        max_length=20, choices=ContactChannel.choices, default=ContactChannel.PHONE
    )
    languages = models.ManyToManyField(Language, blank=True, related_name="people")
    needs_interpreter = models.BooleanField(default=False)
    accessibility_needs = models.TextField(
        blank=True, help_text="For example: large print, British Sign Language, hard of hearing"
    )
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    gp_practice = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_patients",
        limit_choices_to={"kind": "gp_practice"},
    )
    # The organisations that hold this person's record and so may see it.
    organisations = models.ManyToManyField(
        "directory.Organisation", blank=True, related_name="people"
    )
    # A resident who signs in to keepwell sees their own record.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    # Digits only, kept by save(), so a coordinator can find "07700 900123" by any spacing.
    phone_digits = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    mobile_digits = models.CharField(max_length=30, blank=True, editable=False, db_index=True)
    postcode_compact = models.CharField(max_length=7, blank=True, editable=False, db_index=True)
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [models.Index(fields=["family_name", "given_name"], name="person_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~Q(nhs_number="")
                & Q(possible_duplicate_of__isnull=True)
                & Q(merged_into__isnull=True),
                name="person_nhs_number_once",
                violation_error_message="Someone else already has this NHS number",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.phone_digits = "".join(ch for ch in self.phone if ch.isdigit())
        self.mobile_digits = "".join(ch for ch in self.mobile if ch.isdigit())
        self.postcode_compact = self.postcode.replace(" ", "")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {
                "phone_digits",
                "mobile_digits",
                "postcode_compact",
                "updated_at",
            }
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p)

    @property
    def reachable_channels(self) -> list[str]:
        channels = []
        if self.phone or self.mobile:
            channels.append(ContactChannel.PHONE)
        if not self.no_digital and self.mobile:
            channels.append(ContactChannel.SMS)
        if not self.no_digital and self.email:
            channels.append(ContactChannel.EMAIL)
        if self.address_line_1 and self.postcode:
            channels.append(ContactChannel.LETTER)
        return channels


class Household(models.Model):
    """The people someone lives with or relies on."""

    name = models.CharField(max_length=150, help_text="For example: 'The Okafor household'")
    address_line_1 = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HouseholdMember(models.Model):
    class Relationship(models.TextChoices):
        LIVES_WITH = "lives_with", "Lives with"
        RELIES_ON = "relies_on", "Relies on (carer, family nearby)"
        CARES_FOR = "cares_for", "Cares for"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="household_links")
    relationship = models.CharField(
        max_length=20, choices=Relationship.choices, default=Relationship.LIVES_WITH
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="household_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.get_relationship_display()} — {self.household}"


class Consent(models.Model):
    """What a person agreed to, on what lawful basis, who recorded it, and when it ended."""

    class Purpose(models.TextChoices):
        CARE_COORDINATION = "care_coordination", "Coordinating help and support"
        SHARE_WITH_NHS = "share_with_nhs", "Sharing information with their GP practice or NHS"
        REFERRAL = "referral", "Referral to a service"
        CONTACT = "contact", "Being contacted by keepwell (calls, texts, letters)"
        OUTCOMES = "outcomes", "Answering wellbeing questions to learn what works"
        TIMEBANK = "timebank", "Time bank membership"

    class LawfulBasis(models.TextChoices):
        CONSENT = "consent", "Consent (UK GDPR 6(1)(a))"
        PUBLIC_TASK = "public_task", "Public task (UK GDPR 6(1)(e))"
        LEGITIMATE_INTERESTS = "legitimate_interests", "Legitimate interests (UK GDPR 6(1)(f))"
        VITAL_INTERESTS = "vital_interests", "Vital interests (UK GDPR 6(1)(d))"
        HEALTH_CARE = "health_care", "Health or social care (UK GDPR 9(2)(h))"

    class How(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "By phone"
        ONLINE = "online", "Online, by the person"
        ON_BEHALF = "on_behalf", "By someone acting for them"
        WRITTEN = "written", "In writing"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    how = models.CharField("How it was given", max_length=20, choices=How.choices)
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Strength(models.Model):
    """Something a person could give: recorded at the end of a referral or help, ready for
    the time bank ("for every hour you get, you give an hour")."""

    class Kind(models.TextChoices):
        SKILL = "skill", "A skill"
        TIME = "time", "Time"
        KNOWLEDGE = "knowledge", "Knowledge or experience"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="strengths")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.CharField(max_length=300)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Where it was asked: "referral:12", "help:34"; free text so any capability can ask.
    source = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.person}: {self.description}"
