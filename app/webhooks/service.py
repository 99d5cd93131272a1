"""Webhook subscriptions, and the outbox that turns timeline events into signed deliveries."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight, InsightEvent, Visibility
from app.org.principal import Principal
from app.platform import clock, request_ids
from app.platform.db import table
from app.platform.errors import NotFound
from app.platform.pagination import check_limit
from app.webhooks import policies, signing
from app.webhooks.models import (
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from app.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    WebhookCreate,
    WebhookOut,
    WebhookSecretOut,
    WebhookUpdate,
)

# Waits after each failed attempt: eight attempts over about 17 hours, then it fails.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A worker holds a delivery this long while it sends; past it (the worker died), another
# worker takes it again. Well above the request timeout, so a live worker never loses it.
LEASE = timedelta(minutes=2)
DISPATCH_BATCH = 500
MAX_LOG = 100

events = table(InsightEvent)
ev = events.c
insights = table(Insight)
deliveries = table(WebhookDelivery)
dc = deliveries.c


def message_id(event_id: int) -> str:
    """The stable `webhook-id` of an event: the same for every subscription and retry."""
    return f"evt_{event_id}"


async def _get(
    session: AsyncSession, actor: Principal, webhook_id: uuid.UUID
) -> WebhookSubscription:
    policies.require_admin(actor)
    found = await session.get(WebhookSubscription, (actor.org_id, webhook_id))
    if found is None:
        raise NotFound("No such webhook.")
    return found


async def list_webhooks(session: AsyncSession, actor: Principal) -> list[WebhookOut]:
    policies.require_admin(actor)
    rows = await session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.org_id == actor.org_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )
    return [WebhookOut.model_validate(row) for row in rows]


async def get_webhook(session: AsyncSession, actor: Principal, webhook_id: uuid.UUID) -> WebhookOut:
    return WebhookOut.model_validate(await _get(session, actor, webhook_id))


async def create_webhook(
    session: AsyncSession, actor: Principal, data: WebhookCreate, *, allow_loopback: bool
) -> WebhookSecretOut:
    """Subscribe `data.url` to the timeline from now on. The secret is returned only here
    (and by `rotate_secret`). 422 `webhook_url_not_https`, `webhook_url_internal`."""
    policies.require_admin(actor)
    policies.check_url(data.url, allow_loopback=allow_loopback)
    await policies.check_resolved(data.url, allow_loopback=allow_loopback)
    now = clock.now()
    row = WebhookSubscription(
        org_id=actor.org_id,
        id=uuid.uuid4(),
        url=data.url,
        description=data.description,
        event_types=[t.value for t in data.event_types],
        active=data.active,
        secret=signing.new_secret(),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return WebhookSecretOut(webhook=WebhookOut.model_validate(row), secret=row.secret)


async def update_webhook(
    session: AsyncSession,
    actor: Principal,
    webhook_id: uuid.UUID,
    data: WebhookUpdate,
    *,
    allow_loopback: bool,
) -> WebhookOut:
    row = await _get(session, actor, webhook_id)
    if data.url is not None:
        policies.check_url(data.url, allow_loopback=allow_loopback)
        await policies.check_resolved(data.url, allow_loopback=allow_loopback)
        row.url = data.url
    if "description" in data.model_fields_set:
        row.description = data.description
    if data.event_types is not None:
        row.event_types = [t.value for t in data.event_types]
    if data.active is not None:
        row.active = data.active
    row.updated_at = clock.now()
    await session.flush()
    return WebhookOut.model_validate(row)


async def rotate_secret(
    session: AsyncSession, actor: Principal, webhook_id: uuid.UUID
) -> WebhookSecretOut:
    """A new secret signs every request from now on, retries of older events included."""
    row = await _get(session, actor, webhook_id)
    row.secret = signing.new_secret()
    row.updated_at = clock.now()
    await session.flush()
    return WebhookSecretOut(webhook=WebhookOut.model_validate(row), secret=row.secret)


async def delete_webhook(session: AsyncSession, actor: Principal, webhook_id: uuid.UUID) -> None:
    """Stop sending; the subscription's deliveries and their log go with it."""
    row = await _get(session, actor, webhook_id)
    await session.delete(row)
    await session.flush()


async def list_deliveries(
    session: AsyncSession, actor: Principal, webhook_id: uuid.UUID, *, limit: int = 50
) -> list[DeliveryOut]:
    """The subscription's most recent deliveries, newest first, each with its attempts."""
    check_limit(limit)
    await _get(session, actor, webhook_id)
    rows = list(
        await session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.org_id == actor.org_id,
                WebhookDelivery.subscription_id == webhook_id,
            )
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.event_id.desc())
            .limit(min(limit, MAX_LOG))
        )
    )
    attempts: dict[uuid.UUID, list[AttemptOut]] = {row.id: [] for row in rows}
    if rows:
        logged = await session.scalars(
            select(WebhookAttempt)
            .where(
                WebhookAttempt.org_id == actor.org_id,
                WebhookAttempt.delivery_id.in_(list(attempts)),
            )
            .order_by(WebhookAttempt.attempt)
        )
        for attempt in logged:
            attempts[attempt.delivery_id].append(AttemptOut.model_validate(attempt))
    return [
        DeliveryOut(
            id=row.id,
            message_id=message_id(row.event_id),
            event_type=row.event_type,
            state=row.state,
            next_attempt_at=row.next_attempt_at,
            created_at=row.created_at,
            succeeded_at=row.succeeded_at,
            attempts=attempts[row.id],
        )
        for row in rows
    ]


# Where a delivery's row keeps the request id it is sent with (`X-Request-ID`); taken out
# of the body before it is sent.
ORIGIN = "_request_id"


def _payload(event: Any) -> dict[str, Any]:
    # The confidential reporter stays unnamed to receivers, as on the timeline; nor does
    # the request id of their own request reach them (a client may choose its ids).
    hide_actor = event.visibility == Visibility.CONFIDENTIAL and event.actor_id == event.author_id
    data: dict[str, Any] = {
        "insight_id": str(event.insight_id),
        **request_ids.unstamped(event.data),
    }
    if event.actor_id is not None and not hide_actor:
        data["actor_id"] = str(event.actor_id)
    payload = {
        "type": f"insight.{event.type}",
        "timestamp": event.created_at.isoformat(),
        "data": data,
    }
    origin = event.data.get(request_ids.EVENT_KEY)
    if origin and not hide_actor:
        payload[ORIGIN] = origin
    return payload


async def dispatch_events(
    session: AsyncSession, *, now: datetime, limit: int = DISPATCH_BATCH
) -> int:
    """Turn a batch of undispatched timeline events into one delivery per matching active
    subscription. Concurrent dispatchers take disjoint batches (SKIP LOCKED), and the unique
    (subscription, event) pair keeps a delivery from being made twice. Returns the number of
    events taken; fewer than `limit` means the outbox is empty."""
    batch = (
        await session.execute(
            select(
                ev.org_id,
                ev.id,
                ev.insight_id,
                ev.type,
                ev.actor_id,
                ev.data,
                ev.created_at,
                insights.c.author_id,
                insights.c.visibility,
            )
            .join(
                insights,
                and_(insights.c.org_id == ev.org_id, insights.c.id == ev.insight_id),
            )
            .where(ev.webhooks_dispatched_at.is_(None))
            .order_by(ev.id)
            .limit(limit)
            .with_for_update(of=events, skip_locked=True)
        )
    ).all()
    if not batch:
        return 0
    subscriptions = (
        await session.execute(
            select(
                WebhookSubscription.org_id,
                WebhookSubscription.id,
                WebhookSubscription.event_types,
                WebhookSubscription.created_at,
            ).where(
                WebhookSubscription.org_id.in_({event.org_id for event in batch}),
                WebhookSubscription.active,
            )
        )
    ).all()
    rows = [
        {
            "org_id": event.org_id,
            "id": uuid.uuid4(),
            "subscription_id": sub.id,
            "event_id": event.id,
            "event_type": event.type.value,
            "payload": _payload(event),
            "state": DeliveryState.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in batch
        for sub in subscriptions
        if sub.org_id == event.org_id
        # A new subscription hears what happens after it was made, not the backlog.
        and sub.created_at <= event.created_at
        and (not sub.event_types or event.type.value in sub.event_types)
    ]
    if rows:
        await session.execute(insert(deliveries).on_conflict_do_nothing(), rows)
    await session.execute(
        update(events)
        .where(tuple_(ev.org_id, ev.id).in_([(event.org_id, event.id) for event in batch]))
        .values(webhooks_dispatched_at=now)
    )
    return len(batch)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A delivery a worker holds, with everything needed to send it."""

    org_id: uuid.UUID
    delivery_id: uuid.UUID
    message_id: str
    url: str
    secret: str
    body: bytes
    attempt: int
    # The request that made the event, when it may be told to the receiver.
    request_id: str | None = None


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Outgoing]:
    """Take up to `limit` deliveries that are due, each leased to the caller for `LEASE`.
    Deliveries of a paused subscription wait for it to be active again."""
    subs = table(WebhookSubscription).c
    due = (
        await session.execute(
            select(dc.org_id, dc.id, dc.event_id, dc.payload, dc.attempts, subs.url, subs.secret)
            .join(
                table(WebhookSubscription),
                and_(subs.org_id == dc.org_id, subs.id == dc.subscription_id),
            )
            .where(
                dc.state == DeliveryState.PENDING,
                dc.next_attempt_at <= now,
                subs.active,
            )
            .order_by(dc.next_attempt_at)
            .limit(limit)
            .with_for_update(of=deliveries, skip_locked=True)
        )
    ).all()
    if not due:
        return []
    await session.execute(
        update(deliveries)
        .where(tuple_(dc.org_id, dc.id).in_([(row.org_id, row.id) for row in due]))
        .values(attempts=dc.attempts + 1, next_attempt_at=now + LEASE)
    )
    return [_outgoing(row) for row in due]


def _outgoing(row: Any) -> Outgoing:
    body = dict(row.payload)
    origin = body.pop(ORIGIN, None)
    return Outgoing(
        org_id=row.org_id,
        delivery_id=row.id,
        message_id=message_id(row.event_id),
        url=row.url,
        secret=row.secret,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
        attempt=row.attempts + 1,
        request_id=origin if isinstance(origin, str) else None,
    )


@dataclass(frozen=True, slots=True)
class AttemptResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def record_attempt(
    session: AsyncSession, outgoing: Outgoing, result: AttemptResult, *, now: datetime
) -> None:
    """Log the attempt; a success ends the delivery, a failure schedules the next attempt
    after the backoff, or gives up after `MAX_ATTEMPTS`."""
    retry_at: datetime | None = None
    if result.succeeded:
        state = DeliveryState.SUCCEEDED
    elif outgoing.attempt >= MAX_ATTEMPTS:
        state = DeliveryState.FAILED
    else:
        state = DeliveryState.PENDING
        retry_at = now + BACKOFF[outgoing.attempt - 1]
    error = result.error[:500] if result.error else None
    kept = await session.scalar(
        update(deliveries)
        .where(dc.org_id == outgoing.org_id, dc.id == outgoing.delivery_id)
        .values(
            state=state,
            next_attempt_at=retry_at,
            last_status_code=result.status_code,
            last_error=error,
            succeeded_at=now if result.succeeded else None,
        )
        .returning(dc.id)
    )
    if kept is None:
        # The subscription was deleted while the request was out: nothing left to log.
        return
    session.add(
        WebhookAttempt(
            org_id=outgoing.org_id,
            delivery_id=outgoing.delivery_id,
            attempt=outgoing.attempt,
            attempted_at=now,
            status_code=result.status_code,
            error=error,
            duration_ms=result.duration_ms,
            succeeded=result.succeeded,
            next_attempt_at=retry_at,
        )
    )
    await session.flush()
