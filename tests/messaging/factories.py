"""Factories for messaging: outbox rows as they are after sending, and hand-logged channels."""

from __future__ import annotations

import factory
from django.utils import timezone

from keepwell.messaging.models import Channel, HandChannel, HandLog, Message, Purpose, Status
from tests.factories import PersonFactory, UserFactory


class MessageFactory(factory.django.DjangoModelFactory):
    """A text about someone's own help, delivered; pass ``status``, ``channel``... to vary."""

    class Meta:
        model = Message

    idempotency_key = factory.Sequence(lambda n: f"test-event-{n}:person:sms")
    event = factory.Sequence(lambda n: f"test-event-{n}")
    kind = "referral_update"
    purpose = Purpose.CARE
    channel = Channel.SMS
    person = factory.SubFactory(PersonFactory)
    to = "+447700900123"
    audience = "person"
    language = "en"
    body = "Your referral has been accepted."
    status = Status.DELIVERED
    queued_at = factory.LazyFunction(timezone.now)
    provider = "fake"


class HandLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HandLog

    channel = HandChannel.LEAFLET
    happened_on = factory.LazyFunction(lambda: timezone.localdate())
    reach = 500
    logged_by = factory.SubFactory(UserFactory)
