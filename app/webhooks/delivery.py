"""Sending webhooks: the HTTP side of the outbox, run by the task queue's workers.

Delivery is at least once: a worker that dies after the receiver answered but before the
answer was stored leaves the delivery to be sent again when its lease ends. Every attempt
carries the event's stable `webhook-id`, so receivers drop what they have already seen.
"""

import asyncio
import ipaddress
import socket
import time
from urllib.parse import urlsplit

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.platform import clock, request_ids
from app.platform.db import transaction
from app.platform.errors import DomainError
from app.webhooks import policies, service, signing
from app.webhooks.service import AttemptResult, Outgoing

TIMEOUT = httpx.Timeout(10.0)
# Deliveries sent at once by one worker.
SEND_BATCH = 20


async def _check_target(url: str, *, allow_loopback: bool) -> None:
    """Resolve the host now, as the request will: a name that pointed outside when the
    subscription was made may point inside today."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        policies.check_address(address, allow_loopback=allow_loopback)


async def send(
    client: httpx.AsyncClient, outgoing: Outgoing, *, allow_loopback: bool
) -> AttemptResult:
    """One attempt: POST the signed body; any 2xx is success, redirects are not followed."""
    started = time.perf_counter()

    def elapsed() -> int:
        return round((time.perf_counter() - started) * 1000)

    try:
        await _check_target(outgoing.url, allow_loopback=allow_loopback)
        timestamp = int(clock.now().timestamp())
        headers = signing.headers(outgoing.secret, outgoing.message_id, timestamp, outgoing.body)
        # The request that made the event, else the job run sending it: the receiver's
        # logs and ours meet on it.
        request_id = outgoing.request_id or request_ids.current()
        if request_id is not None:
            headers[request_ids.HEADER] = request_id
        response = await client.post(outgoing.url, content=outgoing.body, headers=headers)
    except DomainError as refused:
        return AttemptResult(status_code=None, error=refused.detail, duration_ms=elapsed())
    except (httpx.HTTPError, OSError) as failed:
        return AttemptResult(
            status_code=None, error=f"{type(failed).__name__}: {failed}", duration_ms=elapsed()
        )
    error = None if response.is_success else f"HTTP {response.status_code}"
    return AttemptResult(status_code=response.status_code, error=error, duration_ms=elapsed())


def new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=TIMEOUT,
        follow_redirects=False,
        headers={"user-agent": "insight-webhooks/1"},
    )


async def deliver_round(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    *,
    allow_loopback: bool,
) -> int:
    """Dispatch the outbox, then send what is due, a batch at a time, until nothing is due.
    Each claim and each result is its own transaction. Returns the attempts made."""
    while True:
        async with transaction(sessions) as session:
            taken = await service.dispatch_events(session, now=clock.now())
        if taken < service.DISPATCH_BATCH:
            break
    made = 0
    while True:
        async with transaction(sessions) as session:
            claimed = await service.claim_due(session, now=clock.now(), limit=SEND_BATCH)
        results = await asyncio.gather(
            *(send(client, outgoing, allow_loopback=allow_loopback) for outgoing in claimed)
        )
        for outgoing, result in zip(claimed, results, strict=True):
            async with transaction(sessions) as session:
                await service.record_attempt(session, outgoing, result, now=clock.now())
        made += len(claimed)
        if len(claimed) < SEND_BATCH:
            return made
