"""How a message reaches a customer: the narrow interface every delivery channel implements.

The customer loop calls `CustomerChannel.send` once per message, inside the request's
transaction, and records the report it gets back as the message's delivery status. An
implementation must therefore answer quickly: one that cannot confirm delivery at once
hands the message over and reports SENT, or QUEUED when a worker sends it after the commit
(e-mail); refusing a message is a FAILED report with a reason, never an exception.
"""

import uuid
from collections import deque
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
        """Deliver or hand over `message`: DELIVERED, SENT, QUEUED, or FAILED with a reason."""
        ...


class InProcessChannel:
    """Delivers by recording: the default until a real channel is configured, and the one
    tests read. Keeps the most recent messages only."""

    def __init__(self, keep: int = 1000) -> None:
        self.delivered: deque[CustomerMessage] = deque(maxlen=keep)

    async def send(self, message: CustomerMessage) -> DeliveryReport:
        self.delivered.append(message)
        return DeliveryReport(DeliveryStatus.DELIVERED)


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
