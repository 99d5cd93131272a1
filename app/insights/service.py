"""Insights: posting, the inbox, status changes, comments and the timeline."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    DateTime,
    FromClause,
    Integer,
    Row,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import REGCONFIG, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action, ActionInsight
from app.actions.schemas import ActionSummary
from app.attachments.listing import attachments_of
from app.auth.principal import Principal
from app.insights import policies
from app.insights.language import detect_language
from app.insights.models import Comment as CommentRow
from app.insights.models import (
    Endorsement,
    EventType,
    Insight,
    InsightEvent,
    InsightStatus,
    Visibility,
)
from app.insights.schemas import (
    IMPACT_LEVELS,
    AssignInput,
    BulkItemError,
    BulkItemResult,
    BulkOperation,
    BulkTriageInput,
    BulkTriageOut,
    CommentCreate,
    CommentOut,
    EndorsementCreate,
    EndorsementOut,
    EndorsingUnit,
    EventOut,
    InsightCreate,
    InsightDetail,
    InsightFilters,
    InsightOut,
    MergedOutcome,
    MergeInput,
    MyInsightOut,
)
from app.loop.models import Channel, CustomerContact, LoopCommunication
from app.loop.schemas import AnswerOut, CustomerContactOut
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.models import Person, Role, RoleGrant, Unit
from app.org.schemas import PersonRef, UnitRef
from app.platform import clock
from app.platform.db import table
from app.platform.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
)
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor
from app.routing import service as routing_service

Scope = Literal["inbox", "visible", "mine"]

# The read and post paths use Core tables, not ORM entities: the ORM's per-statement work
# would cost more than the queries themselves on the two hottest endpoints.
insights = table(Insight)
ic = insights.c  # insight columns
UnitA = table(Unit).alias("unit")
OwnerA = table(Unit).alias("owner_unit")
AuthorA = table(Person).alias("author")
contacts = table(CustomerContact)
cc = contacts.c  # customer contact columns
ContactOwnerA = table(Person).alias("contact_owner")
endorsements = table(Endorsement)
ec = endorsements.c

_INSIGHT_COLUMNS = [c for c in insights.c if c.key != "search"]


_NOW = bindparam("now", type_=DateTime(timezone=True))

# Open and past its deadline: to acknowledge while new, to respond after that.
_OVERDUE = and_(
    ic.status.in_(policies.OPEN_STATUSES),
    or_(
        and_(ic.status == InsightStatus.NEW, ic.ack_due_at < _NOW),
        ic.respond_due_at < _NOW,
    ),
)

_ROW_COLUMNS = (
    *_INSIGHT_COLUMNS,
    UnitA.c.name.label("unit_name"),
    UnitA.c.path.label("unit_path"),
    OwnerA.c.name.label("owner_name"),
    OwnerA.c.path.label("owner_path"),
    AuthorA.c.display_name.label("author_name"),
    _OVERDUE.label("is_overdue"),
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


def _insight_rows(source: FromClause) -> Select[Any]:
    """Insight rows with their units' names and paths, the author's name and the customer
    contact, from `source` (the insights table, or a page of keys joined to it)."""
    return (
        select(*_ROW_COLUMNS)
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


# Built once: every read of one insight starts from this statement, bound by `_params`, so
# SQLAlchemy compiles it once instead of once per request.
_VISIBLE_INSIGHTS: Select[Any] = _insight_rows(insights).where(
    ic.org_id == bindparam("org_id"),
    policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
)
_VISIBLE_BY_ID = _VISIBLE_INSIGHTS.where(ic.id == bindparam("insight_id"))
# The contact row is changed only under its insight's lock.
_VISIBLE_BY_ID_LOCKED = _VISIBLE_BY_ID.with_for_update(of=insights)


def _params(actor: Principal, now: datetime, **extra: Any) -> dict[str, Any]:
    return {"org_id": actor.org_id, "now": now, **policies.visibility_params(actor), **extra}


def _author_ref(
    actor: Principal, author_id: uuid.UUID, name: str, visibility: Visibility
) -> PersonRef | None:
    if policies.shows_reporter(actor, author_id, visibility):
        return PersonRef(id=author_id, display_name=name)
    return None


def _contact_out(actor: Principal, r: dict[str, Any]) -> CustomerContactOut | None:
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


def _out_fields(row: Row[Any] | SimpleNamespace, actor: Principal) -> dict[str, Any]:
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
        "unit": UnitRef(id=r["unit_id"], name=r["unit_name"]),
        "owner_unit": UnitRef(id=r["owner_unit_id"], name=r["owner_name"]),
        "author": _author_ref(actor, r["author_id"], r["author_name"], r["visibility"]),
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
        "customer_contact": _contact_out(actor, r),
        "created_at": r["created_at"],
        "updated_at": r["updated_at"],
        "version": r["version"],
    }


async def _visible_row(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, *, lock: bool = False
) -> Row[Any]:
    query = _VISIBLE_BY_ID_LOCKED if lock else _VISIBLE_BY_ID
    params = _params(actor, clock.now(), insight_id=insight_id)
    row: Row[Any] | None = (await session.execute(query, params)).first()
    if row is None:
        raise NotFound("No such insight.")
    return row


@dataclass(frozen=True, slots=True)
class NewEvent:
    insight_id: uuid.UUID
    type: EventType
    actor_id: uuid.UUID | None
    data: dict[str, Any]


async def visible_insight(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> Row[Any]:
    """The insight row (with its unit and owner paths) if `actor` may read it; else 404."""
    return await _visible_row(session, actor, insight_id)


async def record_events(session: AsyncSession, org_id: uuid.UUID, events: list[NewEvent]) -> None:
    """Append to insights' timelines in one statement, all at the same moment."""
    if not events:
        return
    now = clock.now()
    await session.execute(
        insert(table(InsightEvent)),
        [
            {
                "org_id": org_id,
                "insight_id": event.insight_id,
                "type": event.type,
                "actor_id": event.actor_id,
                "data": event.data,
                "created_at": now,
            }
            for event in events
        ],
    )


async def record_event(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    insight_ids: list[uuid.UUID] | uuid.UUID,
    type: EventType,
    actor_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append the same event to the timeline of one or more insights."""
    ids = insight_ids if isinstance(insight_ids, list) else [insight_ids]
    await record_events(session, org_id, [NewEvent(i, type, actor_id, data or {}) for i in ids])


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
    insert(insights).on_conflict_do_nothing(index_elements=["org_id", "id"]).returning(ic.id)
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
    insight_id = data.id or uuid.uuid4()
    occurred_at = data.occurred_at or now
    if occurred_at > now + timedelta(minutes=5):
        raise InvalidInput("occurred_at is in the future.", code="occurred_in_future")

    impact = IMPACT_LEVELS.index(data.customer_impact)
    try:
        route = await routing_service.route_insight(
            session,
            actor.org_id,
            unit_id,
            kind=data.kind.value,
            journey_stage=data.journey_stage,
            tags=data.tags,
            customer_impact=impact,
        )
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None

    ack_due_at = now + timedelta(hours=route.ack_hours)
    respond_due_at = now + timedelta(hours=route.respond_hours)
    values: dict[str, Any] = {
        "org_id": actor.org_id,
        "id": insight_id,
        "unit_id": unit_id,
        "author_id": actor.person_id,
        "kind": data.kind,
        "text": data.text,
        "language": data.language or detect_language(data.text),
        "journey_stage": data.journey_stage,
        "touchpoint": data.touchpoint,
        "customer_impact": impact,
        "customers_affected": data.customers_affected,
        "occurred_at": occurred_at,
        "visibility": data.visibility,
        "tags": data.tags,
        "status": InsightStatus.NEW,
        "owner_unit_id": route.owner_unit_id,
        "ack_due_at": ack_due_at,
        "respond_due_at": respond_due_at,
        "ack_hours": route.ack_hours,
        "respond_hours": route.respond_hours,
        "escalation_level": 0,
        "escalation_stopped_at": None,
        "endorsement_count": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
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

    contact = data.customer_contact
    contact_values: dict[str, Any] = {
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
    if contact is not None:
        contact_values.update(
            contact_channel=Channel(contact.channel.value),
            contact_name=contact.name,
            contact_address=contact.address,
            contact_consent_text=contact.consent_text,
            contact_consented_at=now,
            contact_due_at=now + timedelta(hours=route.customer_deadline_hours),
        )
        await session.execute(
            insert(contacts),
            {
                "org_id": actor.org_id,
                "insight_id": insight_id,
                "channel": contact_values["contact_channel"],
                "name": contact.name,
                "address": contact.address,
                "consent_text": contact.consent_text,
                "consented_at": now,
                "recorded_by": actor.person_id,
                "due_at": contact_values["contact_due_at"],
            },
        )

    await record_events(
        session,
        actor.org_id,
        [
            NewEvent(
                insight_id,
                EventType.POSTED,
                actor.person_id,
                # Never the customer's contact: the timeline outlives its erasure.
                {
                    "kind": data.kind.value,
                    "unit_id": str(unit_id),
                    "customer_contact": contact is not None,
                },
            ),
            NewEvent(
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
                    "ack_due_at": ack_due_at.isoformat(),
                    "respond_due_at": respond_due_at.isoformat(),
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
    stored = {
        **values,
        "unit_name": route.unit_name,
        "owner_name": route.owner_name,
        "author_name": actor.display_name,
        "is_overdue": False,
        "closed_at": None,
        "acknowledged_at": None,
        "resolution": None,
        "loop_closed_at": None,
        "merged_into_id": None,
        **contact_values,
    }
    return InsightOut(**_out_fields(SimpleNamespace(**stored), actor)), True


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
        await session.execute(_VISIBLE_BY_ID, _params(actor, clock.now(), insight_id=data.id))
    ).first()
    if row is None:
        taken = await session.scalar(
            select(ic.id).where(ic.org_id == actor.org_id, ic.id == data.id)
        )
        if taken is not None:
            raise Conflict("The insight id is in use.", code="insight_id_conflict")
        return None
    if row.author_id != actor.person_id or not _same_post(row, data, unit_id):
        raise Conflict("The insight id is in use.", code="insight_id_conflict")
    return InsightOut(**_out_fields(row, actor))


def _search_condition() -> ColumnElement[bool]:
    q = bindparam("q", type_=Text)
    query = (
        func.websearch_to_tsquery(cast(literal("simple"), REGCONFIG), q)
        .op("||")(func.websearch_to_tsquery(cast(literal("finnish"), REGCONFIG), q))
        .op("||")(func.websearch_to_tsquery(cast(literal("english"), REGCONFIG), q))
    )
    return ic.search.op("@@")(query)


def _managed_unit_ids(actor: Principal) -> list[uuid.UUID]:
    return [g.unit_id for g in actor.grants if g.role in policies.ACTORS]


@dataclass(frozen=True, slots=True)
class _PageShape:
    """Which filters a list request uses: the statement depends on this, never on values."""

    scope: Scope
    statuses: bool
    kinds: bool
    journey_stages: bool
    subtree: bool
    search: bool
    after: bool


@lru_cache(maxsize=256)
def _page_query(shape: _PageShape) -> Select[Any]:
    """The statement for one page, built once per shape with every value bound, so neither
    construction nor compilation is paid per request.

    The page's keys come first, from the insights table alone (filtered, sorted and cut on
    its indexes); only those rows are then joined to units, people and contacts."""
    keys = select(ic.id, ic.created_at).where(
        ic.org_id == bindparam("org_id"),
        policies.visible_clause(ic.author_id, ic.unit_id, ic.owner_unit_id, ic.visibility),
    )
    if shape.scope == "inbox":
        keys = keys.where(ic.owner_unit_id.in_(bindparam("managed", expanding=True)))
    elif shape.scope == "mine":
        keys = keys.where(ic.author_id == bindparam("reader_id"))
    if shape.statuses:
        keys = keys.where(ic.status.in_(bindparam("statuses", expanding=True)))
    if shape.kinds:
        keys = keys.where(ic.kind.in_(bindparam("kinds", expanding=True)))
    if shape.journey_stages:
        keys = keys.where(ic.journey_stage.in_(bindparam("journey_stages", expanding=True)))
    if shape.subtree:
        units = table(Unit)
        subtree = (
            select(units.c.path)
            .where(
                units.c.org_id == bindparam("org_id"), units.c.id == bindparam("subtree_unit_id")
            )
            .scalar_subquery()
        )
        keys = keys.where(
            ic.unit_id.in_(
                select(units.c.id).where(
                    units.c.org_id == bindparam("org_id"), units.c.path.startswith(subtree)
                )
            )
        )
    if shape.search:
        keys = keys.where(_search_condition())

    rank = case((_OVERDUE, 1), else_=0) if shape.scope == "inbox" else literal(0)
    if shape.after:
        after_rank = bindparam("after_rank", type_=Integer)
        keys = keys.where(
            or_(
                rank < after_rank,
                and_(
                    rank == after_rank,
                    tuple_(ic.created_at, ic.id)
                    < tuple_(
                        bindparam("after_created", type_=DateTime(timezone=True)),
                        bindparam("after_id", type_=Uuid),
                    ),
                ),
            )
        )
    page = (
        keys.add_columns(rank.label("rank"))
        .order_by(rank.desc(), ic.created_at.desc(), ic.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery("page")
    )
    # The keys come first so the plan starts from the page, whatever the statistics say.
    return _insight_rows(
        page.join(insights, and_(ic.org_id == bindparam("org_id"), ic.id == page.c.id))
    ).order_by(page.c.rank.desc(), page.c.created_at.desc(), page.c.id.desc())


async def list_insights(
    session: AsyncSession,
    actor: Principal,
    *,
    scope: Scope,
    filters: InsightFilters,
    limit: int = 25,
    cursor: str | None = None,
) -> Page[InsightOut]:
    """A page of insights. `inbox`: routed to the caller's units, overdue first, then newest,
    open ones unless a status filter says otherwise. `visible`: all the caller may read,
    newest first. `mine`: the caller's own posts, newest first."""
    check_limit(limit)
    position = read_cursor(
        cursor, n=datetime.fromisoformat, o=int, c=datetime.fromisoformat, i=uuid.UUID
    )
    # A cursor keeps the moment of the first page, so "overdue" cannot shift under the reader.
    now = position["n"] if position else clock.now()
    params = _params(actor, now, limit=limit + 1)
    statuses = filters.status
    if scope == "inbox":
        managed = _managed_unit_ids(actor)
        if not managed:
            raise Forbidden("The inbox is for managers.", code="not_a_manager")
        params["managed"] = managed
        statuses = statuses or list(policies.OPEN_STATUSES)
    q = filters.q.strip() if filters.q else ""
    values = {
        "statuses": statuses,
        "kinds": filters.kind,
        "journey_stages": filters.journey_stage,
        "subtree_unit_id": filters.unit_id,
        "q": q or None,
    }
    params.update({name: value for name, value in values.items() if value})
    if position is not None:
        params.update(after_rank=position["o"], after_created=position["c"], after_id=position["i"])
    shape = _PageShape(
        scope=scope,
        statuses=bool(statuses),
        kinds=bool(filters.kind),
        journey_stages=bool(filters.journey_stage),
        subtree=filters.unit_id is not None,
        search=bool(q),
        after=position is not None,
    )
    query = _page_query(shape)
    rows = list((await session.execute(query, params)).all())

    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(
            {
                "n": now.isoformat(),
                "o": int(bool(last.is_overdue)) if scope == "inbox" else 0,
                "c": last.created_at.isoformat(),
                "i": str(last.id),
            }
        )
    if scope == "mine":
        items = await _with_follow_up(session, actor, rows)
    else:
        items = [InsightOut(**_out_fields(r, actor)) for r in rows]
    await _add_endorsing_units(session, actor.org_id, items)
    return Page(items=items, next_cursor=next_cursor)


async def _add_endorsing_units(
    session: AsyncSession, org_id: uuid.UUID, items: list[InsightOut] | list[InsightDetail]
) -> None:
    # Only insights someone backed cost a query, and a page of them costs one.
    backed = {i.id: i for i in items if i.endorsement_count}
    if not backed:
        return
    units = table(Unit)
    rows = await session.execute(
        select(ec.insight_id, ec.unit_id, units.c.name, func.count().label("n"))
        .join(units, and_(units.c.org_id == ec.org_id, units.c.id == ec.unit_id))
        .where(ec.org_id == org_id, ec.insight_id.in_(list(backed)))
        .group_by(ec.insight_id, ec.unit_id, units.c.name)
        .order_by(func.count().desc(), units.c.name)
    )
    for row in rows:
        backed[row.insight_id].endorsing_units.append(
            EndorsingUnit(unit=UnitRef(id=row.unit_id, name=row.name), count=row.n)
        )


async def _actions_for(
    session: AsyncSession, org_id: uuid.UUID, insight_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ActionSummary]]:
    result: dict[uuid.UUID, list[ActionSummary]] = {i: [] for i in insight_ids}
    if not insight_ids:
        return result
    rows = await session.execute(
        select(ActionInsight.insight_id, Action.id, Action.title, Action.status, Action.outcome)
        .join(
            Action,
            and_(Action.org_id == ActionInsight.org_id, Action.id == ActionInsight.action_id),
        )
        .where(ActionInsight.org_id == org_id, ActionInsight.insight_id.in_(insight_ids))
        .order_by(Action.created_at)
    )
    for row in rows:
        result[row.insight_id].append(
            ActionSummary(id=row.id, title=row.title, status=row.status, outcome=row.outcome)
        )
    return result


async def _answers_for(
    session: AsyncSession,
    actor: Principal,
    insight_ids: list[uuid.UUID],
    *,
    all_audiences: bool,
) -> dict[uuid.UUID, list[AnswerOut]]:
    """Messages on `insight_ids`: every one (`all_audiences`, for its managers), or else the
    ones addressed to the caller."""
    result: dict[uuid.UUID, list[AnswerOut]] = {i: [] for i in insight_ids}
    if not insight_ids:
        return result
    query = (
        select(LoopCommunication, Person.display_name)
        .join(
            Person,
            and_(
                Person.org_id == LoopCommunication.org_id,
                Person.id == LoopCommunication.author_id,
            ),
        )
        .where(
            LoopCommunication.org_id == actor.org_id,
            LoopCommunication.insight_id.in_(insight_ids),
        )
        .order_by(LoopCommunication.created_at, LoopCommunication.id)
    )
    if not all_audiences:
        query = query.where(LoopCommunication.recipient_id == actor.person_id)
    for comm, author_name in await session.execute(query):
        result[comm.insight_id].append(
            answer_out(comm, PersonRef(id=comm.author_id, display_name=author_name))
        )
    return result


def answer_out(comm: LoopCommunication, author: PersonRef | None) -> AnswerOut:
    return AnswerOut(
        id=comm.id,
        audience=comm.audience,
        message=comm.message,
        channel=comm.channel,
        author=author,
        status=comm.status,
        sent_at=comm.sent_at,
        delivered_at=comm.delivered_at,
        failed_at=comm.failed_at,
        failure_reason=comm.failure_reason,
        acknowledged_at=comm.acknowledged_at,
        created_at=comm.created_at,
    )


async def _with_follow_up(
    session: AsyncSession, actor: Principal, rows: list[Row[Any]]
) -> list[InsightOut]:
    ids = [r.id for r in rows]
    parents = await _merged_outcomes(
        session, actor.org_id, [r.merged_into_id for r in rows if r.merged_into_id]
    )
    actions = await _actions_for(session, actor.org_id, [*ids, *parents])
    # The answer a merged insight's reporter gets is filed on their own insight.
    answers = await _answers_for(session, actor, ids, all_audiences=False)
    items: list[InsightOut] = []
    for r in rows:
        parent = parents.get(r.merged_into_id) if r.merged_into_id else None
        own = answers[r.id]
        items.append(
            MyInsightOut(
                **_out_fields(r, actor),
                actions=actions[r.id] + (actions[parent.id] if parent else []),
                latest_answer=own[-1] if own else None,
                merged_into=parent,
            )
        )
    return items


async def _merged_outcomes(
    session: AsyncSession, org_id: uuid.UUID, parent_ids: list[uuid.UUID]
) -> dict[uuid.UUID, MergedOutcome]:
    if not parent_ids:
        return {}
    rows = await session.execute(
        select(ic.id, ic.status, ic.closed_at, ic.resolution, ic.loop_closed_at).where(
            ic.org_id == org_id, ic.id.in_(parent_ids)
        )
    )
    return {
        row.id: MergedOutcome(
            id=row.id,
            status=row.status,
            closed_at=row.closed_at,
            resolution=row.resolution,
            loop_closed_at=row.loop_closed_at,
        )
        for row in rows
    }


async def get_insight(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> InsightDetail:
    """One insight with its actions and answers; 404 when missing or out of reach."""
    row = await _visible_row(session, actor, insight_id)
    actions = await _actions_for(session, actor.org_id, [row.id])
    answers = await _answers_for(
        session,
        actor,
        [row.id],
        all_audiences=policies.can_act(actor, row.unit_path, row.owner_path),
    )
    attachments = await attachments_of(
        session, actor, row.id, row.author_id, row.visibility, with_comments=False
    )
    detail = InsightDetail(
        **_out_fields(row, actor),
        actions=actions[row.id],
        answers=answers[row.id],
        attachments=attachments.get(None, []),
    )
    await _add_endorsing_units(session, actor.org_id, [detail])
    return detail


async def owners_of(
    session: AsyncSession, org_id: uuid.UUID, owner_unit_id: uuid.UUID
) -> list[uuid.UUID]:
    """The managers who own insights routed to `owner_unit_id`."""
    rows = await session.scalars(
        select(RoleGrant.person_id).where(
            RoleGrant.org_id == org_id,
            RoleGrant.unit_id == owner_unit_id,
            RoleGrant.role == Role.MANAGER,
        )
    )
    return list(rows)


async def lock_for_action(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> Row[Any]:
    """The insight row, locked, if `actor` may act on it: 404 out of sight, 403 without rights."""
    row = await _visible_row(session, actor, insight_id, lock=True)
    policies.require_act(actor, row.unit_path, row.owner_path)
    return row


async def lock_visible(session: AsyncSession, actor: Principal, insight_id: uuid.UUID) -> Row[Any]:
    """The insight row with its customer contact, locked, if `actor` may read it; else 404."""
    return await _visible_row(session, actor, insight_id, lock=True)


async def change_status(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    target: InsightStatus,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> InsightDetail:
    """Move an insight along new → acknowledged → in_progress → resolved | declined.

    Raises 409 `invalid_status_transition` for a move the status does not allow, and 412
    `version_mismatch` when `expected_version` is stale.
    """
    row = await lock_for_action(session, actor, insight_id)
    await _apply_status(session, actor, row, target, note=note, expected_version=expected_version)
    return await get_insight(session, actor, insight_id)


EVENT_FOR_STATUS = {
    InsightStatus.ACKNOWLEDGED: EventType.ACKNOWLEDGED,
    InsightStatus.IN_PROGRESS: EventType.STARTED,
    InsightStatus.RESOLVED: EventType.RESOLVED,
    InsightStatus.DECLINED: EventType.DECLINED,
}


async def _apply_status(
    session: AsyncSession,
    actor: Principal,
    row: Row[Any],
    target: InsightStatus,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> None:
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            "The insight has changed since it was read.",
            extra={"version": row.version},
        )
    policies.require_transition(row.status, target)
    if target in policies.CLOSED_STATUSES and not (note and note.strip()):
        raise InvalidInput("Say what was done, or why not.", code="reason_required")
    now = clock.now()
    changes: dict[str, Any] = {"status": target, "updated_at": now, "version": row.version + 1}
    if row.acknowledged_at is None:
        changes["acknowledged_at"] = now
    if target in policies.CLOSED_STATUSES:
        changes["closed_at"] = now
        changes["resolution"] = note.strip() if note else None
    await session.execute(
        update(insights).where(ic.org_id == actor.org_id, ic.id == row.id).values(changes)
    )
    data: dict[str, Any] = {"from": row.status.value, "to": target.value}
    if note:
        data["note"] = note.strip()
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EVENT_FOR_STATUS[target],
        actor_id=actor.person_id,
        data=data,
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=[row.author_id],
        kind=NotificationKind.INSIGHT_ACKNOWLEDGED
        if target is InsightStatus.ACKNOWLEDGED
        else NotificationKind.INSIGHT_STATUS_CHANGED,
        insight_id=row.id,
        data={"status": target.value, "excerpt": excerpt(row.text)},
        exclude=actor.person_id,
    )


async def start_work(session: AsyncSession, actor: Principal, row: Row[Any], reason: str) -> None:
    """Put an insight, locked by `lock_for_action`, in progress because of `reason` (an
    action, say), if it is not already."""
    if row.status in (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED):
        await _apply_status(session, actor, row, InsightStatus.IN_PROGRESS, note=reason)


def _is_reporter(row: Row[Any], person_id: uuid.UUID | None) -> bool:
    return person_id is not None and person_id == row.author_id


def _masked_person(
    actor: Principal, row: Row[Any], person_id: uuid.UUID | None, name: str | None
) -> PersonRef | None:
    """A person as `actor` may see them: the confidential reporter stays unnamed."""
    if person_id is None or name is None:
        return None
    if _is_reporter(row, person_id) and not policies.shows_reporter(
        actor, person_id, row.visibility
    ):
        return None
    return PersonRef(id=person_id, display_name=name)


def _require_follows(actor: Principal, row: Row[Any]) -> None:
    if not policies.follows(actor, row.author_id, row.unit_path, row.owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers follow its thread.",
            code="not_in_thread",
        )


async def add_comment(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: CommentCreate
) -> CommentOut:
    """Add to the two-way thread between the reporter and the insight's managers.

    A retried comment with the same client id returns the stored one.
    """
    row = await _visible_row(session, actor, insight_id)
    if not policies.can_comment(actor, row.author_id, row.unit_path, row.owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers can comment.", code="not_in_thread"
        )
    comment_id = data.id or uuid.uuid4()
    now = clock.now()
    language = detect_language(data.body)
    inserted = await session.scalar(
        insert(CommentRow)
        .values(
            org_id=actor.org_id,
            id=comment_id,
            insight_id=row.id,
            author_id=actor.person_id,
            body=data.body,
            language=language,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(CommentRow.id)
    )
    if inserted is None:
        stored = await session.get(CommentRow, (actor.org_id, comment_id))
        if (
            stored is None
            or stored.author_id != actor.person_id
            or stored.insight_id != row.id
            or stored.body != data.body
        ):
            raise Conflict("The comment id is in use.", code="comment_id_conflict")
        return _comment_out(actor, row, stored, actor.display_name)

    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.COMMENTED,
        actor_id=actor.person_id,
        data={"comment_id": str(comment_id)},
    )
    recipients = (
        await owners_of(session, actor.org_id, row.owner_unit_id)
        if _is_reporter(row, actor.person_id)
        else [row.author_id]
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=recipients,
        kind=NotificationKind.COMMENT_ADDED,
        insight_id=row.id,
        data={"comment": excerpt(data.body)},
        exclude=actor.person_id,
    )
    stored = CommentRow(
        org_id=actor.org_id,
        id=comment_id,
        insight_id=row.id,
        author_id=actor.person_id,
        body=data.body,
        language=language,
        created_at=now,
    )
    return _comment_out(actor, row, stored, actor.display_name)


def _comment_out(
    actor: Principal, row: Row[Any], comment: CommentRow, author_name: str
) -> CommentOut:
    return CommentOut(
        id=comment.id,
        body=comment.body,
        language=comment.language,
        author=_masked_person(actor, row, comment.author_id, author_name),
        by_reporter=_is_reporter(row, comment.author_id),
        is_mine=comment.author_id == actor.person_id,
        created_at=comment.created_at,
    )


async def list_comments(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[CommentOut]:
    """The whole thread, oldest first."""
    row = await _visible_row(session, actor, insight_id)
    _require_follows(actor, row)
    comments = await session.execute(
        select(CommentRow, Person.display_name)
        .join(Person, and_(Person.org_id == CommentRow.org_id, Person.id == CommentRow.author_id))
        .where(CommentRow.org_id == actor.org_id, CommentRow.insight_id == row.id)
        .order_by(CommentRow.created_at, CommentRow.id)
    )
    attachments = await attachments_of(
        session, actor, row.id, row.author_id, row.visibility, with_comments=True
    )
    return [
        _comment_out(actor, row, c, name).model_copy(
            update={"attachments": attachments.get(c.id, [])}
        )
        for c, name in comments
    ]


async def timeline(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[EventOut]:
    """Every change to the insight, oldest first."""
    row = await _visible_row(session, actor, insight_id)
    _require_follows(actor, row)
    events = await session.execute(
        select(InsightEvent, Person.display_name)
        .outerjoin(
            Person, and_(Person.org_id == InsightEvent.org_id, Person.id == InsightEvent.actor_id)
        )
        .where(InsightEvent.org_id == actor.org_id, InsightEvent.insight_id == row.id)
        .order_by(InsightEvent.id)
    )
    return [
        EventOut(
            id=event.id,
            type=event.type,
            actor=_masked_person(actor, row, event.actor_id, name),
            by_reporter=_is_reporter(row, event.actor_id),
            data=event.data,
            created_at=event.created_at,
        )
        for event, name in events
    ]


async def close_loop_if_answered(session: AsyncSession, actor: Principal, row: Row[Any]) -> bool:
    """Mark the staff loop closed when the insight is resolved or declined and the reporter
    has been told. Returns whether it closed now."""
    if row.loop_closed_at is not None:
        return False
    status = await session.scalar(
        select(ic.status).where(ic.org_id == actor.org_id, ic.id == row.id)
    )
    if status not in policies.CLOSED_STATUSES:
        return False
    now = clock.now()
    await session.execute(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.id == row.id)
        .values(loop_closed_at=now, updated_at=now, version=ic.version + 1)
    )
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.LOOP_CLOSED,
        actor_id=actor.person_id,
    )
    return True


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


async def _reassign(
    session: AsyncSession,
    actor: Principal,
    row: Row[Any],
    unit_id: uuid.UUID,
    note: str | None,
) -> UnitRef:
    """Hand a locked insight to the managers of `unit_id` (or the nearest unit above it that
    has any), with fresh deadlines. Returns the new owner unit."""
    if row.status in policies.CLOSED_STATUSES:
        raise Conflict(
            f"An insight that is {row.status.value} cannot be reassigned.",
            code="invalid_status_transition",
            extra={"current_status": row.status.value},
        )
    try:
        owners = await org_service.nearest_managers(session, actor.org_id, unit_id)
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None
    if owners.unit_id == row.owner_unit_id:
        return UnitRef(id=owners.unit_id, name=owners.unit_name)
    now = clock.now()
    changes: dict[str, Any] = {
        "owner_unit_id": owners.unit_id,
        "respond_due_at": now + timedelta(hours=row.respond_hours),
        "escalation_level": 0,
        "escalation_stopped_at": None,
        "updated_at": now,
        "version": row.version + 1,
    }
    if row.status is InsightStatus.NEW:
        changes["ack_due_at"] = now + timedelta(hours=row.ack_hours)
    await session.execute(
        update(insights).where(ic.org_id == actor.org_id, ic.id == row.id).values(changes)
    )
    data: dict[str, Any] = {
        "from_unit_id": str(row.owner_unit_id),
        "from_unit": row.owner_name,
        "to_unit_id": str(owners.unit_id),
        "to_unit": owners.unit_name,
        "managers": len(owners.manager_ids),
    }
    if owners.unit_id != unit_id:
        data["requested_unit_id"] = str(unit_id)
    if note and note.strip():
        data["note"] = note.strip()
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.REASSIGNED,
        actor_id=actor.person_id,
        data=data,
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=owners.manager_ids,
        kind=NotificationKind.INSIGHT_ASSIGNED,
        insight_id=row.id,
        data={"excerpt": excerpt(row.text), "kind": row.kind.value},
        exclude=actor.person_id,
    )
    return UnitRef(id=owners.unit_id, name=owners.unit_name)


async def assign_insight(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    data: AssignInput,
    *,
    expected_version: int | None = None,
) -> InsightDetail:
    """Hand an open insight to the managers of another unit of the organisation, who get
    fresh deadlines and a notification. 404 out of sight, 403 without the right to act,
    409 when it is closed, 422 `unknown_unit`, 412 `version_mismatch` when it changed
    after `expected_version`."""
    row = await lock_for_action(session, actor, insight_id)
    if expected_version is not None and expected_version != row.version:
        raise PreconditionFailed(
            "The insight has changed since it was read.", extra={"version": row.version}
        )
    await _reassign(session, actor, row, data.unit_id, data.note)
    return await get_insight(session, actor, insight_id)


async def _triage_one(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: BulkTriageInput
) -> BulkItemResult:
    row = await lock_for_action(session, actor, insight_id)
    owner = UnitRef(id=row.owner_unit_id, name=row.owner_name)
    if data.operation is BulkOperation.ASSIGN:
        assert data.unit_id is not None
        owner = await _reassign(session, actor, row, data.unit_id, data.reason)
        status = row.status
    else:
        status = (
            InsightStatus.ACKNOWLEDGED
            if data.operation is BulkOperation.ACKNOWLEDGE
            else InsightStatus.DECLINED
        )
        await _apply_status(session, actor, row, status, note=data.reason)
    return BulkItemResult(
        insight_id=insight_id, ok=True, status=status, owner_unit=owner, error=None
    )


async def triage(session: AsyncSession, actor: Principal, data: BulkTriageInput) -> BulkTriageOut:
    """Acknowledge, assign or decline many insights. Each succeeds or fails on its own, all
    or nothing (a savepoint each); a failure answers with the code a single call would.
    Someone who manages nothing is turned away as a whole (403 `not_a_manager`)."""
    if not actor.has_role(*policies.ACTORS):
        raise Forbidden("Only managers triage insights.", code="not_a_manager")
    done: dict[uuid.UUID, BulkItemResult] = {}
    # Locked in one global order, so two overlapping bulk changes cannot deadlock.
    for insight_id in sorted(set(data.insight_ids)):
        try:
            async with session.begin_nested():
                done[insight_id] = await _triage_one(session, actor, insight_id, data)
        except DomainError as exc:
            error = BulkItemError(code=exc.code, status=exc.status, detail=exc.detail)
            done[insight_id] = BulkItemResult(
                insight_id=insight_id, ok=False, status=None, owner_unit=None, error=error
            )
    results = [done[insight_id] for insight_id in dict.fromkeys(data.insight_ids)]
    succeeded = sum(1 for r in results if r.ok)
    return BulkTriageOut(succeeded=succeeded, failed=len(results) - succeeded, results=results)


async def endorse(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: EndorsementCreate
) -> tuple[EndorsementOut, bool]:
    """Back a colleague's insight ("I see this too") from a unit, the home unit by default.

    One per person and insight: backing again returns the first endorsement and False.
    Raises 403 `own_insight` for the reporter and 409 `insight_merged` for a merged one.
    """
    row = await _visible_row(session, actor, insight_id, lock=True)
    policies.require_endorse(actor, row.author_id, row.status)
    existing = (
        await session.execute(
            _ENDORSEMENTS.where(ec.insight_id == row.id, ec.person_id == actor.person_id),
            {"org_id": actor.org_id},
        )
    ).first()
    if existing is not None:
        return _endorsement_out(actor, row, existing), False
    unit_id = data.unit_id or actor.home_unit_id
    unit_name = (await org_service.unit_names(session, actor.org_id, [unit_id])).get(unit_id)
    if unit_name is None:
        raise InvalidInput("The unit does not exist.", code="unknown_unit")
    endorsement_id = data.id or uuid.uuid4()
    now = clock.now()
    inserted = await session.scalar(
        insert(endorsements)
        .values(
            org_id=actor.org_id,
            id=endorsement_id,
            insight_id=row.id,
            person_id=actor.person_id,
            unit_id=unit_id,
            note=data.note,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(ec.id)
    )
    if inserted is None:
        raise Conflict("The endorsement id is in use.", code="endorsement_id_conflict")
    await session.execute(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.id == row.id)
        .values(endorsement_count=ic.endorsement_count + 1)
    )
    # No actor: the reporter follows the timeline, and endorsers are named to managers only.
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.ENDORSED,
        actor_id=None,
        data={"endorsement_id": str(endorsement_id), "unit_id": str(unit_id)},
    )
    stored = SimpleNamespace(
        id=endorsement_id,
        insight_id=row.id,
        person_id=actor.person_id,
        unit_id=unit_id,
        unit_name=unit_name,
        endorser_name=actor.display_name,
        note=data.note,
        created_at=now,
    )
    return _endorsement_out(actor, row, stored), True


EndorserA = table(Person).alias("endorser")
EndorsingUnitA = table(Unit).alias("endorsing_unit")
_ENDORSEMENTS: Select[Any] = (
    select(
        ec.id,
        ec.insight_id,
        ec.person_id,
        ec.unit_id,
        EndorsingUnitA.c.name.label("unit_name"),
        EndorserA.c.display_name.label("endorser_name"),
        ec.note,
        ec.created_at,
    )
    .join(EndorserA, and_(EndorserA.c.org_id == ec.org_id, EndorserA.c.id == ec.person_id))
    .join(
        EndorsingUnitA,
        and_(EndorsingUnitA.c.org_id == ec.org_id, EndorsingUnitA.c.id == ec.unit_id),
    )
    .where(ec.org_id == bindparam("org_id"))
)


def _endorsement_out(
    actor: Principal, row: Row[Any], e: Row[Any] | SimpleNamespace
) -> EndorsementOut:
    mine = e.person_id == actor.person_id
    named = mine or policies.sees_endorsers(actor, row.unit_path, row.owner_path)
    return EndorsementOut(
        id=e.id,
        insight_id=e.insight_id,
        unit=UnitRef(id=e.unit_id, name=e.unit_name),
        note=e.note,
        endorser=PersonRef(id=e.person_id, display_name=e.endorser_name) if named else None,
        is_mine=mine,
        created_at=e.created_at,
    )


async def list_endorsements(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> list[EndorsementOut]:
    """Who backed the insight, oldest first; the endorsers are named to its managers only."""
    row = await _visible_row(session, actor, insight_id)
    rows = await session.execute(
        _ENDORSEMENTS.where(ec.insight_id == row.id).order_by(ec.created_at, ec.id),
        {"org_id": actor.org_id},
    )
    return [_endorsement_out(actor, row, e) for e in rows]


async def merge_insights(
    session: AsyncSession, actor: Principal, parent_id: uuid.UUID, data: MergeInput
) -> InsightDetail:
    """Fold duplicates into `parent_id`: they become `merged`, leave the inboxes and follow
    the parent; their reporters, endorsers and customer contacts are answered with it.

    The caller must be able to act on the parent and on every duplicate (404 out of sight,
    403 without rights). Merging again what is already merged into this parent changes
    nothing, so a retry is safe. Raises 422 `merge_into_itself`, 409 `merge_into_merged` and
    409 `invalid_status_transition` for a duplicate that is closed or merged elsewhere.
    """
    parent = await lock_for_action(session, actor, parent_id)
    child_ids = list(dict.fromkeys(data.insight_ids))
    for child_id in child_ids:
        policies.require_mergeable(parent.id, parent.status, child_id)
    children = [await lock_for_action(session, actor, child_id) for child_id in child_ids]
    new = [c for c in children if c.merged_into_id != parent.id]
    for child in new:
        policies.require_transition(child.status, InsightStatus.MERGED)
    if not new:
        return await get_insight(session, actor, parent.id)

    now = clock.now()
    new_ids = [c.id for c in new]
    await session.execute(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.id.in_(new_ids))
        .values(
            status=InsightStatus.MERGED,
            merged_into_id=parent.id,
            endorsement_count=0,
            updated_at=now,
            version=ic.version + 1,
        )
    )
    # One level only: what was merged into a duplicate now follows the parent directly.
    await session.execute(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.merged_into_id.in_(new_ids))
        .values(merged_into_id=parent.id, updated_at=now)
    )
    endorsement_count = await _carry_endorsements(session, actor.org_id, parent, new_ids)
    await session.execute(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.id == parent.id)
        .values(endorsement_count=endorsement_count, updated_at=now, version=ic.version + 1)
    )
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=parent.id,
        type=EventType.MERGED,
        actor_id=actor.person_id,
        data={"insight_ids": [str(i) for i in new_ids]},
    )
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=new_ids,
        type=EventType.MERGED_INTO,
        actor_id=actor.person_id,
        data={"parent_id": str(parent.id)},
    )
    for child in new:
        await notify_service.notify(
            session,
            org_id=actor.org_id,
            person_ids=[child.author_id],
            kind=NotificationKind.INSIGHT_MERGED,
            insight_id=child.id,
            data={"excerpt": excerpt(child.text), "status": InsightStatus.MERGED.value},
            exclude=actor.person_id,
        )
    return await get_insight(session, actor, parent.id)


async def _carry_endorsements(
    session: AsyncSession, org_id: uuid.UUID, parent: Row[Any], child_ids: list[uuid.UUID]
) -> int:
    """Move the duplicates' endorsements to the parent, keeping one per person and none by
    the parent's reporter. Returns the parent's endorsement count."""
    backers = set(
        await session.scalars(
            select(ec.person_id).where(ec.org_id == org_id, ec.insight_id == parent.id)
        )
    )
    backers.add(parent.author_id)
    moved: list[uuid.UUID] = []
    dropped: list[uuid.UUID] = []
    for endorsement_id, person_id in await session.execute(
        select(ec.id, ec.person_id)
        .where(ec.org_id == org_id, ec.insight_id.in_(child_ids))
        .order_by(ec.created_at, ec.id)
    ):
        (dropped if person_id in backers else moved).append(endorsement_id)
        backers.add(person_id)
    if dropped:
        await session.execute(endorsements.delete().where(ec.org_id == org_id, ec.id.in_(dropped)))
    if moved:
        await session.execute(
            update(endorsements)
            .where(ec.org_id == org_id, ec.id.in_(moved))
            .values(insight_id=parent.id)
        )
    return len(backers) - 1


async def loop_family(
    session: AsyncSession, org_id: uuid.UUID, parent_id: uuid.UUID
) -> tuple[Sequence[Row[Any, Any, Any]], list[uuid.UUID]]:
    """Who an answer on `parent_id` reaches besides its reporter: the insights merged into it
    (id, author_id, loop_closed_at) and the people who backed it."""
    children = (
        await session.execute(
            select(ic.id, ic.author_id, ic.loop_closed_at)
            .where(ic.org_id == org_id, ic.merged_into_id == parent_id)
            .order_by(ic.created_at, ic.id)
        )
    ).all()
    backers: list[uuid.UUID] = list(
        await session.scalars(
            select(ec.person_id)
            .where(ec.org_id == org_id, ec.insight_id == parent_id)
            .order_by(ec.created_at, ec.id)
        )
    )
    return children, backers


async def close_merged_loops(
    session: AsyncSession, actor: Principal, child_ids: list[uuid.UUID]
) -> None:
    """Close the staff loop of merged insights whose reporters were just told the outcome."""
    if not child_ids:
        return
    now = clock.now()
    closed = await session.scalars(
        update(insights)
        .where(ic.org_id == actor.org_id, ic.id.in_(child_ids), ic.loop_closed_at.is_(None))
        .values(loop_closed_at=now, updated_at=now, version=ic.version + 1)
        .returning(ic.id)
    )
    await record_event(
        session,
        org_id=actor.org_id,
        insight_ids=list(closed),
        type=EventType.LOOP_CLOSED,
        actor_id=actor.person_id,
    )


async def my_insights_by_id(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID]
) -> list[InsightOut]:
    """The caller's own insights among `ids`, as "my insights" shows them, in that order."""
    if not ids:
        return []
    rows = (
        await session.execute(
            _insight_rows(insights).where(
                ic.org_id == bindparam("org_id"),
                ic.author_id == actor.person_id,
                ic.id.in_(ids),
            ),
            _params(actor, clock.now()),
        )
    ).all()
    order = {insight_id: n for n, insight_id in enumerate(ids)}
    rows.sort(key=lambda r: order[r.id])
    return await _with_follow_up(session, actor, rows)
