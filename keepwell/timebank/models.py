"""The time bank: members give and receive hours on a double-entry ledger.

Accounts belong to a person (who may have no computer: a broker acts for them), an
organisation, or the bank's community chest. An :class:`Exchange` is one transfer of time,
made of :class:`Movement` rows that sum to zero: the account that gave time is credited,
the one that received it is debited. A pending exchange has its movements written but
moves no balance; only confirmed exchanges count. ``Account.balance`` is the sum of the
account's confirmed movements, kept in the same transaction by ``services``. Nothing on
the ledger is edited or deleted: a mistake is reversed by a compensating exchange.

Time is integer minutes everywhere (see ``minutes.py``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Max, Q, Sum
from django.utils import timezone

from keepwell.timebank.minutes import Minutes


class Category(models.TextChoices):
    """What time is given for: the report's Table two, made concrete for a time bank."""

    PRACTICAL = "practical", "Practical help (DIY, gardening, odd jobs)"
    SHOPPING = "shopping", "Shopping and errands"
    TRANSPORT = "transport", "Lifts and going along to appointments"
    COMPANY = "company", "Company, befriending and phone calls"
    FOOD = "food", "Cooking and food"
    LEARNING = "learning", "Teaching, learning and languages"
    DIGITAL = "digital", "Computers, phones and the internet"
    ARTS = "arts", "Arts, crafts and music"
    WELLBEING = "wellbeing", "Health, exercise and wellbeing"
    ADMIN = "admin", "Letters, forms and admin"
    CARE = "care", "Caring, children and pets"
    COMMUNITY = "community", "Community events and groups"


class LimitPolicy(models.TextChoices):
    ENFORCE = "enforce", "Refuse an exchange that would cross a limit"
    FLAG = "flag", "Allow it, and flag it for a broker"


class TimeBankQuerySet(models.QuerySet):
    def brokered_by(self, user):
        """The banks ``user`` brokers: named as a broker, or a coordinator of its organisation."""
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        if user.is_platform_admin:
            return self
        org_ids = user.organisation_ids(Role.COORDINATOR)
        return self.filter(Q(brokers=user) | Q(organisation_id__in=org_ids)).distinct()


class TimeBank(models.Model):
    """A local time bank, or a practice's "time bank of purpose"."""

    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True)
    description = models.TextField(blank=True)
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="time_banks",
        help_text="The organisation that runs it; its coordinators are brokers",
    )
    # Brokers are a role of this bank, not of the platform: coordinators of the bank's
    # organisation broker it too (see rules.py).
    brokers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="brokered_time_banks"
    )
    min_balance = models.IntegerField(
        "Lowest balance (minutes)",
        null=True,
        blank=True,
        default=-600,
        help_text="How far below zero a member may go (−600 is 10 hours). Empty: no limit",
    )
    max_balance = models.IntegerField(
        "Highest balance (minutes)",
        null=True,
        blank=True,
        default=6000,
        help_text="The most a member may hold, in minutes. Empty: no limit",
    )
    chest_min_balance = models.IntegerField(
        "Lowest community chest balance (minutes)",
        default=0,
        help_text="Below zero lets the chest fund help before members have donated",
    )
    limit_policy = models.CharField(
        max_length=10, choices=LimitPolicy.choices, default=LimitPolicy.ENFORCE
    )
    backdate_days = models.PositiveSmallIntegerField(
        "How many days back an exchange may be dated",
        default=90,
        validators=[MaxValueValidator(3660)],
        help_text="An exchange recorded later than this is refused: a date typed in the wrong "
        "year is caught. 0 means only today",
    )
    is_demo = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TimeBankQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_balance__isnull=True) | Q(min_balance__lte=0),
                name="timebank_min_balance_not_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_balance__isnull=True) | Q(max_balance__gte=0),
                name="timebank_max_balance_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(chest_min_balance__lte=0), name="timebank_chest_min_not_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def earliest_exchange_date(self) -> date:
        """The earliest day an exchange recorded today may be dated."""
        return timezone.localdate() - timedelta(days=self.backdate_days)

    def limits_for(self, account: Account) -> tuple[int | None, int | None]:
        """(lowest, highest) balance allowed for an account of this bank; None is no limit."""
        if account.kind == Account.Kind.CHEST:
            return self.chest_min_balance, None
        return self.min_balance, self.max_balance


class AccountQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Account.Status.APPROVED)

    def pending(self):
        return self.filter(status=Account.Status.PENDING)

    def members(self):
        """Person and organisation accounts (not the community chest)."""
        return self.exclude(kind=Account.Kind.CHEST)

    def of_user(self, user):
        """Accounts ``user`` acts for: their own person's, and their organisations'."""
        from keepwell.accounts.models import Role

        if not user.is_authenticated:
            return self.none()
        org_ids = user.organisation_ids(Role.COORDINATOR, Role.NHS_CONNECTOR)
        return self.filter(Q(person__user=user) | Q(organisation_id__in=org_ids))

    def with_last_exchange(self):
        """Annotate ``last_exchange_at``: the account's latest confirmed exchange."""
        return self.annotate(
            last_exchange_at=Max(
                "movements__exchange__confirmed_at",
                filter=Q(movements__exchange__state=Exchange.State.CONFIRMED),
            )
        )

    def inactive_since(self, since):
        """Approved members with no confirmed exchange since ``since`` (or never)."""
        return (
            self.approved()
            .members()
            .with_last_exchange()
            .filter(Q(last_exchange_at__lt=since) | Q(last_exchange_at__isnull=True))
        )

    def with_derived_balance(self):
        """Annotate ``derived_balance``: the sum of confirmed movements, to check ``balance``."""
        return self.annotate(
            derived_balance=Sum(
                "movements__minutes",
                filter=Q(movements__exchange__state=Exchange.State.CONFIRMED),
                default=0,
            )
        )


class Account(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Member"
        ORGANISATION = "organisation", "Organisation"
        CHEST = "chest", "Community chest"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a broker's approval"
        APPROVED = "approved", "Member"
        DECLINED = "declined", "Not approved"

    bank = models.ForeignKey(TimeBank, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="timebank_accounts",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="timebank_accounts",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Who asked to join, and which broker approved (or declined) whom.
    applied_at = models.DateTimeField(default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.CharField(max_length=300, blank=True)
    # Minutes: the sum of this account's confirmed movements, updated in the same
    # transaction as they are (under a row lock); ``ledger_problems`` checks it.
    balance = models.IntegerField(default=0, editable=False)
    postcode = models.CharField(max_length=8, blank=True, help_text="To find offers and needs near")
    about = models.TextField(blank=True)
    earn_help_hours = models.BooleanField(
        "Earn hours for help tasks",
        default=False,
        help_text="Tasks done as a mutual aid volunteer earn hours from the community chest",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["bank", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="person", person__isnull=False, organisation__isnull=True)
                    | Q(kind="organisation", person__isnull=True, organisation__isnull=False)
                    | Q(kind="chest", person__isnull=True, organisation__isnull=True)
                ),
                name="timebank_account_owner_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["bank", "person"],
                condition=Q(person__isnull=False),
                name="timebank_one_account_per_person",
            ),
            models.UniqueConstraint(
                fields=["bank", "organisation"],
                condition=Q(organisation__isnull=False),
                name="timebank_one_account_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["bank"], condition=Q(kind="chest"), name="timebank_one_chest_per_bank"
            ),
            # One account per person earns hours for help tasks, so a task credits one place.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(earn_help_hours=True),
                name="timebank_help_hours_one_account",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if self.kind == self.Kind.CHEST:
            return "Community chest"
        if self.person_id:
            return self.person.full_name
        return self.organisation.name

    @property
    def balance_minutes(self) -> Minutes:
        return Minutes(self.balance)

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_offline(self) -> bool:
        """No sign-in of their own: a broker records everything for them."""
        return self.kind == self.Kind.PERSON and (
            self.person.user_id is None or self.person.no_digital
        )


class ListingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(withdrawn_at__isnull=True, account__status=Account.Status.APPROVED)

    def offers(self):
        return self.filter(kind=Listing.Kind.OFFER)

    def needs(self):
        return self.filter(kind=Listing.Kind.NEED)

    def in_category(self, category: str):
        return self.filter(category=category) if category else self

    def near_postcodes(self, postcodes):
        return self.filter(account__postcode__in=postcodes)


class Listing(models.Model):
    """An offer (what I can give) or a need (what I would like) on a member's profile."""

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer: something I can give"
        NEED = "need", "Need: something I would like"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="listings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # Made from a strength recorded on the person's record (referrals, help).
    strength = models.ForeignKey(
        "people.Strength", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "category"], name="timebank_listing_kind_cat")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def person_id(self) -> int | None:
        """Whose data this is, for the audit log."""
        return self.account.person_id


class ExchangeQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(state=Exchange.State.CONFIRMED)

    def pending(self):
        return self.filter(state=Exchange.State.PENDING)

    def involving(self, account):
        return self.filter(movements__account=account)

    def time_given(self):
        """Confirmed exchanges of time between members (not chest transfers), not reversed."""
        return self.confirmed().filter(
            kind__in=[Exchange.Kind.EXCHANGE, Exchange.Kind.GROUP, Exchange.Kind.HELP_TASK],
            reversal__isnull=True,
        )


def _done_by(*, blank: bool = True) -> models.ForeignKey:
    """The user who did something to an exchange: shown with it, never searched by, so not
    indexed (every exchange would write the index; deleting a user, which this protects
    against, reads the table once)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=blank,
        related_name="+",
        db_index=False,
    )


class Exchange(models.Model):
    """One transfer of time. Its movements sum to zero; it is never edited after confirming."""

    class Kind(models.TextChoices):
        EXCHANGE = "exchange", "Exchange"
        GROUP = "group", "Group exchange"
        DONATION = "donation", "Donation to the community chest"
        GRANT = "grant", "Grant from the community chest"
        HELP_TASK = "help_task", "Help task"
        REVERSAL = "reversal", "Reversal"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    bank = models.ForeignKey(TimeBank, on_delete=models.PROTECT, related_name="exchanges")
    # A client retrying after a dropped connection sends the same key: one exchange results.
    # (Unique by a constraint in Meta: ``unique=True`` would add a second, pattern index on
    # PostgreSQL that no query uses and every exchange would pay for.)
    idempotency_key = models.CharField(max_length=100)
    # What the key was used for (kind and movements), so reuse for something else is refused.
    fingerprint = models.CharField(max_length=64, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    minutes = models.IntegerField(help_text="Time moved: the sum of the credits (above 0)")
    category = models.CharField(max_length=20, choices=Category.choices, blank=True)
    description = models.CharField(max_length=300, blank=True)
    occurred_on = models.DateField(default=timezone.localdate)
    listing = models.ForeignKey(
        Listing, on_delete=models.SET_NULL, null=True, blank=True, related_name="exchanges"
    )
    # Who recorded, confirmed or cancelled it (see _done_by: not indexed).
    recorded_by = _done_by(blank=False)
    recorded_at = models.DateTimeField(default=timezone.now)
    # A broker recorded it for a member without a computer (or for both sides).
    by_broker = models.BooleanField(default=False)
    # Whose confirmation a pending exchange waits for (None: a broker's).
    awaiting = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_by = _done_by()
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancelled_by = _done_by()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    reason = models.CharField(max_length=300, blank=True)
    # A limit was crossed under the "flag" policy (or by a reversal): a broker should look.
    flagged = models.BooleanField(default=False)
    flag_note = models.CharField(max_length=300, blank=True)
    # Where it came from outside the time bank, e.g. "help-task:42" (most have none: see
    # the partial index in Meta).
    source_ref = models.CharField(max_length=100, blank=True)
    beneficiary = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ExchangeQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            # Only the exchanges that came from elsewhere; a query finds them with
            # ``.exclude(source_ref="")``.
            models.Index(
                fields=["source_ref"],
                name="timebank_exchange_source_ref",
                condition=~Q(source_ref=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="timebank_exchange_idempotency_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gt=0), name="timebank_exchange_minutes_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="timebank_reversal_reverses_something",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="timebank_confirmed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reason__gt=""),
                name="timebank_reversal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {Minutes(self.minutes)} ({self.get_state_display()})"

    @property
    def minutes_display(self) -> Minutes:
        return Minutes(self.minutes)

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def is_confirmed(self) -> bool:
        return self.state == self.State.CONFIRMED


class Movement(models.Model):
    """One leg of an exchange: signed minutes on one account (credit +, debit −)."""

    # Found by exchange through the unique constraint's index, which leads with it.
    exchange = models.ForeignKey(
        Exchange, on_delete=models.PROTECT, related_name="movements", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="movements")
    minutes = models.IntegerField()

    class Meta:
        ordering = ["exchange", "-minutes", "account"]
        constraints = [
            models.CheckConstraint(condition=~Q(minutes=0), name="timebank_movement_not_zero"),
            models.UniqueConstraint(
                fields=["exchange", "account"], name="timebank_movement_once_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account}: {Minutes(self.minutes)}"

    @property
    def minutes_display(self) -> Minutes:
        return Minutes(self.minutes)


class GiveInvitation(models.Model):
    """Someone who received help, invited to give back using the strengths on their record."""

    class Response(models.TextChoices):
        WAITING = "waiting", "Not answered yet"
        ACCEPTED = "accepted", "Joined to give"
        DECLINED = "declined", "Not now"

    bank = models.ForeignKey(TimeBank, on_delete=models.PROTECT, related_name="invitations")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="timebank_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)
    response = models.CharField(max_length=10, choices=Response.choices, default=Response.WAITING)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "person"],
                condition=Q(response="waiting"),
                name="timebank_one_open_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} invited to {self.bank}"
