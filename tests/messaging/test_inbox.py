"""The in-app inbox, now a messaging channel: notes for staff and their organisations, each
shown only where what it is about may be seen, marked read by whoever was shown them."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from keepwell.directory.models import ServiceCategory
from keepwell.messaging import inbox
from keepwell.messaging.models import Channel, Message, Preference, Status
from keepwell.referrals import services
from keepwell.referrals.models import Status as ReferralStatus
from tests.factories import PersonFactory
from tests.referrals.factories import ServiceFactory, refer


@pytest.fixture
def befriending(world):
    return ServiceFactory(
        organisation=world.mutual_aid,
        name="Friendly phone calls",
        category=ServiceCategory.SOCIAL,
    )


@pytest.fixture
def nora(world):
    """A Northgate patient of Priya's: Riverside's lead and deputy do not reach her."""
    return PersonFactory(
        given_name="Nora",
        family_name="North",
        area=world.northgate,
        postcode="WB3 1AB",
        gp_practice=world.practice,
    )


UNREAD_TAG = "1 new</span>"


def test_priya_reads_the_services_answer_in_her_inbox_and_it_leads_to_the_referral(
    as_user, world, befriending
):
    referral = refer(world, befriending)
    services.change_status(
        referral, ReferralStatus.ACCEPTED, by=world.sam, note="Ringing her on Monday"
    )
    priya = as_user(world.priya)

    html = priya.get(reverse("messaging:inbox")).content.decode()

    assert (
        "Wellbrook Mutual Aid accepted Margaret Evans (Friendly phone calls): Ringing her on Monday"
    ) in html
    assert f'href="{reverse("referrals:detail", kwargs={"referral_id": referral.pk})}"' in html
    assert "<strong>New</strong>" in html
    # The referrals pages count what she has not read, and link to the inbox.
    referrals_page = priya.get(reverse("referrals:inbox")).content.decode()
    assert UNREAD_TAG in referrals_page
    assert reverse("messaging:inbox") in referrals_page

    assert priya.post(reverse("messaging:inbox_read"))["Location"] == reverse("messaging:inbox")

    assert "<strong>New</strong>" not in priya.get(reverse("messaging:inbox")).content.decode()
    assert UNREAD_TAG not in priya.get(reverse("referrals:inbox")).content.decode()


def test_the_old_notifications_address_leads_to_the_inbox(as_user, world):
    response = as_user(world.priya).get("/referrals/notifications/?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/messaging/inbox/?page=2"


def test_the_service_and_the_referrer_share_one_note_each_with_their_colleagues(
    as_user, world, befriending
):
    referral = refer(world, befriending)
    # A new referral: Sam's group's inbox, so Ana (who leads Riverside, Margaret's area)
    # sees it too; Priya made it and hears nothing of it.
    for colleague in (world.sam, world.ana):
        [note] = inbox.notes_for(colleague)
        assert note.body == (
            "New referral for Margaret Evans to Friendly phone calls (Wellbrook Mutual Aid)"
        )
        assert note.organisation == world.mutual_aid
    assert not inbox.notes_for(world.priya).exists()
    # Sam answers: one note to Priya that her practice shares; Sam's group hears nothing back.
    services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)
    [note] = inbox.notes_for(world.priya)
    assert (note.user, note.organisation) == (world.priya, world.practice)
    assert [n.kind for n in inbox.notes_for(world.sam)] == ["referral_new"]


def test_an_area_lead_outside_the_referrals_reach_does_not_see_its_note(
    as_user, world, befriending, nora
):
    refer(world, befriending, person=nora)

    # Tom deputises for Riverside in Wellbrook Mutual Aid: the note is his group's, but Nora
    # lives in Northgate, so it is not his to see, count or mark read.
    assert not inbox.notes_for(world.tom).exists()
    assert inbox.unread_count(world.tom) == 0
    tom = as_user(world.tom)
    assert "Nora North" not in tom.get(reverse("messaging:inbox")).content.decode()
    tom.post(reverse("messaging:inbox_read"))

    # Sam holds the group's records: he sees it, still unread.
    [note] = inbox.notes_for(world.sam)
    assert "Nora North" in note.body and note.read_at is None
    assert inbox.unread_count(world.sam) == 1


def test_an_outsider_sees_nothing_of_another_groups_inbox(as_user, world, befriending):
    refer(world, befriending)
    html = as_user(world.olly).get(reverse("messaging:inbox")).content.decode()
    assert "Margaret Evans" not in html
    assert "Nothing yet" in html


def test_a_reason_typed_with_brackets_is_shown_as_typed(world, befriending):
    referral = refer(world, befriending)
    services.change_status(
        referral, ReferralStatus.DECLINED, by=world.sam, decline_reason="Full ((until May))"
    )
    [note] = inbox.notes_for(world.priya)
    assert note.body == (
        "Wellbrook Mutual Aid declined Margaret Evans (Friendly phone calls): Full ((until May))"
    )


def test_a_person_reads_the_inbox_notes_addressed_to_her_own_record(as_user, world):
    from keepwell.messaging.services import To, send

    # Margaret signs in to keepwell and asked for its inbox rather than texts or letters.
    Preference.objects.create(person=world.margaret_person, channels=["inbox"])
    send(
        event="story:inbox-person",
        kind="referral_update",
        to=[To(person=world.margaret_person)],
        purpose="care",
        channels=[Channel.INBOX],
        context={"url": "https://keepwell.example/referrals/"},
        about=("referral", 999),
    )
    html = as_user(world.margaret).get(reverse("messaging:inbox")).content.decode()
    assert "Hello Margaret, there is news about your referral" in html
    # Nobody else's inbox shows it.
    assert not inbox.notes_for(world.sam).exists()


def test_the_inbox_page_reads_in_the_same_number_of_queries_however_many_notes(
    as_user, world, befriending, count_queries
):
    def accepted_referral():
        referral = refer(world, befriending, person=PersonFactory(area=world.riverside))
        services.change_status(referral, ReferralStatus.ACCEPTED, by=world.sam)

    accepted_referral()
    priya = as_user(world.priya)
    priya.get(reverse("messaging:inbox"))  # the session and caches warmed
    one = count_queries(lambda: priya.get(reverse("messaging:inbox")))
    for _ in range(3):
        accepted_referral()
    four = count_queries(lambda: priya.get(reverse("messaging:inbox")))
    assert four == one
    assert len(priya.get(reverse("messaging:inbox")).context["page"].object_list) == 4


# --- The move from referrals' InboxItem ----------------------------------------------------


def _migration():
    return import_module("keepwell.messaging.migrations.0004_inbox_import_referral_notes")


class _HistoricalApps:
    """The models as the copy sees them: referrals' old notes (gone from the schema since),
    and messaging's outbox as it is."""

    def __init__(self, items):
        self.items = items

    def get_model(self, app_label, name):
        if (app_label, name) == ("referrals", "InboxItem"):
            items = self.items
            return SimpleNamespace(
                objects=SimpleNamespace(
                    order_by=lambda *_: SimpleNamespace(iterator=lambda **_: iter(items))
                )
            )
        return Message


def test_every_old_notification_is_copied_into_the_inbox_once(world, befriending):
    referral = refer(world, befriending)
    Message.objects.all().delete()
    then = timezone.now() - timezone.timedelta(days=30)
    old = [
        SimpleNamespace(
            pk=7,
            kind="status",
            message="Wellbrook Mutual Aid accepted Margaret Evans",
            referral_id=referral.pk,
            user_id=world.priya.pk,
            organisation_id=world.practice.pk,
            url="",
            created_at=then,
            read_at=then,
        ),
        SimpleNamespace(
            pk=8,
            kind="follow_up",
            message="Follow-up due: ask John Smith the wellbeing questions again",
            referral_id=None,
            user_id=None,
            organisation_id=world.mutual_aid.pk,
            url="/outcomes/people/3/record/?plan=1&weeks=8",
            created_at=then,
            read_at=None,
        ),
    ]
    apps = _HistoricalApps(old)

    _migration().copy_inbox(apps, None)
    _migration().copy_inbox(apps, None)  # run again: nothing more

    status, follow_up = Message.objects.order_by("idempotency_key")
    assert (status.idempotency_key, status.kind, status.channel) == (
        "inbox-import:7",
        "referral_status",
        Channel.INBOX,
    )
    assert (status.status, status.read_at, status.queued_at) == (Status.DELIVERED, then, then)
    assert (status.about_type, status.about_id) == ("referral", referral.pk)
    assert status.url == f"/referrals/{referral.pk}/"
    assert status.url == reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    # Priya still reads it, as read; Sam's group has the follow-up, unread.
    assert list(inbox.notes_for(world.priya)) == [status]
    assert (follow_up.kind, follow_up.about_type, follow_up.read_at) == ("follow_up_due", "", None)
    assert follow_up.url.startswith("/outcomes/people/3/record/")
    assert inbox.unread_count(world.sam) == 1
