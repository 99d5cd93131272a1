"""The Idempotency-Key header (IETF httpapi draft) on every creating request.

A client that sends a POST to the REST API, or a GraphQL mutation, with an
`Idempotency-Key` may send it again as often as it likes:

- the same key with the same request gets the first response again, marked
  `Idempotent-Replayed: true`;
- the same key with a different request gets 422 `idempotency_key_reused`;
- a retry while the first request still runs waits for it and gets its response, or 409
  `idempotency_in_flight` with Retry-After when it runs longer than the wait.

Its refusals come in the caller's language, and to GraphQL as GraphQL errors.

Only a success is stored. A request that failed changed nothing (its transaction rolled
back), so the key is released and a retry runs afresh.

The response is stored in the request's own transaction: the session dependency and the
GraphQL transaction hand their session to this middleware instead of committing, and the
middleware writes the response into the key's row, commits, and only then answers. A crash
can therefore never leave the effects stored without the response a retry needs.

A request that fails or is cancelled frees its key at once. When the database cannot be
reached to free it (a restart, a lost connection), the key is freed as soon as it can be,
in the background, so a retry does not wait out the lease; and a request that cannot reach
the database at all gets 503 `service_unavailable` with Retry-After. Only a process that
dies holds its key until its lease ends; then a retry takes the key over.
"""

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import clock
from app.platform.db import single_statements, table, transaction, unavailable
from app.platform.errors import Conflict, DomainError, InvalidInput, Unavailable
from app.web.idempotency.answers import SUBJECT, refuse
from app.web.idempotency.claim import STATE, Claim
from app.web.idempotency.models import IdempotencyKey, KeyState
from app.web.problems import GRAPHQL_PATH, RETRY_AFTER_SECONDS
from app.web.runtime import Runtime
from app.web.unit_of_work import discard

log = logging.getLogger(__name__)

HEADER = b"idempotency-key"
REPLAYED = "Idempotent-Replayed"
# The only paths that create things; the issuer's own endpoints have their own rules.
PATHS = ("/api/v1/", GRAPHQL_PATH)
# Response headers worth replaying; the rest (dates, lengths) are the server's own.
KEPT_HEADERS = frozenset({"content-type", "etag", "location", "content-language"})
MAX_KEY_LENGTH = 255
# How soon, and at most how often, a key that could not be freed is tried again.
RELEASE_RETRY_SECONDS = (0.1, 2.0)

keys = table(IdempotencyKey)


class _Outcome(Enum):
    # The success and its stored response were committed together.
    STORED = "stored"
    # Not a success, or nothing to store: the key is free again.
    RELEASED = "released"
    # A success whose commit failed: nothing of it was kept.
    LOST = "lost"


def parse_key(raw: bytes) -> str | None:
    """The key of a header value: a structured-field string ("...") or a bare token of
    printable ASCII, 1 to 255 characters; None when it is neither."""
    try:
        value = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not 1 <= len(value) <= MAX_KEY_LENGTH:
        return None
    if any(not 0x20 <= ord(c) <= 0x7E for c in value):
        return None
    return value


def fingerprint(method: str, path: str, query: bytes, content_type: str, body: bytes) -> str:
    """What makes two requests the same request. JSON is compared by content, not by its
    spacing or key order; a multipart body without its boundary, which clients draw anew
    for every attempt."""
    canonical = body
    if content_type.startswith("application/json"):
        try:
            canonical = json.dumps(
                json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            ).encode()
        except (ValueError, RecursionError):
            # Not JSON the API would take (the request is refused): compared as bytes.
            canonical = body
    elif content_type.startswith("multipart/"):
        boundary = _boundary(content_type)
        if boundary:
            canonical = body.replace(boundary, b"")
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _boundary(content_type: str) -> bytes | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return None


@dataclass
class _Captured:
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Wakes requests of this process waiting for a key, as soon as it is settled.
        self._settled: dict[tuple[str, str], asyncio.Event] = {}
        # Clean-ups that outlive a cancelled request; held here so they are not collected.
        self._cleanups: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith(PATHS)
            or (raw := _header(scope, HEADER)) is None
        ):
            await self.app(scope, receive, send)
            return
        key = parse_key(raw)
        if key is None:
            await refuse(
                scope,
                receive,
                send,
                DomainError(
                    "Idempotency-Key must be 1 to 255 printable ASCII characters.",
                    code="invalid_idempotency_key",
                ),
            )
            return
        body, more = await _read_body(receive)
        replay = _replaying(body, more, receive)
        runtime: Runtime = scope["app"].state.runtime
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            caller, subject = await _caller_of(runtime, scope)
            if caller is None:
                # No good token: the API itself answers 401, and nothing is stored.
                await self.app(scope, replay, sending)
                return
            content_type = (_header(scope, b"content-type") or b"").decode("latin-1").lower()
            print_ = fingerprint(
                scope["method"], scope["path"], scope["query_string"], content_type, body
            )
            # The application, which learns the caller's language, has not run when this
            # middleware answers: it learns the language itself, only when it answers.
            scope.setdefault("state", {})[SUBJECT] = subject
            await self._handle(scope, replay, sending, runtime, caller, key, print_)
        except Exception as exc:
            # The database went away while the key was claimed, looked up or settled.
            if started or not unavailable(exc):
                raise
            log.warning("database unavailable for a request with an Idempotency-Key: %s", exc)
            await refuse(
                scope,
                replay,
                send,
                Unavailable("The request could not be completed; it is safe to retry it."),
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        runtime: Runtime,
        caller: str,
        key: str,
        print_: str,
    ) -> None:
        settings = runtime.settings
        loop = asyncio.get_running_loop()
        deadline = loop.time() + settings.idempotency_wait_seconds
        delay = 0.02
        while True:
            token = await self._claim(runtime, caller, key, print_)
            if token is not None:
                await self._run(scope, receive, send, runtime, Claim(caller, key, token))
                return
            row = await _load(runtime, caller, key)
            if row is None:
                continue  # released in the meantime: claim it
            if row.fingerprint != print_:
                await refuse(
                    scope,
                    receive,
                    send,
                    InvalidInput(
                        "This Idempotency-Key was used for a different request.",
                        code="idempotency_key_reused",
                    ),
                )
                return
            if row.state == KeyState.DONE:
                await _replay(send, row)
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                await refuse(
                    scope,
                    receive,
                    send,
                    Conflict(
                        "A request with this Idempotency-Key is still being processed.",
                        code="idempotency_in_flight",
                    ),
                    headers={"Retry-After": "1"},
                )
                return
            event = self._settled.setdefault((caller, key), asyncio.Event())
            try:
                await asyncio.wait_for(event.wait(), timeout=min(delay, remaining))
            except TimeoutError:
                delay = min(delay * 2, 0.5)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, runtime: Runtime, claim: Claim
    ) -> None:
        captured = _Captured()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                captured.body.extend(message.get("body", b""))

        scope.setdefault("state", {})[STATE] = claim
        try:
            await self.app(scope, receive, capture)
            outcome = await _finish(runtime, claim, captured)
            if outcome is _Outcome.LOST:
                await self._settle(self._abandon(runtime, claim))
        except BaseException:
            await self._settle(self._abandon(runtime, claim))
            raise
        finally:
            self._wake(claim)
        if outcome is _Outcome.LOST:
            # The request succeeded but its commit did not: nothing of it is stored, and
            # the client may safely try again.
            await refuse(
                scope,
                receive,
                send,
                Unavailable("The request could not be completed; it is safe to retry it."),
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return
        await send(
            {"type": "http.response.start", "status": captured.status, "headers": captured.headers}
        )
        await send({"type": "http.response.body", "body": bytes(captured.body)})

    async def _claim(
        self, runtime: Runtime, caller: str, key: str, print_: str
    ) -> uuid.UUID | None:
        """`_try_claim`, safe against cancellation and lost connections: a claim that
        commits after its request was cancelled, or whose commit went through though its
        answer was lost, is released by its token instead of holding the key for a whole
        lease."""
        token = uuid.uuid4()
        attempt = asyncio.ensure_future(_try_claim(runtime, caller, key, print_, token))
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:

            async def release_if_claimed() -> None:
                try:
                    claimed = await attempt
                except Exception:
                    claimed = token  # its commit may have gone through all the same
                if claimed is not None:
                    await self._release_later(runtime, Claim(caller, key, token))

            self._detach(release_if_claimed())
            raise
        except Exception:
            self._detach(self._release_later(runtime, Claim(caller, key, token)))
            raise

    async def _abandon(self, runtime: Runtime, claim: Claim) -> None:
        """The request failed, was cancelled or could not be stored: undo its work and free
        its key. When the key cannot be freed now, it is freed in the background as soon
        as the database answers again."""
        session, claim.session = claim.session, None
        if session is not None:
            await discard(session)
        try:
            await _release(runtime, claim)
        except Exception as exc:
            log.warning("could not release an idempotency key yet: %s", exc)
            self._detach(self._release_later(runtime, claim))

    async def _release_later(self, runtime: Runtime, claim: Claim) -> None:
        """Free the key (if this claim holds it) once the database can be reached, then
        wake requests waiting for it. Past the lease a retry takes the key over by itself,
        so trying stops there."""
        loop = asyncio.get_running_loop()
        until = loop.time() + runtime.settings.idempotency_lease_seconds
        delay, longest = RELEASE_RETRY_SECONDS
        while True:
            try:
                await _release(runtime, claim)
            except Exception as exc:
                if loop.time() + delay >= until:
                    log.warning("gave up releasing an idempotency key; its lease ends: %s", exc)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)
                continue
            self._wake(claim)
            return

    async def _settle(self, cleanup: Coroutine[Any, Any, None]) -> None:
        """Run a clean-up to its end even when the request is being cancelled."""
        task = self._detach(cleanup)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    def _detach(self, cleanup: Coroutine[Any, Any, None]) -> "asyncio.Task[None]":
        task = asyncio.ensure_future(cleanup)
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)
        return task

    def _wake(self, claim: Claim) -> None:
        event = self._settled.pop((claim.scope, claim.key), None)
        if event is not None:
            event.set()


async def _finish(runtime: Runtime, claim: Claim, captured: _Captured) -> _Outcome:
    """Store a success with the request's own commit; release the key otherwise. A
    success whose commit failed is LOST, its session left for `_abandon` to undo."""
    session = claim.session
    if session is None or not 200 <= captured.status < 300:
        if session is not None:
            claim.session = None
            await discard(session)
        await _release(runtime, claim)
        return _Outcome.RELEASED
    headers = [
        [name.decode("latin-1"), value.decode("latin-1")]
        for name, value in captured.headers
        if name.decode("latin-1").lower() in KEPT_HEADERS
    ]
    try:
        result = await session.execute(
            update(keys)
            .where(
                keys.c.scope == claim.scope, keys.c.key == claim.key, keys.c.claim == claim.token
            )
            .values(
                state=KeyState.DONE,
                response_status=captured.status,
                response_headers=headers,
                response_body=bytes(captured.body),
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise LookupError("the key was taken over after its lease ended")
        await session.commit()
    except Exception as exc:
        if unavailable(exc):
            log.warning("could not store the response for an idempotency key: %s", exc)
        else:
            log.exception("could not store the response for an idempotency key")
        return _Outcome.LOST
    claim.session = None
    await discard(session)
    return _Outcome.STORED


async def _caller_of(runtime: Runtime, scope: Scope) -> tuple[str | None, str | None]:
    """Whose key it is, a hash of the bearer token's issuer and subject, and the subject;
    (None, None) without a good token."""
    header = _header(scope, b"authorization")
    if header is None:
        return None, None
    kind, _, token = header.decode("latin-1").partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        return None, None
    try:
        claims = await runtime.validator.validate(token.strip())
    except DomainError:
        return None, None
    subject = str(claims.get(runtime.validator.subject_claim))
    return scope_of(str(claims.get("iss", "")), subject), subject


def scope_of(issuer: str, subject: str) -> str:
    """The keys of one caller: the same person keeps them across tokens and devices."""
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole request body (its size is bounded by the body limit outside this
    middleware), and whether the client disconnected before sending it all."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replaying(body: bytes, disconnected: bool, receive: Receive) -> Receive:
    """A receive channel that gives the application the body already read."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if disconnected:
                return {"type": "http.disconnect"}
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _claiming() -> Any:
    """Claim a key: new, expired, or held by a request with the same fingerprint whose
    lease has ended. Built once, its compiled form reused."""
    now = bindparam("now", type_=keys.c.expires_at.type)
    statement = insert(keys).values(
        {
            name: bindparam(name, type_=keys.c[name].type)
            for name in (
                "scope",
                "key",
                "fingerprint",
                "state",
                "claim",
                "locked_until",
                "expires_at",
                "created_at",
            )
        }
    )
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[keys.c.scope, keys.c.key],
        set_={
            "fingerprint": excluded.fingerprint,
            "state": excluded.state,
            "claim": excluded.claim,
            "locked_until": excluded.locked_until,
            "expires_at": excluded.expires_at,
            "created_at": excluded.created_at,
            "response_status": None,
            "response_headers": None,
            "response_body": None,
        },
        where=(keys.c.expires_at <= now)
        | (
            (keys.c.state == KeyState.RUNNING)
            & (keys.c.locked_until <= now)
            & (keys.c.fingerprint == excluded.fingerprint)
        ),
    ).returning(keys.c.claim)


_CLAIMING = _claiming()


async def _try_claim(
    runtime: Runtime, caller: str, key: str, print_: str, token: uuid.UUID | None = None
) -> uuid.UUID | None:
    """Claim the key with `token` (a new one by default): new, expired, or held by a request
    with the same fingerprint whose lease has ended. None when someone else holds it or has
    settled it."""
    now = clock.now()
    settings = runtime.settings
    params = {
        "scope": caller,
        "key": key,
        "fingerprint": print_,
        "state": KeyState.RUNNING,
        "claim": token or uuid.uuid4(),
        "locked_until": now + timedelta(seconds=settings.idempotency_lease_seconds),
        "expires_at": now + timedelta(hours=settings.idempotency_ttl_hours),
        "created_at": now,
        "now": now,
    }
    # One statement, its own transaction: no BEGIN and COMMIT around it.
    async with single_statements(runtime.sessions) as connection:
        claimed: uuid.UUID | None = (
            await connection.execute(_CLAIMING, params)
        ).scalar_one_or_none()
    return claimed


async def _load(runtime: Runtime, caller: str, key: str) -> Any:
    async with single_statements(runtime.sessions) as connection:
        return (
            await connection.execute(
                select(
                    keys.c.fingerprint,
                    keys.c.state,
                    keys.c.response_status,
                    keys.c.response_headers,
                    keys.c.response_body,
                ).where(keys.c.scope == caller, keys.c.key == key)
            )
        ).one_or_none()


async def _release(runtime: Runtime, claim: Claim) -> None:
    """Free a key this request still holds. A key whose response was stored stays: when a
    cancelled commit went through after all, a retry must get that response."""
    async with transaction(runtime.sessions) as session:
        await session.execute(
            delete(keys).where(
                keys.c.scope == claim.scope,
                keys.c.key == claim.key,
                keys.c.claim == claim.token,
                keys.c.state == KeyState.RUNNING,
            )
        )


async def _replay(send: Send, row: Any) -> None:
    headers = [
        (str(name).encode("latin-1"), str(value).encode("latin-1"))
        for name, value in row.response_headers or []
    ]
    body = bytes(row.response_body or b"")
    headers.append((b"content-length", str(len(body)).encode()))
    headers.append((REPLAYED.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": row.response_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
