"""E-mail through a real SMTP server on 127.0.0.1: the customer loop and staff notices."""

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.loop import email
from app.loop.channels import ByPerson, EmailChannel
from app.loop.models import LoopCommunication
from app.notify.email import forget_pending
from app.notify.models import EmailState, Notification
from app.org.models import Person
from app.platform import clock, mail
from app.platform.mail import SmtpMailer
from app.web.runtime import Runtime
from tests.factories import World
from tests.loop.test_customer_loop import ADDRESS, _tell_customer, _with_contact

API = "/api/v1"
NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Inbox:
    """An SMTP handler that keeps what it accepts, or refuses everything with a 451."""

    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            return "451 Requested action aborted: try again later"
        assert isinstance(envelope.content, bytes)
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [message for recipients, message in self.received if address in recipients]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(inbox: Inbox) -> Iterator[SmtpMailer]:
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield SmtpMailer(
            host="127.0.0.1",
            port=controller.port,
            sender="Insight <insight@kauppa.test>",
            username=None,
            password=None,
            starttls=False,
        )
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def mailer(inbox: Inbox) -> Iterator[SmtpMailer]:
    yield from _serve(inbox)


@pytest.fixture
def smtp(runtime: Runtime) -> None:
    """The channel the runtime chooses when SMTP is configured."""
    runtime.customer_channel = EmailChannel(others=ByPerson())


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NINE)
    yield
    clock.freeze(None)


def _subject(message: Message) -> str:
    return str(make_header(decode_header(message["Subject"])))


async def test_the_customer_gets_the_answer_by_email(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    mailer: SmtpMailer,
    smtp: None,
    frozen: None,
) -> None:
    insight = await _with_contact(client, world)
    told = await _tell_customer(client, world, "mia", insight["id"], "Palautus on maksettu.")
    assert told.status_code == 201, told.text
    assert told.json()["status"] == "queued"

    await email.send_round(sessions, mailer)
    (message,) = inbox.to(ADDRESS)
    assert _subject(message) == "Vastaus palautteeseesi"
    assert "Palautus on maksettu." in message.get_payload(decode=True).decode()

    async with sessions() as session:
        stored = await session.scalar(
            select(LoopCommunication).where(LoopCommunication.id == told.json()["id"])
        )
    assert stored is not None
    assert (stored.status.value, stored.sent_at, stored.attempts) == ("sent", NINE, 1)
    # Sent once: nothing more is due.
    assert await email.send_round(sessions, mailer) == 0
    assert len(inbox.to(ADDRESS)) == 1


async def test_a_refusing_server_fails_the_customer_message_after_retries(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    smtp: None,
    frozen: None,
) -> None:
    insight = await _with_contact(client, world)
    told = await _tell_customer(client, world, "mia", insight["id"])
    refusing = Inbox(refuse=True)
    for mailer in _serve(refusing):
        at = NINE
        for wait in (timedelta(0), *mail.BACKOFF):
            at += wait
            clock.freeze(at)
            await email.send_round(sessions, mailer)
        clock.freeze(at + timedelta(days=1))
        await email.send_round(sessions, mailer)

    answers: list[dict[str, Any]] = (
        await client.get(f"{API}/insights/{insight['id']}", headers=await world.auth("mia"))
    ).json()["answers"]
    (answer,) = [a for a in answers if a["id"] == told.json()["id"]]
    assert answer["status"] == "failed"
    async with sessions() as session:
        stored = await session.scalar(
            select(LoopCommunication).where(LoopCommunication.id == told.json()["id"])
        )
    assert stored is not None
    assert stored.attempts == mail.MAX_ATTEMPTS
    assert stored.failure_reason is not None and "451" in stored.failure_reason


async def test_staff_get_notices_by_email_in_their_language(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    mailer: SmtpMailer,
    frozen: None,
) -> None:
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Kassa kaatuu aamuisin."},
        headers=await world.auth("anna"),
    )
    iid = posted.json()["id"]
    await client.post(
        f"{API}/insights/{iid}/comments",
        json={"body": "Katsotaan huomenna."},
        headers=await world.auth("mia"),
    )
    await email.send_round(sessions, mailer)

    (assigned,) = inbox.to(world.people["mia"].email)
    assert _subject(assigned) == "Uusi havainto käsiteltäväksi"
    assert assigned["To"] == world.people["mia"].email
    assert "Kassa kaatuu aamuisin." in assigned.get_payload(decode=True).decode()
    commented = inbox.to(world.people["anna"].email)
    assert [_subject(m) for m in commented] == ["Uusi kommentti havaintoon"]

    async with sessions() as session:
        states = set(
            await session.scalars(
                select(Notification.email_state).where(Notification.insight_id == iid)
            )
        )
    assert states <= {EmailState.SENT, None}


async def test_without_smtp_nothing_waits_to_be_emailed(
    client: httpx.AsyncClient, world: World, sessions: async_sessionmaker[AsyncSession]
) -> None:
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Kassa kaatuu aamuisin."},
        headers=await world.auth("anna"),
    )
    iid = posted.json()["id"]

    def pending() -> Any:
        return select(Notification.id).where(
            Notification.insight_id == iid, Notification.email_state == EmailState.PENDING
        )

    async with sessions() as session:
        assert list(await session.scalars(pending()))
        await forget_pending(session)
        await session.commit()
        assert list(await session.scalars(pending())) == []


async def test_no_email_goes_to_someone_who_left(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    inbox: Inbox,
    mailer: SmtpMailer,
    frozen: None,
) -> None:
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Kassa kaatuu aamuisin."},
        headers=await world.auth("anna"),
    )
    mia = world.people["mia"]
    async with sessions() as session:
        await session.execute(update(Person).where(Person.id == mia.id).values(active=False))
        await session.commit()
    await email.send_round(sessions, mailer)
    assert inbox.to(mia.email) == []
    async with sessions() as session:
        notice = await session.scalar(
            select(Notification).where(
                Notification.insight_id == posted.json()["id"], Notification.person_id == mia.id
            )
        )
    assert notice is not None
    assert (notice.email_state, notice.email_error) == (EmailState.FAILED, "the person left")
