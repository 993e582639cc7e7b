"""A person's conversation, and the texts waiting for a coordinator's answer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from keepwell.core.forms import Form, form_status
from keepwell.messaging import conversation
from keepwell.people.models import Person


class ReplyForm(Form):
    body = forms.CharField(
        label="Your reply",
        max_length=conversation.REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words. It goes by text message if texts reach them, otherwise by "
        "the way they prefer. Do not include anything they would not want others to read.",
    )
    language = forms.ChoiceField(label="Language you wrote it in")

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        spoken = [(lang.code, lang.name) for lang in person.languages.all() if lang.code != "en"]
        self.fields["language"].choices = [("en", "English"), *spoken]
        if spoken:
            self.fields["language"].initial = spoken[0][0]


def _person(request, person_id: int, perm: str) -> Person:
    person = get_object_or_404(Person.objects.current().prefetch_related("languages"), pk=person_id)
    if not request.user.has_perm(perm, person):
        raise PermissionDenied
    return person


@login_required
def person_conversation(request, person_id: int):
    person = _person(request, person_id, "messaging.view_conversation")
    may_reply = request.user.has_perm("messaging.reply", person)
    form = ReplyForm(request.POST or None, person=person) if may_reply else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            sent = conversation.reply(
                person,
                body=form.cleaned_data["body"],
                language=form.cleaned_data["language"],
                by=request.user,
            )
            if sent.messages:
                channel = sent.messages[0].get_channel_display().lower()
                messages.success(
                    request, f"Your reply to {person.full_name} is on its way ({channel})."
                )
            else:
                reason = sent.unreachable[0][1] if sent.unreachable else "no way to reach them"
                messages.warning(request, f"Your reply was not sent: {reason}.")
            return redirect("messaging:conversation", person_id=person.pk)
    entries = conversation.conversation_for(person, by=request.user)
    return render(
        request,
        "messaging/conversation.html",
        {
            "person": person,
            "entries": entries,
            "form": form,
            "retention_days": conversation.retention_days(),
        },
        status=form_status(form) if form is not None else 200,
    )


@login_required
def replies(request):
    if not request.user.has_perm("messaging.view_replies"):
        raise PermissionDenied
    page = Paginator(conversation.unanswered_replies(request.user), 50).get_page(
        request.GET.get("page")
    )
    conversation.list_replies(page.object_list, by=request.user)
    return render(request, "messaging/replies.html", {"page": page})
