"""Staff notifications by e-mail: the outbox of notifications waiting to be e-mailed, in the
person's own language."""

from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.notify.messages import render
from app.notify.models import EmailState, Notification
from app.org.models import Person
from app.platform.db import table
from app.platform.mail import Mail, OutgoingMail, due_now, lease

# A notification older than this is not e-mailed any more (SMTP was down or just configured):
# the app has it, and a late e-mail is noise.
MAX_AGE = timedelta(days=1)

notifications = table(Notification)
nc = notifications.c


class StaffNotices:
    """Notifications waiting to be e-mailed to the people they are for."""

    async def claim(
        self, session: AsyncSession, *, now: datetime, limit: int
    ) -> list[OutgoingMail]:
        await session.execute(
            update(notifications)
            .where(nc.email_state == EmailState.PENDING, nc.created_at < now - MAX_AGE)
            .values(
                email_state=EmailState.FAILED, email_error="too old to e-mail", email_next_at=None
            )
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
                .join(table(Person), and_(people.org_id == nc.org_id, people.id == nc.person_id))
                .where(nc.email_state == EmailState.PENDING, due_now(nc.email_next_at, now))
                .order_by(nc.created_at)
                .limit(limit)
                .with_for_update(of=notifications, skip_locked=True)
            )
        ).all()
        await lease(
            session,
            notifications,
            [(r.org_id, r.id) for r in staff],
            attempts=nc.email_attempts,
            next_at=nc.email_next_at,
            now=now,
        )
        claimed = []
        for row in staff:
            attempt = row.email_attempts + 1
            if not row.active:
                claimed.append(OutgoingMail(row.org_id, row.id, attempt, None, "the person left"))
                continue
            subject, body = render(row.kind, row.locale, row.data)
            claimed.append(
                OutgoingMail(row.org_id, row.id, attempt, Mail(row.email, subject, body))
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
                email_error=error[:500] if error else None,
                emailed_at=now if error is None else None,
            )
        )


async def forget_pending(session: AsyncSession) -> None:
    """Without SMTP nothing will be e-mailed: let the waiting notifications go, so that
    they do not pile up for a server configured later."""
    await session.execute(
        update(notifications)
        .where(nc.email_state == EmailState.PENDING)
        .values(email_state=None, email_next_at=None)
    )
