"""Posting an insight: stored, routed and announced in a fixed handful of statements."""

import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Row,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, rows, timeline
from app.insights.language import detect_language
from app.insights.models import Channel, EventType, InsightStatus, Visibility
from app.insights.schemas import InsightCreate, InsightOut
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org.principal import Principal
from app.org.taxonomy import IMPACT_LEVELS
from app.platform import clock
from app.platform.errors import (
    Conflict,
    InvalidInput,
    NotFound,
)
from app.routing import service as routing_service
from app.routing.service import Routing


def _same_post(row: Row[Any], data: InsightCreate, unit_id: uuid.UUID) -> bool:
    return bool(
        row.kind == data.kind
        and row.text == data.text
        and row.unit_id == unit_id
        and row.visibility == data.visibility
        and row.journey_stage == data.journey_stage
        and row.touchpoint == data.touchpoint
        and row.tags == data.tags
    )


_INSERT_INSIGHT = (
    insert(rows.insights)
    .on_conflict_do_nothing(index_elements=["org_id", "id"])
    .returning(rows.ic.id)
)


async def create_insight(
    session: AsyncSession, actor: Principal, data: InsightCreate
) -> tuple[InsightOut, bool]:
    """Post an insight and route it by the first routing rule that matches it.

    Returns the insight and whether it was created now. Posting again with the same client
    id returns the stored insight; a different post under a used id is a conflict.
    This is the hottest write path: a fixed handful of statements, no reads back.
    """
    now = clock.now()
    unit_id = data.unit_id or actor.home_unit_id
    occurred_at = data.occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise InvalidInput("occurred_at is in the future.", code="occurred_in_future")
    route = await _route(session, actor, data, unit_id)
    policies.require_post_into(actor, route.unit_path)
    values = _insight_values(actor, data, route, unit_id, occurred_at, now)
    if data.visibility is Visibility.CONFIDENTIAL:
        values["shown_unit_id"] = await session.scalar(policies.shown_unit(actor.org_id, unit_id))
    try:
        inserted = await session.scalar(_INSERT_INSIGHT, values)
    except IntegrityError as exc:
        # The request fails as a whole, so the aborted transaction is simply rolled back.
        raise _taxonomy_error(exc) from exc
    if inserted is None:
        # The id exists: a retry of this post (or a race with one), or a clash.
        existing = await _replayed(session, actor, data, unit_id)
        if existing is None:
            raise Conflict("The insight id is in use.", code="insight_id_conflict")
        return existing, False
    contact = await _add_contact(session, actor, data, values["id"], route, now)
    await _announce(session, actor, data, values, route)
    stored = {
        **values,
        "unit_name": route.unit_name,
        # Only the reporter reads this answer, and they see the unit itself.
        "shown_unit_name": route.unit_name,
        "owner_name": route.owner_name,
        "author_name": actor.display_name,
        "is_overdue": False,
        "closed_at": None,
        "acknowledged_at": None,
        "resolution": None,
        "loop_closed_at": None,
        "merged_into_id": None,
        **contact,
    }
    return InsightOut(**rows.out_fields(SimpleNamespace(**stored), actor)), True


async def _route(
    session: AsyncSession, actor: Principal, data: InsightCreate, unit_id: uuid.UUID
) -> Routing:
    try:
        return await routing_service.route_insight(
            session,
            actor.org_id,
            unit_id,
            kind=data.kind.value,
            journey_stage=data.journey_stage,
            tags=data.tags,
            customer_impact=IMPACT_LEVELS.index(data.customer_impact),
        )
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None


def _insight_values(
    actor: Principal,
    data: InsightCreate,
    route: Routing,
    unit_id: uuid.UUID,
    occurred_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The new insight's row: new, owned by the routed unit, due by the rule's deadlines."""
    return {
        "org_id": actor.org_id,
        "id": data.id or uuid.uuid4(),
        "unit_id": unit_id,
        "shown_unit_id": unit_id,
        "author_id": actor.person_id,
        "kind": data.kind,
        "text": data.text,
        "language": data.language or detect_language(data.text),
        "journey_stage": data.journey_stage,
        "touchpoint": data.touchpoint,
        "customer_impact": IMPACT_LEVELS.index(data.customer_impact),
        "customers_affected": data.customers_affected,
        "occurred_at": occurred_at,
        "visibility": data.visibility,
        "tags": data.tags,
        "status": InsightStatus.NEW,
        "owner_unit_id": route.owner_unit_id,
        "ack_due_at": now + timedelta(minutes=route.ack_minutes),
        "respond_due_at": now + timedelta(minutes=route.respond_minutes),
        "ack_minutes": route.ack_minutes,
        "respond_minutes": route.respond_minutes,
        "escalation_level": 0,
        "escalation_stopped_at": None,
        "endorsement_count": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


_NO_CONTACT: dict[str, Any] = {
    "contact_channel": None,
    "contact_name": None,
    "contact_address": None,
    "contact_consent_text": None,
    "contact_consented_at": None,
    "contact_owner_id": None,
    "contact_owner_name": None,
    "contact_due_at": None,
    "contact_told_at": None,
    "contact_erased_at": None,
}


async def _add_contact(
    session: AsyncSession,
    actor: Principal,
    data: InsightCreate,
    insight_id: uuid.UUID,
    route: Routing,
    now: datetime,
) -> dict[str, Any]:
    """Store the customer's consented contact, due an answer by the organisation's
    deadline; returns it as the insight's row shows it."""
    contact = data.customer_contact
    if contact is None:
        return _NO_CONTACT
    shown = {
        **_NO_CONTACT,
        "contact_channel": Channel(contact.channel.value),
        "contact_name": contact.name,
        "contact_address": contact.address,
        "contact_consent_text": contact.consent_text,
        "contact_consented_at": now,
        "contact_due_at": now + timedelta(minutes=route.customer_deadline_minutes),
    }
    await session.execute(
        insert(rows.contacts),
        {
            "org_id": actor.org_id,
            "insight_id": insight_id,
            "channel": shown["contact_channel"],
            "name": contact.name,
            "address": contact.address,
            "consent_text": contact.consent_text,
            "consented_at": now,
            "recorded_by": actor.person_id,
            "due_at": shown["contact_due_at"],
        },
    )
    return shown


async def _announce(
    session: AsyncSession,
    actor: Principal,
    data: InsightCreate,
    values: dict[str, Any],
    route: Routing,
) -> None:
    """The timeline's first two events (posted, routed) and the owners' notification."""
    insight_id = values["id"]
    await timeline.record_events(
        session,
        actor.org_id,
        [
            timeline.NewEvent(
                insight_id,
                EventType.POSTED,
                actor.person_id,
                # Never the customer's contact: the timeline outlives its erasure. The unit
                # is the one everyone but the reporter sees.
                {
                    "kind": data.kind.value,
                    "unit_id": str(values["shown_unit_id"]),
                    "customer_contact": data.customer_contact is not None,
                },
            ),
            timeline.NewEvent(
                insight_id,
                EventType.ROUTED,
                None,
                {
                    "owner_unit_id": str(route.owner_unit_id),
                    "owner_unit": route.owner_name,
                    "rule_id": str(route.rule_id) if route.rule_id else None,
                    "rule": route.rule_name,
                    "reason": route.reason,
                    "managers": len(route.manager_ids),
                    "ack_due_at": values["ack_due_at"].isoformat(),
                    "respond_due_at": values["respond_due_at"].isoformat(),
                },
            ),
        ],
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=route.manager_ids,
        kind=NotificationKind.INSIGHT_ASSIGNED,
        insight_id=insight_id,
        data={"excerpt": excerpt(data.text), "kind": data.kind.value},
        exclude=actor.person_id,
    )


def _taxonomy_error(exc: IntegrityError) -> InvalidInput:
    message = str(exc.orig)
    if "journey_stages" in message:
        return InvalidInput("Unknown journey stage.", code="unknown_journey_stage")
    if "touchpoints" in message:
        return InvalidInput("Unknown touchpoint.", code="unknown_touchpoint")
    return InvalidInput("The insight refers to something that does not exist.")


async def _replayed(
    session: AsyncSession, actor: Principal, data: InsightCreate, unit_id: uuid.UUID
) -> InsightOut | None:
    assert data.id is not None
    row = (
        await session.execute(
            rows.VISIBLE_BY_ID, rows.params(actor, clock.now(), insight_id=data.id)
        )
    ).first()
    if row is None:
        taken = await session.scalar(
            select(rows.ic.id).where(rows.ic.org_id == actor.org_id, rows.ic.id == data.id)
        )
        if taken is not None:
            raise Conflict("The insight id is in use.", code="insight_id_conflict")
        return None
    if row.author_id != actor.person_id or not _same_post(row, data, unit_id):
        raise Conflict("The insight id is in use.", code="insight_id_conflict")
    return InsightOut(**rows.out_fields(row, actor))
