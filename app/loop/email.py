"""The customer loop by e-mail: messages to customers whose contact channel is e-mail, sent by
the workers with the staff notifications."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.insights.models import Channel
from app.loop.models import DeliveryStatus
from app.loop.outbox import ERASED, claim_customer_messages, communications, lc
from app.notify.email import StaffNotices
from app.notify.messages import CUSTOMER_EMAIL
from app.platform import mail
from app.platform.mail import Mail, Outbox, OutgoingMail, SmtpMailer


class CustomerMessages:
    """Messages to customers waiting to be e-mailed, in the organisation's language."""

    async def claim(
        self, session: AsyncSession, *, now: datetime, limit: int
    ) -> list[OutgoingMail]:
        customers = await claim_customer_messages(session, Channel.EMAIL, now=now, limit=limit)
        claimed = []
        for comm in customers:
            attempt = comm.attempts + 1
            if comm.address is None:
                claimed.append(OutgoingMail(comm.org_id, comm.id, attempt, None, ERASED))
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
