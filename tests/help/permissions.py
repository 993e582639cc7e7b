"""Every mutual aid URL as every persona.

Margaret's request is run by Wellbrook Mutual Aid (Sam coordinates it) in Riverside (Ana
leads, Tom deputises). Jo volunteers for the group; Olly coordinates another town's group,
so he may open the lists and forms of his own group but nothing of Margaret's. Where the
group's concerns go is Sam's to decide (and the platform admin's): not the area's lead or
deputy, not Olly, not the practice.
"""

from __future__ import annotations

from keepwell.help import services
from keepwell.help.models import Authorisation, PublicRequest, RoutingRule
from tests.help.factories import make_request, make_routing, make_volunteer, need
from tests.permissions import OK, REDIRECT, SIGNED_IN_ONLY, Row

RUNS_HELP = {"alex": OK, "sam": OK, "ana": OK, "tom": OK, "olly": OK}
# Margaret's request: the platform admin, her group's coordinator, her area's lead and deputy.
RUNS_HERS = {"alex": OK, "sam": OK, "ana": OK, "tom": OK}
COORDINATORS = {"alex": OK, "sam": OK, "olly": OK}
MANAGES_JO = {"alex": OK, "sam": OK}
ROUTES_HER_GROUPS_CONCERNS = {"alex": OK, "sam": OK}


def _redirects(expect: dict) -> dict:
    return {name: REDIRECT for name in expect}


def _jo(world):
    return make_volunteer(
        world.mutual_aid,
        user=world.jo,
        first_name="Jo",
        home_postcode="WB2 1AE",
        checks=["id_check", "safeguarding_training"],
        skills=["shopping"],
    )


def _request(world):
    return make_request(
        world.margaret_person, "shopping", by=world.sam, organisation=world.mutual_aid
    )


def request_id(world):
    return {"request_id": _request(world).pk}


def task_id(world):
    return {"task_id": _request(world).tasks.get().pk}


def offered_to_jo(world):
    task = _request(world).tasks.get()
    services.offer_task(task, _jo(world), by=world.sam)
    return {"task_id": task.pk}


def held_by_jo(world):
    task = _request(world).tasks.get()
    services.assign_task(task, _jo(world), by=world.sam)
    return {"task_id": task.pk}


def jo_volunteer(world):
    return {"volunteer_id": _jo(world).pk}


def jo_authorisation(world):
    volunteer = _jo(world)
    auth = Authorisation.objects.create(volunteer=volunteer, kind="medicines")
    return {"volunteer_id": volunteer.pk, "authorisation_id": auth.pk}


def riverside(world):
    return {"slug": world.riverside.slug}


def mutual_aid(world):
    return {"slug": world.mutual_aid.slug}


def public_request(world):
    made = PublicRequest.objects.create(
        organisation=world.mutual_aid,
        given_name="Ivy",
        phone="01632 960555",
        postcode="WB2 1AB",
        area=world.riverside,
        need_type=need("shopping"),
        client_hash="x" * 64,
    )
    return {"public_id": made.pk}


def nhs_list(world):
    need("phone_check_in")
    batch = services.import_nhs_list(
        "given_name,family_name,phone,postcode\nIvy,Walker,01632 960555,WB2 1AX\n",
        filename="list.csv",
        organisation=world.mutual_aid,
        shared_by=world.practice,
        lawful_basis="public_task",
        sharing_basis="DSA-12",
        by=world.sam,
    )
    return {"list_id": batch.pk}


def concern(world):
    """Jo's concern about Margaret's health, sent to her GP practice (Priya)."""
    make_routing(world.mutual_aid, world.practice, gp_user=world.priya, lead_user=world.sam)
    task = _request(world).tasks.get()
    services.assign_task(task, _jo(world), by=world.sam)
    made = services.raise_concern(
        by=world.jo,
        person=world.margaret_person,
        task=task,
        kind="health_worse",
        urgent=False,
        details="Breathless on the stairs",
    )
    return {"concern_id": made.pk}


def _group_routing(world):
    return make_routing(world.mutual_aid, world.practice, gp_user=world.priya, lead_user=world.sam)


def routing_contact(world):
    """The practice's duty doctor, kept by Wellbrook Mutual Aid; nothing uses them yet."""
    duty, _ = _group_routing(world)
    return {"slug": world.mutual_aid.slug, "contact_id": duty.pk}


def routing_rule(world):
    _group_routing(world)
    rule = RoutingRule.objects.filter(organisation=world.mutual_aid).order_by("order").first()
    return {"slug": world.mutual_aid.slug, "rule_id": rule.pk}


CONCERN_READERS = {**RUNS_HERS, "priya": OK, "jo": OK}
CONCERN_ACTORS = {"alex": OK, "priya": OK, "sam": OK}

MATRIX = [
    Row("help:dashboard", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row("help:area_queue", expect={**SIGNED_IN_ONLY, **RUNS_HELP}, kwargs=riverside),
    Row("help:call", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row("help:requests", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row("help:request", expect={**SIGNED_IN_ONLY, **RUNS_HERS}, kwargs=request_id),
    Row(
        "help:request_merge",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(RUNS_HERS)},
        kwargs=request_id,
    ),
    Row(
        "help:request_not_duplicate",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(RUNS_HERS)},
        kwargs=request_id,
    ),
    Row(
        "help:request_cancel",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(RUNS_HERS)},
        kwargs=request_id,
        data=lambda w: {"reason": "Family is back"},
    ),
    Row("help:task_assign", expect={**SIGNED_IN_ONLY, **RUNS_HERS}, kwargs=task_id),
    # The public form needs no account.
    Row("help:ask_index", expect={}, default=OK),
    Row("help:ask", expect={}, default=OK, kwargs=mutual_aid),
    Row("help:ask", expect={}, default=OK, kwargs=mutual_aid, query="lang=pt"),
    Row("help:ask_done", expect={}, default=OK, kwargs=mutual_aid),
    Row("help:triage", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row(
        "help:triage_dismiss",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(RUNS_HERS)},
        kwargs=public_request,
        data=lambda w: {"reason": "Moved away"},
    ),
    Row("help:nhs_lists", expect={**SIGNED_IN_ONLY, **COORDINATORS}),
    # Olly may upload lists, but not open another group's.
    Row(
        "help:nhs_list",
        expect={**SIGNED_IN_ONLY, "alex": OK, "sam": OK, "olly": 404},
        kwargs=nhs_list,
    ),
    Row("help:volunteers", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row("help:volunteer_add", expect={**SIGNED_IN_ONLY, **COORDINATORS}),
    Row("help:expiring", expect={**SIGNED_IN_ONLY, **RUNS_HELP}),
    Row(
        "help:volunteer",
        expect={**SIGNED_IN_ONLY, **RUNS_HERS, "jo": OK},
        kwargs=jo_volunteer,
    ),
    Row("help:volunteer_edit", expect={**SIGNED_IN_ONLY, **MANAGES_JO}, kwargs=jo_volunteer),
    Row(
        "help:volunteer_status",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(MANAGES_JO)},
        kwargs=jo_volunteer,
        data=lambda w: {"status": "paused"},
    ),
    Row("help:check_add", expect={**SIGNED_IN_ONLY, **MANAGES_JO}, kwargs=jo_volunteer),
    Row("help:authorisation_add", expect={**SIGNED_IN_ONLY, **MANAGES_JO}, kwargs=jo_volunteer),
    Row(
        "help:authorisation_revoke",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(MANAGES_JO)},
        kwargs=jo_authorisation,
    ),
    # A platform admin (a Django superuser) passes every rule, including the volunteer's.
    Row("help:my_tasks", expect={**SIGNED_IN_ONLY, "alex": OK, "jo": OK}),
    Row("help:my_task", expect={**SIGNED_IN_ONLY, "alex": OK, "jo": OK}, kwargs=offered_to_jo),
    Row(
        "help:task_respond",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": REDIRECT, "jo": REDIRECT},
        kwargs=offered_to_jo,
        data=lambda w: {"action": "decline"},
    ),
    Row(
        "help:concern_raise",
        expect={**SIGNED_IN_ONLY, **RUNS_HERS, "jo": OK},
        kwargs=held_by_jo,
    ),
    Row(
        "help:concerns",
        expect={**SIGNED_IN_ONLY, **RUNS_HELP, "priya": OK, "jo": OK},
    ),
    Row("help:concern", expect={**SIGNED_IN_ONLY, **CONCERN_READERS}, kwargs=concern),
    Row(
        "help:concern_acknowledge",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(CONCERN_ACTORS)},
        kwargs=concern,
    ),
    Row(
        "help:concern_close",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(CONCERN_ACTORS)},
        kwargs=concern,
        data=lambda w: {"outcome": "GP phoned her"},
    ),
    # Where concerns go: every coordinator may open the list of their own groups; only the
    # group's coordinator (and the platform admin) may open or change the group's routing.
    Row("help:concern_routing_groups", expect={**SIGNED_IN_ONLY, **COORDINATORS}),
    Row(
        "help:concern_routing",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=mutual_aid,
    ),
    Row(
        "help:concern_contact_add",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=mutual_aid,
    ),
    Row(
        "help:concern_contact_edit",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=routing_contact,
    ),
    Row(
        "help:concern_contact_delete",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=routing_contact,
    ),
    Row(
        "help:concern_contact_delete",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(ROUTES_HER_GROUPS_CONCERNS)},
        kwargs=routing_contact,
    ),
    Row(
        "help:routing_rule_add",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=mutual_aid,
    ),
    # A rule for a named contact that names nobody: refused with the error summary.
    Row(
        "help:routing_rule_add",
        method="post",
        expect={**SIGNED_IN_ONLY, "alex": 400, "sam": 400},
        kwargs=mutual_aid,
        data=lambda w: {"order": "50", "kind": "any", "urgent": "either", "target": "contact"},
    ),
    Row(
        "help:routing_rule_edit",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=routing_rule,
    ),
    Row(
        "help:routing_rule_delete",
        expect={**SIGNED_IN_ONLY, **ROUTES_HER_GROUPS_CONCERNS},
        kwargs=routing_rule,
    ),
    Row(
        "help:routing_rule_delete",
        method="post",
        expect={**SIGNED_IN_ONLY, **_redirects(ROUTES_HER_GROUPS_CONCERNS)},
        kwargs=routing_rule,
    ),
]
