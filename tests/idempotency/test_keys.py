"""Idempotency-Key on creating requests: replay, misuse, concurrency, leases and expiry."""

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight
from app.main import create_app
from app.platform import clock
from app.platform.db import table
from app.platform.settings import Settings
from app.web.idempotency import middleware, service
from app.web.idempotency.middleware import _try_claim, fingerprint, scope_of
from app.web.idempotency.models import IdempotencyKey
from app.web.runtime import Runtime
from tests.attachments.files import png
from tests.factories import Live, World
from tests.gql.client import codes, operation

API = "/api/v1"
BODY = {"kind": "observation", "text": "Hyllynreunan hintalaput puuttuvat kahvihyllystä."}

insights = table(Insight)
keys = table(IdempotencyKey)


async def _count(session: AsyncSession, org_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).select_from(insights).where(insights.c.org_id == org_id)
            )
        ).scalar_one()
    )


async def _post(
    client: httpx.AsyncClient, world: World, who: str, key: str, body: dict[str, Any] = BODY
) -> httpx.Response:
    headers = {**await world.auth(who), "Idempotency-Key": key}
    return await client.post(f"{API}/insights", json=body, headers=headers)


async def test_retry_returns_the_original_response(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    first = await _post(client, world, "anna", "retry-1")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    # The client never saw the answer and sends the same request again, twice.
    for _ in range(2):
        again = await _post(client, world, "anna", "retry-1")
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["etag"] == first.headers["etag"]
    assert await _count(session, world.kauppa.id) == 1


async def test_json_spacing_and_key_order_do_not_make_another_request(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    first = await _post(client, world, "anna", "spacing")
    headers = {
        **await world.auth("anna"),
        "Idempotency-Key": '"spacing"',
        "Content-Type": "application/json",
    }
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=2)
    again = await client.post(f"{API}/insights", content=reordered, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert await _count(session, world.kauppa.id) == 1


async def test_same_key_with_another_body_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    assert (await _post(client, world, "anna", "reused")).status_code == 201
    other = await _post(client, world, "anna", "reused", {**BODY, "text": "Eri asia kokonaan."})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.headers["content-type"] == "application/problem+json"
    assert await _count(session, world.kauppa.id) == 1


async def test_keys_belong_to_their_caller(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    anna = await _post(client, world, "anna", "shared-key")
    ben = await _post(client, world, "ben", "shared-key")
    assert anna.status_code == ben.status_code == 201
    assert anna.json()["id"] != ben.json()["id"]
    assert await _count(session, world.kauppa.id) == 2


@pytest.mark.parametrize("key", ["", "ä-not-ascii", "x" * 256, "tab\tinside"])
async def test_malformed_keys_are_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession, key: str
) -> None:
    headers = {**await world.auth("anna"), "Idempotency-Key": key.encode("utf-8")}
    response = await client.post(f"{API}/insights", json=BODY, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert await _count(session, world.kauppa.id) == 0


async def test_a_failure_is_not_stored_and_a_corrected_retry_runs(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    bad = await _post(client, world, "anna", "fix-me", {"kind": "observation"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error"
    # Nothing was done, so the key is free: the corrected request is a first request.
    good = await _post(client, world, "anna", "fix-me")
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers
    assert await _count(session, world.kauppa.id) == 1


async def test_without_a_token_nothing_is_claimed(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    response = await client.post(
        f"{API}/insights", json=BODY, headers={"Idempotency-Key": "anonymous"}
    )
    assert response.status_code == 401
    assert (await session.execute(select(func.count()).select_from(keys))).scalar_one() == 0


async def test_graphql_mutations_replay_and_refuse_reuse(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    query = operation("PostInsight")
    variables = {"input": {"kind": "OBSERVATION", "text": BODY["text"]}}
    headers = {**await world.auth("anna"), "Idempotency-Key": "gql-1"}
    payload = {"query": query, "variables": variables}
    first = await client.post("/graphql", json=payload, headers=headers)
    assert first.status_code == 200
    assert first.json()["data"]["postInsight"]["created"] is True
    again = await client.post("/graphql", json=payload, headers=headers)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"

    changed = {"query": query, "variables": {"input": {**variables["input"], "text": "Toinen."}}}
    reused = await client.post("/graphql", json=changed, headers=headers)
    assert reused.status_code == 200
    assert codes(reused.json()) == ["idempotency_key_reused"]
    assert await _count(session, world.kauppa.id) == 1


async def test_a_failed_graphql_mutation_releases_its_key(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    headers = {**await world.auth("anna"), "Idempotency-Key": "gql-failing"}
    payload = {
        "query": operation("PostInsight"),
        "variables": {"input": {"kind": "OBSERVATION", "text": "x", "unitId": None}},
    }
    bad = {**payload, "variables": {"input": {"kind": "OBSERVATION", "text": ""}}}
    failed = await client.post("/graphql", json=bad, headers=headers)
    assert failed.json()["errors"]
    assert (await session.execute(select(func.count()).select_from(keys))).scalar_one() == 0
    assert await _count(session, world.kauppa.id) == 0


async def _anna_scope(runtime: Runtime, world: World) -> str:
    token = (await world.auth("anna"))["Authorization"].split()[1]
    claims = await runtime.validator.validate(token)
    return scope_of(str(claims["iss"]), str(claims["sub"]))


def _print(body: dict[str, Any] = BODY) -> str:
    return fingerprint(
        "POST", f"{API}/insights", b"", "application/json", json.dumps(body).encode()
    )


async def test_a_retry_while_the_first_runs_too_long_gets_409(
    settings: Settings, runtime: Runtime, world: World, session: AsyncSession
) -> None:
    runtime.settings = settings.model_copy(update={"idempotency_wait_seconds": 0.2})
    # Another process holds the key and is still working on it.
    assert await _try_claim(runtime, await _anna_scope(runtime, world), "busy", _print())
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await _post(client, world, "anna", "busy")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_flight"
    assert response.headers["retry-after"] == "1"
    assert await _count(session, world.kauppa.id) == 0


async def test_a_key_whose_first_request_died_is_taken_over_after_its_lease(
    client: httpx.AsyncClient, runtime: Runtime, world: World, session: AsyncSession
) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clock.freeze(start)
    try:
        # The first attempt claimed the key and its process died.
        assert await _try_claim(runtime, await _anna_scope(runtime, world), "died", _print())
        clock.freeze(start + timedelta(seconds=runtime.settings.idempotency_lease_seconds + 1))
        response = await _post(client, world, "anna", "died")
    finally:
        clock.freeze(None)
    assert response.status_code == 201
    assert await _count(session, world.kauppa.id) == 1


async def test_keys_expire_and_are_purged(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clock.freeze(start)
    try:
        assert (await _post(client, world, "anna", "old")).status_code == 201
        clock.freeze(start + timedelta(hours=23))
        assert (await _post(client, world, "anna", "old")).headers["idempotent-replayed"]
        clock.freeze(start + timedelta(hours=24, seconds=1))
        # Past its window the key is new again, whatever it was used for.
        other = await _post(client, world, "anna", "old", {**BODY, "text": "Uusi asia."})
        assert other.status_code == 201
        assert "idempotent-replayed" not in other.headers
        assert (await _post(client, world, "anna", "older")).status_code == 201
        clock.freeze(start + timedelta(hours=49))
        assert await service.purge_expired(session, now=clock.now()) == 2
    finally:
        clock.freeze(None)
    assert (await session.execute(select(func.count()).select_from(keys))).scalar_one() == 0


async def test_fifty_concurrent_posts_with_one_key_create_one_insight(
    live: Live,
) -> None:
    world, sessions, client = live
    headers = {**await world.auth("anna"), "Idempotency-Key": str(uuid.uuid4())}
    responses = await asyncio.gather(
        *(client.post(f"{API}/insights", json=BODY, headers=headers) for _ in range(50))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert sum(1 for r in responses if "idempotent-replayed" not in r.headers) == 1
    async with sessions() as session:
        assert await _count(session, world.kauppa.id) == 1


async def test_a_request_cancelled_midway_frees_its_key(
    live: Live,
) -> None:
    world, sessions, client = live
    headers = {**await world.auth("anna"), "Idempotency-Key": "cancelled"}
    # Cancelled while reading the body, while claiming, while posting and while storing.
    for delay in (0.0, 0.001, 0.003, 0.005, 0.01, 0.02, 0.04):
        attempt = asyncio.create_task(client.post(f"{API}/insights", json=BODY, headers=headers))
        await asyncio.sleep(delay)
        attempt.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await attempt
    retry = await client.post(f"{API}/insights", json=BODY, headers=headers)
    # Created now, or replayed when a cancelled attempt had already committed.
    assert retry.status_code == 201, retry.text
    async with sessions() as session:
        assert await _count(session, world.kauppa.id) == 1


async def test_a_claim_whose_answer_was_lost_frees_its_key_for_the_retry(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, sessions, client = live
    headers = {**await world.auth("anna"), "Idempotency-Key": "claim-answer-lost"}
    try_claim = middleware._try_claim

    async def answer_lost(*args: Any) -> Any:
        # The claim is committed, but the connection drops before its answer arrives.
        await try_claim(*args)
        raise ConnectionResetError("connection reset before the answer")

    monkeypatch.setattr(middleware, "_try_claim", answer_lost)
    first = await client.post(f"{API}/insights", json=BODY, headers=headers)
    assert first.status_code == 503
    assert first.json()["code"] == "service_unavailable"
    assert first.headers["retry-after"] == "1"
    monkeypatch.setattr(middleware, "_try_claim", try_claim)

    loop = asyncio.get_running_loop()
    began = loop.time()
    retry = await client.post(f"{API}/insights", json=BODY, headers=headers)
    # At once: not after waiting for the unknown holder, nor for its lease.
    assert loop.time() - began < world.runtime.settings.idempotency_wait_seconds / 2
    assert retry.status_code == 201, retry.text
    async with sessions() as session:
        assert await _count(session, world.kauppa.id) == 1


async def test_an_upload_retried_with_a_new_multipart_boundary_is_replayed(
    client: httpx.AsyncClient, world: World
) -> None:
    insight = (await _post(client, world, "anna", "for-photo")).json()
    headers = {**await world.auth("anna"), "Idempotency-Key": "photo-1"}
    url = f"{API}/insights/{insight['id']}/attachments"
    files = {"file": ("kassa.png", png(), "image/png")}
    # httpx draws a new boundary for each request, as phones do on each attempt.
    first = await client.post(url, files=files, headers=headers)
    again = await client.post(url, files=files, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = await client.get(f"{API}/insights/{insight['id']}", headers=headers)
    assert len(listed.json()["attachments"]) == 1
