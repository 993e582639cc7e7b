"""The community asset map: organisations typed as in the report's Table one, the NHS bodies
they work with, their services and activities (Table two), where and when those run, and
the relationship log of the mapping exercise.

Ids that leave keepwell (the Open Referral UK feed, imports, exports) are UUIDs; the
integer primary keys stay internal.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    # Community organisations (the report's Table one).
    INDIVIDUAL = "individual", "Individual"
    GRASS_ROOTS = "grass_roots", "Grass-roots group"
    ASSOCIATION = "association", "Association or membership organisation"
    COMMUNITY_HUB = "community_hub", "Community-led centre or hub"
    INFRASTRUCTURE = "infrastructure", "Local infrastructure organisation (community anchor)"
    FAITH_GROUP = "faith_group", "Faith group"
    HOUSING_PROVIDER = "housing_provider", "Housing provider"
    SOCIAL_ENTERPRISE = "social_enterprise", "CIC or social enterprise"
    TIME_BANK = "time_bank", "Time bank"
    NATIONAL_CHARITY = "national_charity", "Large national charity"
    PRIVATE_BUSINESS = "private_business", "Private business (CSR)"
    # Statutory bodies.
    GP_PRACTICE = "gp_practice", "GP practice"
    PCN = "pcn", "Primary Care Network"
    ICS = "ics", "Integrated Care System"
    COUNCIL = "council", "Local council"
    # Imported from another directory and not yet typed by the mapping team.
    UNCLASSIFIED = "unclassified", "Not yet classified"


NHS_KINDS = frozenset({OrganisationKind.GP_PRACTICE, OrganisationKind.PCN, OrganisationKind.ICS})
STATUTORY_KINDS = NHS_KINDS | {OrganisationKind.COUNCIL}
# The report's Table one, in its order.
COMMUNITY_KINDS = [
    OrganisationKind.INDIVIDUAL,
    OrganisationKind.GRASS_ROOTS,
    OrganisationKind.ASSOCIATION,
    OrganisationKind.COMMUNITY_HUB,
    OrganisationKind.INFRASTRUCTURE,
    OrganisationKind.FAITH_GROUP,
    OrganisationKind.HOUSING_PROVIDER,
    OrganisationKind.SOCIAL_ENTERPRISE,
    OrganisationKind.TIME_BANK,
    OrganisationKind.NATIONAL_CHARITY,
    OrganisationKind.PRIVATE_BUSINESS,
]


class RelationshipStatus(models.TextChoices):
    """How far the NHS has got with an organisation, in the order it usually goes."""

    NOT_CONTACTED = "not_contacted", "Not yet contacted"
    CONTACTED = "contacted", "Contacted"
    MET = "met", "Met"
    WORKING_TOGETHER = "working_together", "Working together"
    PARTNER = "partner", "Partner"


charity_number_validator = RegexValidator(
    r"^(SC\d{6}|NIC?\d{5,6}|\d{6,8}(-\d{1,2})?)$",
    "Enter a charity number like 1123456 (England and Wales), SC012345 or NIC100001",
)
company_number_validator = RegexValidator(
    r"^([0-9]{8}|(SC|NI|OC|SO|NC|R0|IP|SP|RS|NP)[0-9]{6})$",
    "Enter a company number of 8 characters, like 01234567 or SC123456",
)


class OrganisationQuerySet(models.QuerySet):
    def nhs(self):
        return self.filter(kind__in=NHS_KINDS)

    def community(self):
        return self.exclude(kind__in=STATUTORY_KINDS)

    def serving(self, area_ids):
        return self.filter(areas_served__in=area_ids).distinct()


class Organisation(models.Model):
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=OrganisationKind.choices)
    description = models.TextField(
        blank=True, help_text="What the organisation is for and who it works with"
    )
    ods_code = models.CharField(
        "ODS code", max_length=10, blank=True, help_text="NHS Organisation Data Service code"
    )
    # Where a GP practice's system takes BaRS messages: a referral to the practice is sent
    # there too (keepwell.referrals.bars_replies), besides landing in its keepwell inbox.
    bars_endpoint = models.URLField(
        "BaRS endpoint",
        max_length=300,
        blank=True,
        help_text="The address of the practice system's $process-message, if it takes "
        "referrals by the Booking and Referral Standard",
    )
    charity_number = models.CharField(
        max_length=12, blank=True, validators=[charity_number_validator]
    )
    company_number = models.CharField(
        max_length=8,
        blank=True,
        validators=[company_number_validator],
        help_text="Companies House number, for a company or a community interest company",
    )
    is_cic = models.BooleanField(
        "Community interest company",
        default=False,
        help_text="The company number is a community interest company's",
    )
    # Contact channels. An individual's listing shows only what they chose to publish.
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    other_contact = models.CharField(
        "Other ways to get in touch",
        max_length=300,
        blank=True,
        help_text="For example a WhatsApp group, a Facebook page, or 'drop in on Tuesdays'",
    )
    areas_served = models.ManyToManyField(
        "places.Area", blank=True, related_name="organisations_serving"
    )
    languages = models.ManyToManyField(
        "people.Language", blank=True, related_name="organisations", verbose_name="Languages spoken"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="For example the PCN a practice belongs to",
    )
    # The mapping exercise: where the NHS stands with this organisation, and who owns that.
    relationship_status = models.CharField(
        max_length=20, choices=RelationshipStatus.choices, default=RelationshipStatus.NOT_CONTACTED
    )
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="relationships_owned",
        help_text="The person in the NHS who looks after this relationship",
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_nhs(self) -> bool:
        return self.kind in NHS_KINDS

    @property
    def is_community(self) -> bool:
        return self.kind not in STATUTORY_KINDS


class OrganisationLink(models.Model):
    """One organisation works with another: a network, a consortium, a partnership."""

    class Kind(models.TextChoices):
        MEMBER_OF = "member_of", "is a member of"
        CONSORTIUM = "consortium", "is in a consortium with"
        PARTNER = "partner", "works in partnership with"
        SUPPORTED_BY = "supported_by", "is supported by"
        FUNDED_BY = "funded_by", "is funded by"

    source = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source__name", "target__name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="org_link_unique"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="org_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class Interaction(models.Model):
    """One conversation of the mapping exercise, with what was agreed next."""

    class Kind(models.TextChoices):
        CALL = "call", "Phone call"
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        EVENT = "event", "Event"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="interactions"
    )
    happened_on = models.DateField("Date")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    notes = models.TextField()
    next_step = models.CharField("Agreed next step", max_length=300, blank=True)
    follow_up_on = models.DateField("Follow-up date", null=True, blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="Who follows up (the relationship owner unless you choose someone else)",
    )
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interactions_recorded",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-happened_on", "-id"]
        indexes = [
            models.Index(fields=["follow_up_by", "follow_up_on"], name="interaction_followup"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} with {self.organisation} on {self.happened_on}"


class ServiceCategory(models.TextChoices):
    """The report's Table two: the kinds of support community organisations gave."""

    # Translated: the public directory shows them (labels only; the values are stored).
    PRACTICAL = "practical", _("Practical")
    EDUCATIONAL = "educational", _("Educational")
    EMOTIONAL = "emotional", _("Emotional")
    SOCIAL = "social", _("Social")


class Taxonomy(models.Model):
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    uri = models.URLField(blank=True)
    version = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="terms")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    code = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Terms of our own Table two taxonomy say which category they belong to.
    category = models.CharField(max_length=20, choices=ServiceCategory.choices, blank=True)

    class Meta:
        ordering = ["taxonomy__name", "name"]

    def __str__(self) -> str:
        return self.name


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def stale_cutoff(now: datetime | None = None) -> datetime:
    months = getattr(settings, "DIRECTORY_STALE_MONTHS", 6)
    return months_before(now or timezone.now(), months)


class ServiceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Service.Status.PUBLISHED)

    def offering(self, category: str):
        return self.filter(category=category)

    def stale(self, now: datetime | None = None):
        cutoff = stale_cutoff(now)
        return self.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=cutoff))

    def editable_by(self, user):
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        return self.filter(organisation_id__in=user.organisation_ids(Role.COORDINATOR))


class Service(models.Model):
    """A service or activity an organisation offers. Referrals rely on ``accepts_referrals``
    and ``taking_new_people``."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Access(models.TextChoices):
        SELF_REFER = "self_refer", _("Get in touch yourself")
        SIGNPOST = "signpost", _("Anyone can point people to it")
        REFERRAL = "referral", _("Needs a referral")

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", _("In person, at a venue")
        PHONE = "phone", _("By phone only")
        ONLINE = "online", _("Online only")
        PHONE_ONLINE = "phone_online", _("By phone or online")

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=ServiceCategory.choices)
    taxonomy_terms = models.ManyToManyField(
        TaxonomyTerm, blank=True, related_name="services", verbose_name="Activities"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    accepts_referrals = models.BooleanField(default=True)
    taking_new_people = models.BooleanField("Taking new people now", default=True)
    # Who it is for.
    min_age = models.PositiveSmallIntegerField("Youngest age", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("Oldest age", null=True, blank=True)
    eligibility = models.TextField(
        "Who it is for", blank=True, help_text="For example: carers, people living in Riverside"
    )
    # What it costs: whole pence, never floats.
    is_free = models.BooleanField("Free", default=True)
    cost_pence = models.PositiveIntegerField("Cost in pence", null=True, blank=True)
    cost_description = models.CharField(
        max_length=300, blank=True, help_text="For example: £2 a session, free for carers"
    )
    schedule_notes = models.CharField(
        "About the times",
        max_length=300,
        blank=True,
        help_text="For example: closed on bank holidays",
    )
    delivery = models.CharField(
        "How it is delivered", max_length=20, choices=Delivery.choices, default=Delivery.IN_PERSON
    )
    languages = models.ManyToManyField("people.Language", blank=True, related_name="services")
    accessibility = models.TextField(
        blank=True, help_text="For example: step-free access, hearing loop, BSL on request"
    )
    access = models.CharField(
        "How to get it", max_length=20, choices=Access.choices, default=Access.SELF_REFER
    )
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    url = models.URLField("Website", blank=True)
    # How NHS systems name the service when they refer by BaRS (NHSD-Target-Identifier).
    dos_service_id = models.CharField(
        "NHS Directory of Services id",
        max_length=20,
        blank=True,
        db_index=True,
        help_text="If the service is listed in the NHS Directory of Services: NHS systems "
        "name it by this id when they refer",
    )
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Lower-case words of the name, description, organisation and activities, kept by the
    # service layer: one column to match words against (trigram-indexed on PostgreSQL).
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status", "category"], name="service_status_category"),
            # The feed and a search without a place page through published services by name.
            models.Index(fields=["status", "name", "id"], name="service_status_name"),
            models.Index(fields=["last_verified_at"], name="service_verified"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="service_ages_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_stale(self) -> bool:
        return self.last_verified_at is None or self.last_verified_at < stale_cutoff()

    @property
    def cost_label(self) -> str:
        if self.is_free:
            return str(_("Free"))
        if self.cost_pence is not None:
            pounds, pence = divmod(self.cost_pence, 100)
            amount = f"£{pounds}" if not pence else f"£{pounds}.{pence:02d}"
            return f"{amount} — {self.cost_description}" if self.cost_description else amount
        return self.cost_description or str(_("There is a charge"))

    @property
    def is_remote_only(self) -> bool:
        return self.delivery != self.Delivery.IN_PERSON


class Location(models.Model):
    """A venue. A refuge's address is confidential: never public, never in the feed."""

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=200, blank=True)
    address_1 = models.CharField("Address line 1", max_length=200)
    address_2 = models.CharField("Address line 2", max_length=200, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)  # normalised
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area = models.ForeignKey(
        "places.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confidential = models.BooleanField(
        "Confidential address",
        default=False,
        help_text="For example a refuge: the address is never shown publicly or shared",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "address_1"]

    def __str__(self) -> str:
        return self.name or f"{self.address_1}, {self.postcode}"

    @property
    def one_line(self) -> str:
        parts = [self.name, self.address_1, self.address_2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class ServiceAtLocation(models.Model):
    """A service at one venue.

    The venue's position and confidentiality, and the service's category, whether it is
    published and its search words, are copied here by the service layer
    (``services.refresh_search_text``) so that a search near a postcode reads one indexed
    table and never has to visit the services it then throws away.
    """

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="at_services")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    confidential = models.BooleanField(default=False)
    published = models.BooleanField(default=False, editable=False)
    category = models.CharField(max_length=20, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="service_location_unique")
        ]
        indexes = [
            models.Index(fields=["latitude", "longitude"], name="sal_latlon"),
            models.Index(
                fields=["category", "published", "latitude", "longitude"], name="sal_search"
            ),
            models.Index(fields=["published", "latitude", "longitude"], name="sal_published"),
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class Schedule(models.Model):
    """When a service runs: one weekday and one time slot, every week or one week a month."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Every week"
        MONTHLY = "monthly", "Once a month"

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default="weekly")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    # For monthly slots: 1-4 for the first to fourth such weekday, -1 for the last.
    week_of_month = models.SmallIntegerField(null=True, blank=True)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at", "id"]
        indexes = [models.Index(fields=["weekday", "service"], name="schedule_weekday")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="schedule_opens_first"
            ),
        ]

    def __str__(self) -> str:
        from keepwell.directory.schedules import describe

        return describe(self)


class ListingChange(models.Model):
    """History of every change to a listing: who, when, what ({field: [old, new]})."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Changed"
        VERIFY = "verify", "Checked and still right"
        IMPORT = "import", "Imported"
        SUGGESTION = "suggestion", "Suggested change accepted"
        RELATIONSHIP = "relationship", "Relationship changed"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="changes")
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="changes"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label} at {self.at:%Y-%m-%d %H:%M}"


class Suggestion(models.Model):
    """A change to a listing proposed by anyone signed in, for the owner or an admin to decide.

    ``data`` holds the proposed form data, so accepting it runs the same validation and the
    same service as an edit by the owner would.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="suggestions"
    )
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="suggestions"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_suggestions"
    )
    data = models.JSONField()
    changes = models.JSONField(default=dict)  # {field label: [current, proposed]} for review
    note = models.TextField("Why", blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField("Reason", max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Suggestion for {self.service or self.organisation}"

    @property
    def subject(self):
        return self.service or self.organisation
