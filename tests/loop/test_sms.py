"""The customer loop by SMS through a stand-in HTTP gateway on 127.0.0.1."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
from procrastinate import JobContext
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.insights.models import CustomerContact
from app.jobs import job_context
from app.loop import jobs as loop_jobs
from app.loop import sms
from app.loop.channels import SmsChannel, channel_from
from app.loop.models import DeliveryStatus, LoopCommunication
from app.platform import clock, mail
from app.platform.settings import Settings
from app.platform.sms import SmsGateway
from app.web.runtime import Runtime
from tests.factories import World
from tests.loop.test_customer_loop import NAME, _tell_customer, _with_contact
from tests.servers import serving

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NUMBER = "+358 40 123 4567"
TOKEN = "gw-secret"


@dataclass
class StandIn:
    """An SMS gateway that keeps every request and answers with the next of `answers` (the
    last one repeats)."""

    answers: list[tuple[int, Any]] = field(default_factory=lambda: [(202, {"id": "m-1"})])
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)

    async def messages(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.json()))
        status, body = self.answers[min(len(self.received), len(self.answers)) - 1]
        if body is None:
            return Response(status_code=status)
        return JSONResponse(body, status_code=status)


@pytest.fixture
def standin() -> StandIn:
    return StandIn()


@pytest.fixture
def gateway(standin: StandIn) -> Iterator[SmsGateway]:
    app = Starlette(routes=[Route("/messages", standin.messages, methods=["POST"])])
    with serving(app) as url:
        yield SmsGateway(url=f"{url}/messages", token=TOKEN, sender="Kauppa")


@pytest.fixture
def texting(runtime: Runtime) -> None:
    """The channel the runtime chooses when an SMS gateway is configured."""
    runtime.customer_channel = channel_from(email=False, sms=True)


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(NINE)
    yield
    clock.freeze(None)


async def _stored(
    sessions: async_sessionmaker[AsyncSession], comm_id: str
) -> tuple[LoopCommunication, CustomerContact]:
    async with sessions() as session:
        comm = await session.scalar(
            select(LoopCommunication).where(LoopCommunication.id == comm_id)
        )
        assert comm is not None
        contact = await session.get_one(CustomerContact, (comm.org_id, comm.insight_id))
    return comm, contact


def test_the_runtime_texts_when_a_gateway_is_configured(settings: Settings) -> None:
    configured = settings.model_copy(update={"sms_gateway_url": "https://sms.example.com/send"})
    assert isinstance(Runtime.build(configured).customer_channel, SmsChannel)
    assert not isinstance(Runtime.build(settings).customer_channel, SmsChannel)
    assert SmsGateway.from_settings(settings) is None
    assert SmsGateway.from_settings(configured) == SmsGateway(
        "https://sms.example.com/send", None, "Insight"
    )


async def test_the_customer_gets_the_answer_by_sms(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    standin: StandIn,
    gateway: SmsGateway,
    texting: None,
    frozen: None,
) -> None:
    insight = await _with_contact(client, world, channel="sms", address=NUMBER)
    told = await _tell_customer(client, world, "mia", insight["id"], "Palautus on maksettu.")
    assert told.status_code == 201, told.text
    assert told.json()["status"] == "queued"
    comm_id = told.json()["id"]

    assert await sms.send_round(sessions, gateway) == 1
    ((headers, body),) = standin.received
    assert body == {
        "from": "Kauppa",
        "to": "+358401234567",
        "text": f"Hei {NAME}, Palautus on maksettu.",
        "reference": comm_id,
    }
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["idempotency-key"] == comm_id

    comm, contact = await _stored(sessions, comm_id)
    assert (comm.status, comm.sent_at, comm.attempts) == (DeliveryStatus.SENT, NINE, 1)
    # Handed over is not delivered: the customer loop waits for proof.
    assert (comm.delivered_at, contact.told_at) == (None, None)
    assert await sms.send_round(sessions, gateway) == 0
    assert len(standin.received) == 1


async def test_a_gateway_that_reports_delivery_closes_the_customer_loop(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    standin: StandIn,
    gateway: SmsGateway,
    texting: None,
    frozen: None,
) -> None:
    standin.answers = [(200, {"status": "delivered"})]
    insight = await _with_contact(client, world, channel="sms", address=NUMBER)
    told = (await _tell_customer(client, world, "mia", insight["id"])).json()
    await sms.send_round(sessions, gateway)
    comm, contact = await _stored(sessions, told["id"])
    assert (comm.status, comm.delivered_at, contact.told_at) == (
        DeliveryStatus.DELIVERED,
        NINE,
        NINE,
    )


async def test_a_failing_gateway_is_retried_then_the_message_fails(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    standin: StandIn,
    gateway: SmsGateway,
    texting: None,
    frozen: None,
) -> None:
    standin.answers = [(503, {"error": "busy"})]
    insight = await _with_contact(client, world, channel="sms", address=NUMBER)
    told = (await _tell_customer(client, world, "mia", insight["id"])).json()
    at = NINE
    for wait in (timedelta(0), *mail.BACKOFF):
        at += wait
        clock.freeze(at)
        assert await sms.send_round(sessions, gateway) == 1
        comm, _ = await _stored(sessions, told["id"])
        if wait != mail.BACKOFF[-1]:
            assert comm.status is DeliveryStatus.QUEUED
    clock.freeze(at + timedelta(days=1))
    assert await sms.send_round(sessions, gateway) == 0
    comm, contact = await _stored(sessions, told["id"])
    assert (comm.status, comm.attempts) == (DeliveryStatus.FAILED, mail.MAX_ATTEMPTS)
    assert comm.failure_reason is not None and "503" in comm.failure_reason
    assert contact.told_at is None
    assert len(standin.received) == mail.MAX_ATTEMPTS


async def test_a_refused_message_fails_at_once_and_a_lost_gateway_is_retried(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    standin: StandIn,
    gateway: SmsGateway,
    texting: None,
    frozen: None,
) -> None:
    standin.answers = [(400, {"error": "invalid number"})]
    insight = await _with_contact(client, world, channel="sms", address=NUMBER)
    refused = (await _tell_customer(client, world, "mia", insight["id"])).json()
    await sms.send_round(sessions, gateway)
    comm, _ = await _stored(sessions, refused["id"])
    assert (comm.status, comm.attempts) == (DeliveryStatus.FAILED, 1)
    assert comm.failure_reason is not None and "invalid number" in comm.failure_reason

    again = (await _tell_customer(client, world, "mia", insight["id"], "Uusi yritys.")).json()
    unreachable = SmsGateway(url="http://127.0.0.1:9/messages", token=None, sender="Kauppa")
    await sms.send_round(sessions, unreachable)
    comm, _ = await _stored(sessions, again["id"])
    assert (comm.status, comm.attempts) == (DeliveryStatus.QUEUED, 1)
    assert comm.next_attempt_at == NINE + mail.BACKOFF[0]


async def test_phone_contacts_await_a_person_even_with_a_gateway(
    client: httpx.AsyncClient, world: World, texting: None
) -> None:
    insight = await _with_contact(client, world, channel="phone", address=NUMBER)
    told = (await _tell_customer(client, world, "mia", insight["id"])).json()
    assert told["status"] == "awaiting_person"


async def test_the_workers_job_texts_only_with_a_gateway(
    client: httpx.AsyncClient,
    world: World,
    sessions: async_sessionmaker[AsyncSession],
    standin: StandIn,
    gateway: SmsGateway,
    texting: None,
) -> None:
    insight = await _with_contact(client, world, channel="sms", address=NUMBER)
    await _tell_customer(client, world, "mia", insight["id"])
    without = job_context(sessions)
    assert (
        await loop_jobs.send_sms(cast(JobContext, SimpleNamespace(additional_context=without))) == 0
    )
    assert standin.received == []
    configured = job_context(sessions, sms_gateway=gateway)
    job = cast(JobContext, SimpleNamespace(additional_context=configured))
    assert await loop_jobs.send_sms(job) == 1
    assert len(standin.received) == 1
