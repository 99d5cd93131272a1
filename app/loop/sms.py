"""The customer loop by SMS: messages to customers whose contact channel is SMS, sent by the
workers through the configured gateway, with the e-mail round's leases and retries."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights.models import Channel, CustomerContact
from app.loop.models import DeliveryStatus
from app.loop.outbox import ERASED, claim_customer_messages, communications, lc
from app.notify.messages import CUSTOMER_SMS
from app.platform import clock
from app.platform.db import table, transaction
from app.platform.mail import BATCH, next_attempt
from app.platform.sms import Sms, SmsError, SmsGateway

contacts = table(CustomerContact)
_SEPARATORS = re.compile(r"[ ()-]")


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    """A customer message leased to this worker: the text to send, or why none can be."""

    org_id: uuid.UUID
    id: uuid.UUID
    attempt: int
    sms: Sms | None
    unsendable: str | None = None


async def claim(session: AsyncSession, *, now: datetime, limit: int) -> list[OutgoingSms]:
    """Lease the queued SMS messages that are due, in the organisation's language."""
    due = await claim_customer_messages(session, Channel.SMS, now=now, limit=limit)
    claimed = []
    for row in due:
        attempt = row.attempts + 1
        if row.address is None:
            claimed.append(OutgoingSms(row.org_id, row.id, attempt, None, ERASED))
            continue
        text = CUSTOMER_SMS[row.default_locale].format(name=row.name, message=row.message)
        sms = Sms(to=_SEPARATORS.sub("", row.address), text=text, reference=str(row.id))
        claimed.append(OutgoingSms(row.org_id, row.id, attempt, sms))
    return claimed


async def record(
    session: AsyncSession,
    outgoing: OutgoingSms,
    *,
    delivered: bool,
    error: SmsError | None,
    now: datetime,
) -> None:
    """Record what became of one attempt: sent (or delivered, when the gateway says so, which
    tells the customer's loop), retried after a passing failure, or failed for good."""
    reason = outgoing.unsendable or (str(error)[:500] if error is not None else None)
    retry_at = None
    if error is not None and not error.final:
        retry_at = next_attempt(outgoing.attempt, now)
    if reason is None:
        values: dict[str, object] = {"status": DeliveryStatus.SENT, "sent_at": now}
        if delivered:
            values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif retry_at is not None:
        values = {"failure_reason": reason}
    else:
        values = {"status": DeliveryStatus.FAILED, "failed_at": now, "failure_reason": reason}
    insight_id = await session.scalar(
        update(communications)
        .where(lc.org_id == outgoing.org_id, lc.id == outgoing.id)
        .values(next_attempt_at=retry_at, **values)
        .returning(lc.insight_id)
    )
    if delivered and reason is None:
        cc = contacts.c
        await session.execute(
            update(contacts)
            .where(cc.org_id == outgoing.org_id, cc.insight_id == insight_id, cc.told_at.is_(None))
            .values(told_at=now)
        )


async def send_round(sessions: async_sessionmaker[AsyncSession], gateway: SmsGateway) -> int:
    """Send every customer SMS that is due, each outcome in its own transaction. Returns the
    attempts made."""
    made = 0
    while True:
        async with transaction(sessions) as session:
            claimed = await claim(session, now=clock.now(), limit=BATCH)
        for outgoing in claimed:
            delivered, error = False, None
            if outgoing.sms is not None:
                try:
                    delivered = await gateway.send(outgoing.sms)
                except SmsError as failed:
                    error = failed
            async with transaction(sessions) as session:
                await record(session, outgoing, delivered=delivered, error=error, now=clock.now())
        made += len(claimed)
        if len(claimed) < BATCH:
            return made
