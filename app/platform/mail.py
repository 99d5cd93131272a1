"""Sending e-mail through the configured SMTP server, from outboxes that lease what is due
and record what became of it, with retries."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib
from sqlalchemy import Column, ColumnElement, Table, or_, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform import clock
from app.platform.db import transaction
from app.platform.settings import Settings

TIMEOUT_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    subject: str
    body: str


class MailError(Exception):
    """The server refused the message or could not be reached; worth another attempt."""


@dataclass(frozen=True, slots=True)
class SmtpMailer:
    host: str
    port: int
    sender: str
    username: str | None
    password: str | None
    starttls: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpMailer | None":
        """The configured mailer, or None when no SMTP host is set."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )

    async def send(self, mail: Mail) -> None:
        """Hand `mail` to the server; raises `MailError` when it is not accepted."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as failed:
            raise MailError(f"{type(failed).__name__}: {failed}") from failed


def due_now(next_at: Column[Any], now: datetime) -> ColumnElement[bool]:
    """A message is due when it has no next attempt set, or that moment has come."""
    return or_(next_at.is_(None), next_at <= now)


# Between attempts at one message; after the last, it has failed for good.
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# Held while one worker sends; past it, another worker may take the message again.
LEASE = timedelta(minutes=2)
BATCH = 20


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    """One message an outbox handed out to send, leased to the sender."""

    org_id: uuid.UUID
    id: uuid.UUID
    attempt: int
    mail: Mail | None
    # Why there is no mail to send: no one to send it to any more.
    unsendable: str | None = None

    def retry_at(self, error: str | None, now: datetime) -> datetime | None:
        """When to try again after `error`: never after a success, the last attempt, or a
        message with no one to send to."""
        if error is None or self.mail is None:
            return None
        return next_attempt(self.attempt, now)


def next_attempt(attempt: int, now: datetime) -> datetime | None:
    """When to try again after failed attempt number `attempt`; None after the last."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempt - 1]


async def lease(
    session: AsyncSession,
    claimed: Table,
    keys: Sequence[tuple[uuid.UUID, uuid.UUID]],
    *,
    attempts: Column[int],
    next_at: Column[Any],
    now: datetime,
) -> None:
    """Hold the claimed rows of `claimed` whose (org_id, id) are `keys` for this sender:
    count the attempt, and keep other senders away until the lease runs out."""
    if not keys:
        return
    c = claimed.c
    await session.execute(
        update(claimed)
        .where(tuple_(c.org_id, c.id).in_(keys))
        .values({attempts: attempts + 1, next_at: now + LEASE})
    )


class Outbox(Protocol):
    """Where e-mails wait: the outbox leases those that are due and records what became of
    each (sent; or failed, to be retried at `retry_at` or, when None, for good)."""

    async def claim(
        self, session: AsyncSession, *, now: datetime, limit: int
    ) -> list[OutgoingMail]: ...

    async def record(
        self,
        session: AsyncSession,
        outgoing: OutgoingMail,
        error: str | None,
        *,
        retry_at: datetime | None,
        now: datetime,
    ) -> None: ...


async def send_round(
    sessions: async_sessionmaker[AsyncSession], mailer: SmtpMailer, outboxes: Sequence[Outbox]
) -> int:
    """Send every e-mail that is due in `outboxes`, each outcome in its own transaction.
    Returns the attempts made."""
    made = 0
    while True:
        claimed: list[tuple[Outbox, OutgoingMail]] = []
        more = False
        async with transaction(sessions) as session:
            for outbox in outboxes:
                due = await outbox.claim(session, now=clock.now(), limit=BATCH)
                claimed.extend((outbox, outgoing) for outgoing in due)
                more = more or len(due) == BATCH
        for outbox, outgoing in claimed:
            error = outgoing.unsendable
            if outgoing.mail is not None:
                try:
                    await mailer.send(outgoing.mail)
                except MailError as failed:
                    error = str(failed)
            async with transaction(sessions) as session:
                now = clock.now()
                retry_at = outgoing.retry_at(error, now)
                await outbox.record(session, outgoing, error, retry_at=retry_at, now=now)
        made += len(claimed)
        # Every outbox short of a batch: nothing else is due.
        if not more:
            return made
