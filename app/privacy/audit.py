"""Writing the audit trail, in the transaction of the request it describes: an entry exists
exactly when the change it records was committed, or the read it records was answered."""

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.privacy import policies
from app.privacy.models import AuditEntry, AuditKind

entries = table(AuditEntry)

CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_VALUE_LENGTH = 200


def kind_of(actor: Principal, *, changes: bool) -> AuditKind | None:
    """What an entry for this request is, or None when it needs none."""
    if changes:
        return AuditKind.CHANGE
    if policies.reads_are_audited(actor):
        return AuditKind.READ
    return None


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
        return value[:MAX_VALUE_LENGTH] + "…"
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# Where a session notes that its request's entry is written: `AsyncSession.info[RECORDED]`.
RECORDED = "insight.audit_recorded"


def entry(
    actor: Principal,
    *,
    kind: AuditKind,
    operation: str,
    target: dict[str, Any],
    status: int | None = None,
) -> dict[str, Any]:
    """The audit row of one request."""
    return {
        "org_id": actor.org_id,
        "id": uuid.uuid4(),
        "at": clock.now(),
        "actor_id": actor.person_id,
        "roles": sorted({g.role.value for g in actor.grants}),
        "kind": kind,
        "operation": operation[:300],
        "target": {name: _short(value) for name, value in target.items()},
        "status": status,
    }


async def record(
    session: AsyncSession,
    actor: Principal,
    *,
    kind: AuditKind,
    operation: str,
    target: dict[str, Any],
    status: int | None = None,
) -> None:
    await session.execute(
        insert(entries).values(
            **entry(actor, kind=kind, operation=operation, target=target, status=status)
        )
    )


async def trail_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID, *, with_frontline: bool
) -> list[dict[str, Any]]:
    """What the person did, oldest first, for their data export; without `with_frontline`,
    not the entries that would not name them (`policies.names_actor`)."""
    e = entries.c
    query = select(e.at, e.kind, e.operation, e.target).where(
        e.org_id == org_id, e.actor_id == person_id
    )
    if not with_frontline:
        query = query.where(policies.named_clause(e.roles))
    rows = await session.execute(query.order_by(e.at, e.id))
    return [dict(row) for row in rows.mappings()]
