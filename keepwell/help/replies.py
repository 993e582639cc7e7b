"""A volunteer's text answering a task offer (YES or NO), as messaging hands it over.

Announced in ``HelpConfig.message_answers``; messaging calls it with the task the offer was
about and the person who texted, so it never reaches into mutual aid's tables itself.
"""

from __future__ import annotations

from keepwell.help.models import Task, Volunteer
from keepwell.help.services import HelpError, accept_offer, decline_offer
from keepwell.messaging.inbound import AnswerRefused


def answer_offer(task_id: int, person, yes: bool, *, phone: str = "") -> str:
    """Accept or decline the offer of task ``task_id`` for the volunteer who is ``person``
    (or, with no person record, whose mobile is ``phone``); returns what happened in words,
    or raises AnswerRefused with words to text back."""
    volunteers = Volunteer.objects.select_related("user")
    if person is not None:
        volunteer = volunteers.filter(user__person=person).first()
    else:
        volunteer = volunteers.filter(phone=phone).first() if phone else None
    task = Task.objects.filter(pk=task_id).first()
    if volunteer is None or task is None:
        raise AnswerRefused("Sorry, that task is no longer available.")
    if not yes:
        try:
            decline_offer(task, volunteer, by=volunteer.user, via="sms")
        except HelpError:
            return f"{volunteer} said no to task {task.pk}, no longer offered to them"
        return f"{volunteer} declined task {task.pk} by text"
    try:
        accept_offer(task, volunteer, by=volunteer.user, via="sms")
    except HelpError:
        # Taken by someone else, withdrawn, or they no longer meet its checks: the task
        # itself is unchanged, and they are thanked either way.
        raise AnswerRefused(
            "Sorry, someone else has taken that task, or it is no longer needed."
        ) from None
    return f"{volunteer} accepted task {task.pk} by text"
