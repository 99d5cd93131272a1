"""The insight row: how it is read (with its units, author and customer contact), who may
read or act on it, and what other domains receive of it (`InsightRef`).

The read and post paths use Core tables, not ORM entities: the ORM's per-statement work
would cost more than the queries themselves on the two hottest endpoints.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import DateTime, FromClause, Row, Select, and_, bindparam, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies
from app.insights.models import CustomerContact, Insight, InsightStatus, Visibility
from app.insights.schemas import CustomerContactOut
from app.org.models import Person, Unit
from app.org.principal import Principal
from app.org.schemas import PersonRef, UnitRef
from app.org.taxonomy import IMPACT_LEVELS, InsightKind
from app.platform import clock
from app.platform.db import table
from app.platform.errors import DomainError, Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class InsightRef:
    """What a command needs to know of one insight it read or locked: enough to check the
    caller's rights, move its status and tell its people. Other domains receive this."""

    id: uuid.UUID
    kind: InsightKind
    text: str
    author_id: uuid.UUID
    visibility: Visibility
    status: InsightStatus
    version: int
    unit_id: uuid.UUID
    unit_path: str
    owner_unit_id: uuid.UUID
    owner_name: str
    owner_path: str
    ack_minutes: int
    respond_minutes: int
    acknowledged_at: datetime | None
    loop_closed_at: datetime | None
    merged_into_id: uuid.UUID | None


def ref_of(row: Row[Any]) -> InsightRef:
    r = row._mapping
    return InsightRef(**{name: r[name] for name in InsightRef.__slots__})


insights = table(Insight)

ic = insights.c  # insight columns

UnitA = table(Unit).alias("unit")

OwnerA = table(Unit).alias("owner_unit")

ShownA = table(Unit).alias("shown_unit")

AuthorA = table(Person).alias("author")

contacts = table(CustomerContact)

cc = contacts.c  # customer contact columns

ContactOwnerA = table(Person).alias("contact_owner")

INSIGHT_COLUMNS = [c for c in insights.c if c.key != "search"]

NOW = bindparam("now", type_=DateTime(timezone=True))

# Open and past its deadline: to acknowledge while new, to respond after that.
OVERDUE = and_(
    ic.status.in_(policies.OPEN_STATUSES),
    or_(
        and_(ic.status == InsightStatus.NEW, ic.ack_due_at < NOW),
        ic.respond_due_at < NOW,
    ),
)

ROW_COLUMNS = (
    *INSIGHT_COLUMNS,
    UnitA.c.name.label("unit_name"),
    UnitA.c.path.label("unit_path"),
    # A subquery that runs only for an insight shown at another unit than its own (a
    # confidential one): joining the shown unit on every row cost the inbox a quarter.
    case(
        (ic.shown_unit_id == ic.unit_id, UnitA.c.name),
        else_=select(ShownA.c.name)
        .where(ShownA.c.org_id == ic.org_id, ShownA.c.id == ic.shown_unit_id)
        .scalar_subquery(),
    ).label("shown_unit_name"),
    OwnerA.c.name.label("owner_name"),
    OwnerA.c.path.label("owner_path"),
    AuthorA.c.display_name.label("author_name"),
    OVERDUE.label("is_overdue"),
    cc.channel.label("contact_channel"),
    cc.name.label("contact_name"),
    cc.address.label("contact_address"),
    cc.consent_text.label("contact_consent_text"),
    cc.consented_at.label("contact_consented_at"),
    cc.loop_owner_id.label("contact_owner_id"),
    ContactOwnerA.c.display_name.label("contact_owner_name"),
    cc.due_at.label("contact_due_at"),
    cc.told_at.label("contact_told_at"),
    cc.erased_at.label("contact_erased_at"),
)


def insight_rows(source: FromClause) -> Select[Any]:
    """Insight rows with their units' names and paths, the author's name and the customer
    contact, from `source` (the insights table, or a page of keys joined to it)."""
    return (
        select(*ROW_COLUMNS)
        .select_from(source)
        .join(UnitA, and_(UnitA.c.org_id == ic.org_id, UnitA.c.id == ic.unit_id))
        .join(OwnerA, and_(OwnerA.c.org_id == ic.org_id, OwnerA.c.id == ic.owner_unit_id))
        .join(AuthorA, and_(AuthorA.c.org_id == ic.org_id, AuthorA.c.id == ic.author_id))
        .outerjoin(contacts, and_(cc.org_id == ic.org_id, cc.insight_id == ic.id))
        .outerjoin(
            ContactOwnerA,
            and_(ContactOwnerA.c.org_id == cc.org_id, ContactOwnerA.c.id == cc.loop_owner_id),
        )
    )


# Built once: every read of one insight starts from this statement, bound by `params`, so
# SQLAlchemy compiles it once instead of once per request.
VISIBLE_INSIGHTS: Select[Any] = insight_rows(insights).where(
    ic.org_id == bindparam("org_id"),
    policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
)

VISIBLE_BY_ID = VISIBLE_INSIGHTS.where(ic.id == bindparam("insight_id"))

# The contact row is changed only under its insight's lock.
VISIBLE_BY_ID_LOCKED = VISIBLE_BY_ID.with_for_update(of=insights)


def params(actor: Principal, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"org_id": actor.org_id, "now": now, **policies.visibility_params(actor), **extra}


def author_ref(
    actor: Principal, author_id: uuid.UUID, name: str, visibility: Visibility
) -> PersonRef | None:
    if policies.shows_reporter(actor, author_id, visibility):
        return PersonRef(id=author_id, display_name=name)
    return None


def contact_out(actor: Principal, r: dict[str, Any]) -> CustomerContactOut | None:
    if r["contact_channel"] is None:
        return None
    # The post path knows no unit paths, but there the caller is the reporter.
    details = policies.sees_contact_details(
        actor, r["author_id"], r.get("unit_path", ""), r.get("owner_path", "")
    )
    owner_id = r["contact_owner_id"]
    return CustomerContactOut(
        channel=r["contact_channel"],
        name=r["contact_name"] if details else None,
        address=r["contact_address"] if details else None,
        consent_text=r["contact_consent_text"],
        consented_at=r["contact_consented_at"],
        owner=PersonRef(id=owner_id, display_name=r["contact_owner_name"]) if owner_id else None,
        due_at=r["contact_due_at"],
        told_at=r["contact_told_at"],
        erased_at=r["contact_erased_at"],
    )


def out_fields(row: Row[Any] | SimpleNamespace, actor: Principal) -> dict[str, Any]:
    # One dict per row: attribute access on a Row costs more than the rest of this function.
    r = row._asdict() if isinstance(row, Row) else vars(row)
    return {
        "id": r["id"],
        "kind": r["kind"],
        "text": r["text"],
        "language": r["language"],
        "journey_stage": r["journey_stage"],
        "touchpoint": r["touchpoint"],
        "customer_impact": IMPACT_LEVELS[r["customer_impact"]],
        "customers_affected": r["customers_affected"],
        "occurred_at": r["occurred_at"],
        "unit": (
            UnitRef(id=r["unit_id"], name=r["unit_name"])
            if policies.shows_unit(actor, r["author_id"], r["visibility"])
            else UnitRef(id=r["shown_unit_id"], name=r["shown_unit_name"])
        ),
        "owner_unit": UnitRef(id=r["owner_unit_id"], name=r["owner_name"]),
        "author": author_ref(actor, r["author_id"], r["author_name"], r["visibility"]),
        "is_mine": r["author_id"] == actor.person_id,
        "visibility": r["visibility"],
        "tags": r["tags"],
        "status": r["status"],
        "ack_due_at": r["ack_due_at"],
        "respond_due_at": r["respond_due_at"],
        "overdue": bool(r["is_overdue"]),
        "escalation_level": r["escalation_level"],
        "acknowledged_at": r["acknowledged_at"],
        "closed_at": r["closed_at"],
        "resolution": r["resolution"],
        "loop_closed_at": r["loop_closed_at"],
        "merged_into_id": r["merged_into_id"],
        "endorsement_count": r["endorsement_count"],
        "endorsing_units": [],
        "customer_contact": contact_out(actor, r),
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
        "version": r["version"],
    }


async def visible_row(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    query = VISIBLE_BY_ID_LOCKED if lock else VISIBLE_BY_ID
    bound = params(actor, clock.now(), insight_id=insight_id)
    row: Row[Any] | None = (await session.execute(query, bound)).first()
    if row is None:
        raise NotFound("No such insight.")
    return row


async def visible_insight(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> InsightRef:
    """The insight if `actor` may read it; else 404."""
    return ref_of(await visible_row(session, actor, insight_id))


async def lock_for_action(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> InsightRef:
    """The insight, locked, if `actor` may act on it: 404 out of sight, 403 without rights."""
    row = await visible_row(session, actor, insight_id, lock=True)
    policies.require_act(actor, row.unit_path, row.owner_path)
    return ref_of(row)


async def lock_visible(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> InsightRef:
    """The insight, locked (its customer contact with it), if `actor` may read it; else 404."""
    return ref_of(await visible_row(session, actor, insight_id, lock=True))


async def readable(
    session: AsyncSession, actor: Principal, insight_ids: list[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """Of `insight_ids`, those `actor` may read, each with whether they may act on it."""
    if not insight_ids:
        return {}
    rows = await session.execute(
        select(ic.id, UnitA.c.path, OwnerA.c.path.label("owner_path"))
        .join(UnitA, and_(UnitA.c.org_id == ic.org_id, UnitA.c.id == ic.unit_id))
        .join(OwnerA, and_(OwnerA.c.org_id == ic.org_id, OwnerA.c.id == ic.owner_unit_id))
        .where(
            ic.org_id == actor.org_id,
            ic.id.in_(insight_ids),
            policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
        ),
        policies.visibility_params(actor),
    )
    return {row.id: policies.can_act(actor, row.path, row.owner_path) for row in rows}


def is_reporter(row: InsightRef, person_id: uuid.UUID | None) -> bool:
    return person_id is not None and person_id == row.author_id


def masked_person(
    actor: Principal, row: InsightRef, person_id: uuid.UUID | None, name: str | None
) -> PersonRef | None:
    """A person as `actor` may see them: the confidential reporter stays unnamed."""
    if person_id is None or name is None:
        return None
    if is_reporter(row, person_id) and not policies.shows_reporter(
        actor, person_id, row.visibility
    ):
        return None
    return PersonRef(id=person_id, display_name=name)


def require_follows(actor: Principal, row: InsightRef) -> None:
    """403 `not_in_thread` unless `actor` follows the insight's thread and timeline."""
    if not policies.follows(actor, row.author_id, row.unit_path, row.owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers follow its thread.",
            code="not_in_thread",
        )


async def visible_rows(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> list[Row[Any]]:
    """The rows of those of `insight_ids` that `actor` may read, in one statement."""
    if not insight_ids:
        return []
    found = await session.execute(
        VISIBLE_INSIGHTS.where(ic.id.in_(bindparam("ids", expanding=True))),
        params(actor, clock.now(), ids=list(dict.fromkeys(insight_ids))),
    )
    return list(found.all())


async def visible_refs(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InsightRef]:
    """Of `insight_ids`, those `actor` may read, in one statement."""
    return {row.id: ref_of(row) for row in await visible_rows(session, actor, insight_ids)}


T = TypeVar("T")
# What a batch read answers for each insight asked about: its value, or the error a read of
# that one insight alone would raise.
Each = dict[uuid.UUID, T | DomainError]


async def followed_refs(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, InsightRef], dict[uuid.UUID, DomainError]]:
    """Of `insight_ids`, the insights whose thread and timeline `actor` follows, and for
    the others the error: 404 out of sight, 403 `not_in_thread`."""
    visible = await visible_refs(session, actor, insight_ids)
    followed: dict[uuid.UUID, InsightRef] = {}
    failed: dict[uuid.UUID, DomainError] = {}
    for insight_id in insight_ids:
        ref = visible.get(insight_id)
        try:
            if ref is None:
                raise NotFound("No such insight.")
            require_follows(actor, ref)
        except DomainError as exc:
            failed[insight_id] = exc
        else:
            followed[insight_id] = ref
    return followed, failed


def one(each: "Each[T]", insight_id: uuid.UUID) -> T:
    """The value a batch read found for `insight_id`, or the error it met, raised."""
    value = each[insight_id]
    if isinstance(value, DomainError):
        raise value
    return value
