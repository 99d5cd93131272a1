"""The customer loop by e-mail: messages to customers whose contact channel is e-mail, sent by
the workers with the staff notifications."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights.models import Channel, CustomerContact
from app.loop.models import Audience, DeliveryStatus, LoopCommunication
from app.notify.email import StaffNotices
from app.notify.messages import CUSTOMER_EMAIL
from app.org.models import Organisation
from app.platform import mail
from app.platform.db import table
from app.platform.mail import Mail, Outbox, OutgoingMail, SmtpMailer, due_now, lease

communications = table(LoopCommunication)
lc = communications.c


class CustomerMessages:
    """Messages to customers waiting to be e-mailed, in the organisation's language."""

    async def claim(
        self, session: AsyncSession, *, now: datetime, limit: int
    ) -> list[OutgoingMail]:
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
            [(r.org_id, r.id) for r in customers],
            attempts=lc.attempts,
            next_at=lc.next_attempt_at,
            now=now,
        )
        claimed = []
        for comm in customers:
            attempt = comm.attempts + 1
            if comm.address is None:
                reason = "the customer contact was erased"
                claimed.append(OutgoingMail(comm.org_id, comm.id, attempt, None, reason))
                continue
            subject, template = CUSTOMER_EMAIL[comm.default_locale]
            body = template.format(name=comm.name, message=comm.message)
            claimed.append(
                OutgoingMail(comm.org_id, comm.id, attempt, Mail(comm.address, subject, body))
            )
        return claimed

    async def record(
        self,
        session: AsyncSession,
        outgoing: OutgoingMail,
        error: str | None,
        *,
        retry_at: datetime | None,
        now: datetime,
    ) -> None:
        reason = error[:500] if error else None
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


OUTBOXES: Sequence[Outbox] = (StaffNotices(), CustomerMessages())


async def send_round(sessions: async_sessionmaker[AsyncSession], mailer: SmtpMailer) -> int:
    """Send every e-mail that is due, staff notices and customer messages alike. Returns the
    attempts made."""
    return await mail.send_round(sessions, mailer, OUTBOXES)
