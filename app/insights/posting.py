"""Posting an insight: stored, routed and announced in a fixed handful of statements."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    Row,
    Table,
    select,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies, post_statement, rows
from app.insights.language import language_of
from app.insights.models import Channel, EventType, InsightStatus, Visibility
from app.insights.schemas import InsightCreate, InsightOut
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import EmailState, NotificationKind
from app.org.principal import Principal
from app.org.taxonomy import IMPACT_LEVELS
from app.platform import clock, request_ids, tenancy
from app.platform.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
)
from app.routing import service as routing_service
from app.routing.directory import Directories, Directory
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

# How often a post is decided again when the organisation's directory moved under it.
_ATTEMPTS = 5


@dataclass(frozen=True)
class Cached:
    """What lets a request post without reading anything first: the routing directories
    this process holds, a way to read the caller again (and hold them anew) when their
    organisation's directory has moved, and the request's audit entry, written in the
    same statement (`audit` gives its table and row for the caller; `audited` is the
    `session.info` key noted once it is written). The statement also binds the rest of
    the transaction to the caller's organisation."""

    directories: Directories
    refresh: Callable[[], Awaitable[Principal]]
    audit: Callable[[Principal], tuple[Table, dict[str, Any]]] | None = None
    audited: str = ""


async def create_insight(
    session: AsyncSession,
    actor: Principal,
    data: InsightCreate,
    cached: Cached | None = None,
) -> tuple[InsightOut, bool]:
    """Post an insight and route it by the first routing rule that matches it.

    Returns the insight and whether it was created now. Posting again with the same client
    id returns the stored insight; a different post under a used id is a conflict.
    This is the hottest write path: one statement writes everything, no reads back. With
    `cached`, routing and the caller's grants come from memory, and that statement writes
    only while the organisation's directory is still at the version they were read at;
    when it has moved, they are read again and the post decided anew.
    """
    now = clock.now()
    occurred_at = data.occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise InvalidInput("occurred_at is in the future.", code="occurred_in_future")
    language = data.language or await language_of(data.text)
    for _ in range(_ATTEMPTS):
        actor, route, version = await _decide(session, actor, data, cached)
        unit_id = data.unit_id or actor.home_unit_id
        values = _insight_values(actor, data, route, unit_id, occurred_at, now, language)
        if data.visibility is Visibility.CONFIDENTIAL:
            if cached is not None:
                await tenancy.ensure_entered(session, actor.org_id)
            values["shown_unit_id"] = await session.scalar(
                policies.shown_unit(actor.org_id, unit_id)
            )
        statement, params, shown = _write(actor, data, values, route, now, cached, version)
        try:
            written = (await session.execute(statement, params)).one()
        except IntegrityError as exc:
            # The request fails as a whole, so the aborted transaction is simply rolled back.
            raise _taxonomy_error(exc) from exc
        if cached is not None:
            tenancy.entered(session, actor.org_id)
        if written.inserted_id is not None:
            if cached is not None and cached.audit is not None:
                session.info[cached.audited] = True
            return _answer(actor, values, route, shown), True
        if cached is not None and written.version != version:
            # The directory moved since routing and grants were read: nothing was written.
            cached.directories.drop(actor.org_id)
            actor = await cached.refresh()
            continue
        # The id exists: a retry of this post (or a race with one), or a clash.
        existing = await _replayed(session, actor, data, unit_id)
        if existing is None:
            raise Conflict("The insight id is in use.", code="insight_id_conflict")
        return existing, False
    raise RuntimeError("the organisation's directory kept changing under a post")


async def _decide(
    session: AsyncSession, actor: Principal, data: InsightCreate, cached: Cached | None
) -> tuple[Principal, Routing, int | None]:
    """The caller as they are, where the insight goes, and the directory version both were
    read at (None when read from the database in this transaction). A refusal on cached
    grants or routing is made only after the database confirms they are current."""
    if cached is None:
        route = await _route(session, actor, data, data.unit_id or actor.home_unit_id)
        policies.require_post_into(actor, route.unit_path)
        return actor, route, None
    confirmed = False
    for _ in range(_ATTEMPTS):
        directory = await cached.directories.current(
            session, actor.org_id, at_least=actor.directory_version
        )
        if directory is not None and directory.version > actor.directory_version:
            actor = await cached.refresh()
            continue
        try:
            if directory is None:
                raise InvalidInput("The unit does not exist.", code="unknown_unit")
            route = _route_in(directory, actor, data, data.unit_id or actor.home_unit_id)
            policies.require_post_into(actor, route.unit_path)
            return actor, route, directory.version
        except (InvalidInput, Forbidden):
            if confirmed:
                raise
            confirmed = True
            current = await tenancy.enter_at_version(session, actor.org_id)
            if directory is not None and current == directory.version:
                raise
            cached.directories.drop(actor.org_id)
            actor = await cached.refresh()
    raise RuntimeError("the organisation's directory kept changing under a post")


def _route_in(
    directory: Directory, actor: Principal, data: InsightCreate, unit_id: uuid.UUID
) -> Routing:
    try:
        return routing_service.route_in(
            directory,
            unit_id,
            kind=data.kind.value,
            journey_stage=data.journey_stage,
            tags=data.tags,
            customer_impact=IMPACT_LEVELS.index(data.customer_impact),
        )
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None


def _write(
    actor: Principal,
    data: InsightCreate,
    values: dict[str, Any],
    route: Routing,
    now: datetime,
    cached: Cached | None,
    version: int | None,
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The statement that writes the post, its parameters, and the contact as the
    insight's row shows it."""
    params: dict[str, Any] = {"org_id": actor.org_id, "version": version, "now": now}
    params.update({f"i_{name}": values[name] for name in post_statement.INSIGHT_COLUMNS})
    contact = data.customer_contact
    shown = _NO_CONTACT
    if contact is not None:
        shown = {
            **_NO_CONTACT,
            "contact_channel": Channel(contact.channel.value),
            "contact_name": contact.name,
            "contact_address": contact.address,
            "contact_consent_text": contact.consent_text,
            "contact_consented_at": now,
            "contact_due_at": now + timedelta(minutes=route.customer_deadline_minutes),
        }
        params.update(
            c_channel=shown["contact_channel"],
            c_name=contact.name,
            c_address=contact.address,
            c_consent_text=contact.consent_text,
            c_consented_at=now,
            c_recorded_by=actor.person_id,
            c_due_at=shown["contact_due_at"],
        )
    for i, event in enumerate(_events(actor, data, values, route)):
        params.update(
            {
                f"e{i}_type": event[0],
                f"e{i}_actor_id": event[1],
                f"e{i}_data": request_ids.stamped(event[2]),
            }
        )
    recipients = sorted({p for p in route.manager_ids if p != actor.person_id})
    params.update(
        n_ids=[uuid.uuid4() for _ in recipients],
        n_person_ids=recipients,
        n_kind=NotificationKind.INSIGHT_ASSIGNED,
        n_data={"excerpt": excerpt(data.text), "kind": data.kind.value},
        n_email_state=(
            EmailState.PENDING
            if NotificationKind.INSIGHT_ASSIGNED in notify_service.EMAILED_KINDS
            else None
        ),
    )
    audit_table: Table | None = None
    audit_names: tuple[str, ...] = ()
    if cached is not None:
        params["entering_org_id"] = str(actor.org_id)
        if cached.audit is not None:
            audit_table, row = cached.audit(actor)
            audit_names = tuple(name for name in row if name != "org_id")
            params.update({f"a_{name}": row[name] for name in audit_names})
    statement = post_statement.statement(
        contact=contact is not None,
        enter=cached is not None,
        audit=audit_table,
        audit_names=audit_names,
    )
    return statement, params, shown


def _events(
    actor: Principal, data: InsightCreate, values: dict[str, Any], route: Routing
) -> list[tuple[EventType, uuid.UUID | None, dict[str, Any]]]:
    """The timeline's first two events: posted, routed."""
    return [
        (
            EventType.POSTED,
            actor.person_id,
            # Never the customer's contact: the timeline outlives its erasure. The unit is
            # the one everyone but the reporter sees.
            {
                "kind": data.kind.value,
                "unit_id": str(values["shown_unit_id"]),
                "customer_contact": data.customer_contact is not None,
            },
        ),
        (
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
    ]


def _answer(
    actor: Principal, values: dict[str, Any], route: Routing, contact: dict[str, Any]
) -> InsightOut:
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
    return InsightOut(**rows.out_fields(SimpleNamespace(**stored), actor))


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
    language: str | None,
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
        "language": language,
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
