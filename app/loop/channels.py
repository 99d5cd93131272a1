"""How a message reaches a customer: the narrow interface every delivery channel implements.

The customer loop calls `CustomerChannel.send` once per message, inside the request's
transaction, and records the report it gets back as the message's delivery status. An
implementation must therefore answer quickly: one that cannot confirm delivery at once
hands the message over and reports SENT, or QUEUED when a worker sends it after the commit
(e-mail, SMS), or AWAITING_PERSON when no channel can send it and a person must reach the
customer; refusing a message is a FAILED report with a reason, never an exception.
"""

import uuid
from dataclasses import dataclass
from typing import Protocol

from app.insights.models import Channel
from app.loop.models import DeliveryStatus


@dataclass(frozen=True, slots=True)
class CustomerMessage:
    communication_id: uuid.UUID
    org_id: uuid.UUID
    channel: Channel
    name: str
    address: str
    text: str


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    status: DeliveryStatus
    reason: str | None = None


class CustomerChannel(Protocol):
    async def send(self, message: CustomerMessage) -> DeliveryReport:
        """Deliver or hand over `message`: DELIVERED, SENT, QUEUED, AWAITING_PERSON, or FAILED
        with a reason."""
        ...


class ByPerson:
    """The channel when nothing can send: every message awaits a person, who reaches the
    customer (calls them, writes to them) and marks it delivered. The only channel for
    phone contacts; nothing is recorded as delivered that was not."""

    async def send(self, message: CustomerMessage) -> DeliveryReport:
        return DeliveryReport(DeliveryStatus.AWAITING_PERSON)


class EmailChannel:
    """E-mail through SMTP, when it is configured: an e-mail contact's message is queued, and
    the e-mail worker sends it (SENT, or FAILED after its retries). Contacts on other channels
    go to `others`."""

    def __init__(self, others: CustomerChannel) -> None:
        self.others = others

    async def send(self, message: CustomerMessage) -> DeliveryReport:
        if message.channel is Channel.EMAIL:
            return DeliveryReport(DeliveryStatus.QUEUED)
        return await self.others.send(message)


class SmsChannel:
    """SMS through the HTTP gateway, when one is configured: an SMS contact's message is
    queued, and the SMS worker sends it (SENT or DELIVERED as the gateway reports, or FAILED
    after its retries). Contacts on other channels go to `others`."""

    def __init__(self, others: CustomerChannel) -> None:
        self.others = others

    async def send(self, message: CustomerMessage) -> DeliveryReport:
        if message.channel is Channel.SMS:
            return DeliveryReport(DeliveryStatus.QUEUED)
        return await self.others.send(message)


def channel_from(*, email: bool, sms: bool) -> CustomerChannel:
    """The channel of a platform with SMTP (`email`) and an SMS gateway (`sms`) configured
    or not; what none of them sends awaits a person."""
    channel: CustomerChannel = ByPerson()
    if sms:
        channel = SmsChannel(others=channel)
    if email:
        channel = EmailChannel(others=channel)
    return channel
