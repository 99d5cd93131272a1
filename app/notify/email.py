"""The e-mail outbox: staff notifications worth an e-mail, and customer messages queued for
e-mail. Both wait in their own tables (`email_state` on notifications, `status = 'queued'`
on loop communications); the task queue's workers claim them with SKIP LOCKED and a lease,
send through SMTP, and record the outcome, retrying with backoff."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Column, ColumnElement, and_, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.loop.models import Audience, Channel, CustomerContact, DeliveryStatus, LoopCommunication
from app.notify.messages import CUSTOMER_EMAIL, render
from app.notify.models import EmailState, Notification
from app.org.models import Organisation, Person
from app.platform import clock
from app.platform.db import table, transaction
from app.platform.mail import Mail, MailError, SmtpMailer

BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Held while one worker sends; past it, another worker may take the message again.
LEASE = timedelta(minutes=2)
# A notification older than this is not e-mailed any more (SMTP was down or just configured):
# the app has it, and a late e-mail is noise.
MAX_AGE = timedelta(days=1)
BATCH = 20

notifications = table(Notification)
nc = notifications.c
communications = table(LoopCommunication)
lc = communications.c


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    source: Literal["staff", "customer"]
    org_id: uuid.UUID
    id: uuid.UUID
    attempt: int
    mail: Mail | None
    # Why there is no mail to send: no one to send it to any more.
    unsendable: str | None = None


def _due(next_at: Column[Any], now: datetime) -> ColumnElement[bool]:
    return or_(next_at.is_(None), next_at <= now)


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[OutgoingMail]:
    """Take up to `limit` e-mails of each kind that are due, leased to the caller."""
    await session.execute(
        update(notifications)
        .where(nc.email_state == EmailState.PENDING, nc.created_at < now - MAX_AGE)
        .values(email_state=EmailState.FAILED, email_error="too old to e-mail", email_next_at=None)
    )
    people = table(Person).c
    staff = (
        await session.execute(
            select(
                nc.org_id,
                nc.id,
                nc.kind,
                nc.data,
                nc.email_attempts,
                people.email,
                people.locale,
                people.active,
            )
            .join(
                table(Person),
                and_(people.org_id == nc.org_id, people.id == nc.person_id),
            )
            .where(nc.email_state == EmailState.PENDING, _due(nc.email_next_at, now))
            .order_by(nc.created_at)
            .limit(limit)
            .with_for_update(of=notifications, skip_locked=True)
        )
    ).all()
    if staff:
        await session.execute(
            update(notifications)
            .where(tuple_(nc.org_id, nc.id).in_([(r.org_id, r.id) for r in staff]))
            .values(email_attempts=nc.email_attempts + 1, email_next_at=now + LEASE)
        )
    contacts = table(CustomerContact).c
    orgs = table(Organisation).c
    customers = (
        await session.execute(
            select(
                lc.org_id,
                lc.id,
                lc.message,
                lc.attempts,
                contacts.name,
                contacts.address,
                orgs.default_locale,
            )
            .join(
                table(CustomerContact),
                and_(contacts.org_id == lc.org_id, contacts.insight_id == lc.insight_id),
            )
            .join(table(Organisation), orgs.id == lc.org_id)
            .where(
                lc.status == DeliveryStatus.QUEUED,
                lc.channel == Channel.EMAIL,
                lc.audience == Audience.CUSTOMER,
                _due(lc.next_attempt_at, now),
            )
            .order_by(lc.created_at)
            .limit(limit)
            .with_for_update(of=communications, skip_locked=True)
        )
    ).all()
    if customers:
        await session.execute(
            update(communications)
            .where(tuple_(lc.org_id, lc.id).in_([(r.org_id, r.id) for r in customers]))
            .values(attempts=lc.attempts + 1, next_attempt_at=now + LEASE)
        )
    claimed = []
    for row in staff:
        attempt = row.email_attempts + 1
        if not row.active:
            claimed.append(
                OutgoingMail("staff", row.org_id, row.id, attempt, None, "the person left")
            )
            continue
        subject, body = render(row.kind, row.locale, row.data)
        mail = Mail(row.email, subject, body)
        claimed.append(OutgoingMail("staff", row.org_id, row.id, attempt, mail))
    for comm in customers:
        if comm.address is None:
            reason = "the customer contact was erased"
            claimed.append(
                OutgoingMail("customer", comm.org_id, comm.id, comm.attempts + 1, None, reason)
            )
            continue
        subject, template = CUSTOMER_EMAIL[comm.default_locale]
        mail = Mail(comm.address, subject, template.format(name=comm.name, message=comm.message))
        claimed.append(OutgoingMail("customer", comm.org_id, comm.id, comm.attempts + 1, mail))
    return claimed


async def forget_pending(session: AsyncSession) -> None:
    """Without SMTP nothing will be e-mailed: let the waiting notifications go, so that
    they do not pile up for a server configured later."""
    await session.execute(
        update(notifications)
        .where(nc.email_state == EmailState.PENDING)
        .values(email_state=None, email_next_at=None)
    )


async def record(
    session: AsyncSession, outgoing: OutgoingMail, error: str | None, *, now: datetime
) -> None:
    """Store the outcome: sent; or failed, retried after the backoff until the last attempt.
    A message with no one to send to fails at once."""
    retry_at = None
    if error is not None and outgoing.mail is not None and outgoing.attempt < MAX_ATTEMPTS:
        retry_at = now + BACKOFF[outgoing.attempt - 1]
    reason = error[:500] if error else None
    if outgoing.source == "staff":
        state = (
            EmailState.SENT
            if error is None
            else EmailState.PENDING
            if retry_at
            else EmailState.FAILED
        )
        await session.execute(
            update(notifications)
            .where(nc.org_id == outgoing.org_id, nc.id == outgoing.id)
            .values(
                email_state=state,
                email_next_at=retry_at,
                email_error=reason,
                emailed_at=now if error is None else None,
            )
        )
        return
    if error is None:
        values: dict[str, object] = {"status": DeliveryStatus.SENT, "sent_at": now}
    elif retry_at is not None:
        values = {"failure_reason": reason}
    else:
        values = {"status": DeliveryStatus.FAILED, "failed_at": now, "failure_reason": reason}
    await session.execute(
        update(communications)
        .where(lc.org_id == outgoing.org_id, lc.id == outgoing.id)
        .values(next_attempt_at=retry_at, **values)
    )


async def send_round(sessions: async_sessionmaker[AsyncSession], mailer: SmtpMailer) -> int:
    """Send every e-mail that is due, each outcome in its own transaction. Returns the
    attempts made."""
    made = 0
    while True:
        async with transaction(sessions) as session:
            claimed = await claim_due(session, now=clock.now(), limit=BATCH)
        for outgoing in claimed:
            error = outgoing.unsendable
            if outgoing.mail is not None:
                try:
                    await mailer.send(outgoing.mail)
                except MailError as failed:
                    error = str(failed)
            async with transaction(sessions) as session:
                await record(session, outgoing, error, now=clock.now())
        made += len(claimed)
        # Both kinds short of a batch: nothing else is due.
        if len(claimed) < BATCH:
            return made
