"""Rules of telling people what happened."""

from collections.abc import Sequence

from app.insights.models import CustomerContact, InsightStatus
from app.loop.models import DeliveryStatus
from app.platform.errors import Conflict


def require_not_merged(status: InsightStatus) -> None:
    if status is InsightStatus.MERGED:
        raise Conflict(
            "The insight was merged into another: answer that one, and its reporter is told.",
            code="insight_merged",
        )


def reachable(contacts: Sequence[CustomerContact]) -> list[CustomerContact]:
    """The contacts a customer message can go to; 409 `no_customer_contact` without any, and
    409 `customer_contact_erased` when every one was erased on request."""
    if not contacts:
        raise Conflict("No customer contact is on record.", code="no_customer_contact")
    live = [c for c in contacts if c.erased_at is None]
    if not live:
        raise Conflict(
            "The customer's contact was erased on request: they cannot be told.",
            code="customer_contact_erased",
        )
    return live


def require_awaiting_person(status: DeliveryStatus) -> None:
    """Only a message no channel could send is marked delivered by hand: one a channel is
    sending reports its own fate, and a failed one is told again."""
    if status is not DeliveryStatus.AWAITING_PERSON:
        raise Conflict(
            "The message does not await a person: its channel reports its delivery.",
            code="not_awaiting_person",
        )
