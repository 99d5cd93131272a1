"""Customer messages waiting for a channel's worker: which are due, leased to one sender."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Channel, CustomerContact
from app.loop.models import Audience, DeliveryStatus, LoopCommunication
from app.org.models import Organisation
from app.platform.db import table
from app.platform.i18n import Locale
from app.platform.mail import due_now, lease

communications = table(LoopCommunication)
lc = communications.c
_contacts = table(CustomerContact)
_organisations = table(Organisation)

# Why a message has no one to go to any more.
ERASED = "the customer contact was erased"


@dataclass(frozen=True, slots=True)
class DueMessage:
    org_id: uuid.UUID
    id: uuid.UUID
    message: str
    # Attempts made before this one.
    attempts: int
    name: str | None
    # None once the customer's contact was erased.
    address: str | None
    default_locale: Locale


async def claim_customer_messages(
    session: AsyncSession, channel: Channel, *, now: datetime, limit: int
) -> list[DueMessage]:
    """Up to `limit` queued messages to customers by `channel` that are due, leased to the
    caller, with the contact and the organisation's language."""
    cc, orgs = _contacts.c, _organisations.c
    due = (
        await session.execute(
            select(
                lc.org_id,
                lc.id,
                lc.message,
                lc.attempts,
                cc.name,
                cc.address,
                orgs.default_locale,
            )
            .join(_contacts, and_(cc.org_id == lc.org_id, cc.insight_id == lc.insight_id))
            .join(_organisations, orgs.id == lc.org_id)
            .where(
                lc.status == DeliveryStatus.QUEUED,
                lc.channel == channel,
                lc.audience == Audience.CUSTOMER,
                due_now(lc.next_attempt_at, now),
            )
            .order_by(lc.created_at)
            .limit(limit)
            .with_for_update(of=communications, skip_locked=True)
        )
    ).all()
    await lease(
        session,
        communications,
        [(r.org_id, r.id) for r in due],
        attempts=lc.attempts,
        next_at=lc.next_attempt_at,
        now=now,
    )
    return [DueMessage(*row) for row in due]
