"""Stories about where a group's concerns go: Sam, who coordinates Wellbrook Mutual Aid,
keeps the group's contacts and the rules that choose between them, and what Jo reports at a
door then reaches the person Sam chose. No contact a concern was sent to is ever lost."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from keepwell.audit.models import AuditEvent
from keepwell.directory.models import OrganisationKind
from keepwell.help import services
from keepwell.help.models import Concern, ConcernContact, RoutingRule
from keepwell.messaging.models import Channel, Message
from tests.factories import OrganisationFactory, UserFactory
from tests.help.factories import make_request, make_routing


@pytest.fixture
def council(world):
    return OrganisationFactory(name="Wellbrook Borough Council", kind=OrganisationKind.COUNCIL)


@pytest.fixture
def held_task(world, jo_volunteer):
    request = make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )
    task = request.tasks.get()
    services.assign_task(task, jo_volunteer, by=world.sam)
    return task


def _url(name: str, world, **kwargs) -> str:
    return reverse(f"help:{name}", kwargs={"slug": world.mutual_aid.slug, **kwargs})


def _contact_data(organisation, **extra) -> dict:
    data = {
        "name": "Adult social care duty team",
        "organisation": organisation.pk,
        "email": "adults@council.example",
        "phone": "01632 960100",
        "is_active": "on",
    }
    data.update(extra)
    return data


def _rule_data(**extra) -> dict:
    data = {"order": "10", "kind": "any", "urgent": "either", "target": "contact"}
    data.update(extra)
    return data


def _council_contact(world, council, **fields) -> ConcernContact:
    return services.add_concern_contact(
        world.mutual_aid,
        by=world.sam,
        name=fields.pop("name", "Adult social care duty team"),
        organisation=council,
        email=fields.pop("email", "adults@council.example"),
        **fields,
    )


def _raise(world, task, kind="safeguarding", urgent=False) -> Concern:
    return services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        task=task,
        kind=kind,
        urgent=urgent,
        details="Bruises on her arms; a new lodger answers the door",
    )


def test_sam_sends_safeguarding_concerns_to_the_council_and_jos_concern_reaches_them(
    world, council, held_task, as_user
):
    cara = UserFactory(username="cara", display_name="Cara Council", email="cara@council.example")
    sam = as_user(world.sam)
    concerns = sam.get(reverse("help:concerns")).content.decode()
    assert f'href="{_url("concern_routing", world)}"' in concerns  # "Where concerns go"

    added = sam.post(
        _url("concern_contact_add", world),
        _contact_data(council, account="cara@council.example"),
    )
    assert added.status_code == 302 and added["Location"] == _url("concern_routing", world)
    contact = ConcernContact.objects.get(name="Adult social care duty team")
    assert (contact.group, contact.organisation, contact.user) == (world.mutual_aid, council, cara)
    assert contact.is_active

    ruled = sam.post(
        _url("routing_rule_add", world),
        _rule_data(kind="safeguarding", contact=contact.pk),
    )
    assert ruled.status_code == 302
    rule = RoutingRule.objects.get(organisation=world.mutual_aid)
    assert (rule.kind, rule.urgent, rule.target, rule.contact) == (
        "safeguarding",
        None,
        "contact",
        contact,
    )
    page = sam.get(_url("concern_routing", world)).content.decode()
    assert "Safeguarding" in page and "Adult social care duty team" in page
    assert "Wellbrook Borough Council" in page and "Cara Council" in page

    # Jo reports what she saw at Margaret's door, on the page volunteers use.
    jo = as_user(world.jo)
    sent = jo.post(
        reverse("help:concern_raise", kwargs={"task_id": held_task.pk}),
        {"kind": "safeguarding", "urgent": "on", "details": "Bruises on her arms"},
    )
    assert sent.status_code == 302
    concern = Concern.objects.get()
    assert concern.routed_to == contact
    # Urgent, but their number is a landline: the council's duty team gets the email (a link
    # only), and Cara the note in her keepwell inbox.
    to_council = Message.objects.filter(kind="concern_routed", audience="contact")
    assert {(m.channel, m.to or m.user.username) for m in to_council} == {
        (Channel.EMAIL, "adults@council.example"),
        (Channel.INBOX, "cara"),
    }
    # Cara, linked to the contact, sees and can act on it in keepwell.
    cara_client = as_user(cara)
    detail = cara_client.get(reverse("help:concern", kwargs={"concern_id": concern.pk}))
    assert detail.status_code == 200 and "Acknowledge" in detail.content.decode()
    assert AuditEvent.objects.filter(
        actor=world.sam, object_type="help.routingrule", action="create"
    ).exists()


@pytest.mark.parametrize(
    ("target", "with_contact", "message"),
    [
        ("contact", False, "Choose the contact to send these concerns to"),
        ("gp_practice", True, "Leave the contact empty when concerns go to the person"),
    ],
)
def test_a_rule_whose_contact_does_not_match_its_target_shows_the_error_summary_and_saves_nothing(
    world, council, as_user, target, with_contact, message
):
    contact = _council_contact(world, council)
    data = _rule_data(target=target)
    if with_contact:
        data["contact"] = contact.pk
    response = as_user(world.sam).post(_url("routing_rule_add", world), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "nhsuk-error-summary" in html and "There is a problem" in html
    assert message in html
    assert 'href="#id_contact"' in html  # the summary links to the field
    assert not RoutingRule.objects.exists()


def test_a_rule_cannot_send_concerns_to_a_contact_who_is_not_active(world, council, as_user):
    contact = _council_contact(world, council, is_active=False)
    response = as_user(world.sam).post(
        _url("routing_rule_add", world), _rule_data(contact=contact.pk)
    )
    assert response.status_code == 400
    assert "Choose one of this group&#x27;s active contacts" in response.content.decode()
    with pytest.raises(services.RoutingProblems, match="is not active"):
        services.add_routing_rule(
            world.mutual_aid, by=world.sam, order=10, target="contact", contact=contact
        )
    assert not RoutingRule.objects.exists()


def test_a_contact_a_concern_was_sent_to_is_made_inactive_not_deleted_and_routing_passes_over_them(
    world, council, held_task, as_user
):
    _, lead = make_routing(world.mutual_aid, world.practice, lead_user=world.sam)
    council_team = _council_contact(world, council)
    services.add_routing_rule(
        world.mutual_aid,
        by=world.sam,
        order=5,
        kind="safeguarding",
        target="contact",
        contact=council_team,
    )
    first = _raise(world, held_task)
    assert first.routed_to == council_team

    sam = as_user(world.sam)
    delete_url = _url("concern_contact_delete", world, contact_id=council_team.pk)
    asked = sam.get(delete_url).content.decode()
    assert "cannot be deleted" in asked and "1 concern was sent to them" in asked
    assert 'type="submit">Delete<' not in asked
    refused = sam.post(delete_url, follow=True)
    assert "cannot be deleted" in refused.content.decode()
    assert ConcernContact.objects.filter(pk=council_team.pk).exists()

    edit_url = _url("concern_contact_edit", world, contact_id=council_team.pk)
    unticked = _contact_data(council)
    del unticked["is_active"]  # Sam unticks "Active"
    saved = sam.post(edit_url, unticked)
    assert saved.status_code == 302
    council_team.refresh_from_db()
    assert not council_team.is_active

    page = sam.get(_url("concern_routing", world)).content.decode()
    assert "Passed over: Adult social care duty team is not active" in page
    # The next safeguarding concern goes to the next rule that fits: the safeguarding lead.
    assert _raise(world, held_task).routed_to == lead
    first.refresh_from_db()
    assert first.routed_to == council_team  # what happened before is kept


def test_a_contact_nobody_has_used_can_be_deleted_and_so_can_a_rule(world, council, as_user):
    contact = _council_contact(world, council)
    rule = services.add_routing_rule(
        world.mutual_aid, by=world.sam, order=10, target="contact", contact=contact
    )
    sam = as_user(world.sam)
    # While a rule names them they stay: the rule would silently go with them.
    assert "Rule 10 sends concerns to them" in (
        sam.get(_url("concern_contact_delete", world, contact_id=contact.pk)).content.decode()
    )
    assert sam.post(_url("routing_rule_delete", world, rule_id=rule.pk)).status_code == 302
    assert sam.post(_url("concern_contact_delete", world, contact_id=contact.pk)).status_code == 302
    assert not RoutingRule.objects.exists() and not ConcernContact.objects.exists()


def test_an_overdue_concern_is_not_escalated_to_a_contact_who_is_no_longer_active(world, held_task):
    duty, lead = make_routing(world.mutual_aid, world.practice, lead_user=world.sam)
    concern = _raise(world, held_task, kind="health_worse")
    assert concern.routed_to == duty
    services.update_concern_contact(lead, by=world.sam, is_active=False)
    assert services.escalate_overdue_concerns(concern.routed_at + timedelta(hours=5)) == 1
    concern.refresh_from_db()
    assert concern.routed_to == duty and concern.escalations == 1


def test_the_routing_page_costs_the_same_queries_however_many_rules(
    world, council, as_user, count_queries, django_assert_max_num_queries
):
    make_routing(world.mutual_aid, world.practice, lead_user=world.sam)
    client = as_user(world.sam)
    url = _url("concern_routing", world)

    def load():
        assert client.get(url).status_code == 200

    load()  # once to warm the caches every page shares
    few = count_queries(load)
    for n in range(12):
        contact = _council_contact(
            world, council, name=f"Team {n}", email=f"team{n}@council.example"
        )
        services.add_routing_rule(
            world.mutual_aid, by=world.sam, order=100 + n, target="contact", contact=contact
        )
    assert count_queries(load) == few
    with django_assert_max_num_queries(15):
        load()


def test_olly_cannot_reach_wellbrooks_contacts_through_his_own_group(world, council, as_user):
    contact = _council_contact(world, council)
    olly = as_user(world.olly)
    mine = reverse(
        "help:concern_contact_edit",
        kwargs={"slug": world.other_group.slug, "contact_id": contact.pk},
    )
    assert olly.get(mine).status_code == 404
    assert olly.get(_url("concern_routing", world)).status_code == 403
    assert (
        olly.get(
            reverse("help:concern_routing", kwargs={"slug": world.other_group.slug})
        ).status_code
        == 200
    )


def test_a_contact_must_be_someone_keepwell_can_tell(world, council, as_user):
    response = as_user(world.sam).post(
        _url("concern_contact_add", world),
        _contact_data(council, email="", account="nobody-by-this-name"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "No keepwell account has that username or email address" in html
    response = as_user(world.sam).post(
        _url("concern_contact_add", world), _contact_data(council, email="")
    )
    assert response.status_code == 400
    assert "Enter an email address or their keepwell account" in response.content.decode()
    assert not ConcernContact.objects.exists()


def test_existing_contacts_are_kept_by_the_group_whose_rules_reach_them(world, council):
    """The migration that brought in ``group`` gives every contact in use to its group."""
    duty, lead = make_routing(world.mutual_aid, world.practice)
    shared = ConcernContact.objects.create(name="Council team", organisation=council)
    RoutingRule.objects.create(
        organisation=world.mutual_aid, order=40, target="contact", contact=shared
    )
    stray = ConcernContact.objects.create(name="Nobody's", organisation=council)
    ConcernContact.objects.update(group=None)
    migration = import_module("keepwell.help.migrations.0004_concern_contacts_kept_by_a_group")
    migration.keep_with_their_group(apps, None)
    groups = dict(ConcernContact.objects.values_list("pk", "group"))
    assert groups[lead.pk] == groups[duty.pk] == groups[shared.pk] == world.mutual_aid.pk
    assert groups[stray.pk] is None


def test_the_demo_groups_page_shows_the_contacts_and_rules_it_loads(db, as_user):
    from keepwell.accounts.models import User
    from keepwell.demo.place import load_demo

    load_demo()
    rules = list(RoutingRule.objects.select_related("organisation"))
    group = rules[0].organisation
    client = as_user(User.objects.get(username="coordinator"))
    concerns = client.get(reverse("help:concerns")).content.decode()
    page_url = reverse("help:concern_routing", kwargs={"slug": group.slug})
    assert f'href="{page_url}"' in concerns
    html = client.get(page_url).content.decode()
    contacts = ConcernContact.objects.all()
    assert len(rules) == 4 and contacts.count() == 4
    for contact in contacts:
        assert contact.group == group
        edit = reverse(
            "help:concern_contact_edit", kwargs={"slug": group.slug, "contact_id": contact.pk}
        )
        assert contact.name in html and f'href="{edit}"' in html
    for rule in rules:
        edit = reverse("help:routing_rule_edit", kwargs={"slug": group.slug, "rule_id": rule.pk})
        assert f'href="{edit}"' in html


def test_the_page_warns_of_a_rule_never_used_and_of_concerns_no_rule_is_sure_to_send(
    world, council, as_user
):
    team = _council_contact(world, council)
    services.add_routing_rule(
        world.mutual_aid,
        by=world.sam,
        order=10,
        kind="no_food",
        urgent=True,
        target="contact",
        contact=team,
    )
    services.add_routing_rule(
        world.mutual_aid,
        by=world.sam,
        order=20,
        kind="no_food",
        urgent=True,
        target="contact",
        contact=team,
    )
    services.add_routing_rule(world.mutual_aid, by=world.sam, order=30, target="gp_practice")
    html = as_user(world.sam).get(_url("concern_routing", world)).content.decode()
    assert html.count("Never used: the rules above already send every concern it fits") == 1
    # A GP practice rule is passed over when the practice has no active contact.
    assert "These concerns are not sure to reach a named contact: Health getting worse" in html
    assert "No food (not urgent)" in html
    assert "No GP practice has an active contact yet" in html
