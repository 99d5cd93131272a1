"""Actions: what managers do about insights. One action can answer many insights."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import policies
from app.actions.models import Action, ActionInsight, ActionStatus
from app.actions.schemas import ActionCreate, ActionLink, ActionOut, ActionUpdate
from app.insights import rows as insight_rows
from app.insights import service as insights_service
from app.insights import timeline
from app.insights.models import EventType, Insight
from app.notify import service as notify_service
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.models import Person
from app.org.principal import Principal
from app.org.schemas import PersonRef
from app.platform import clock
from app.platform.errors import Conflict, DomainError, InvalidInput, NotFound, PreconditionFailed


async def _require_person(session: AsyncSession, actor: Principal, person_id: uuid.UUID) -> None:
    person = await session.get(Person, (actor.org_id, person_id))
    if person is None or not person.active:
        raise InvalidInput("The owner is not a member of the organisation.", code="unknown_person")


async def _link(
    session: AsyncSession, actor: Principal, action: Action, insight_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Link insights the actor may act on; returns the ones newly linked."""
    rows = [
        await insight_rows.lock_for_action(session, actor, insight_id)
        for insight_id in dict.fromkeys(insight_ids)
    ]
    now = clock.now()
    linked = await session.scalars(
        insert(ActionInsight)
        .values(
            [
                {
                    "org_id": actor.org_id,
                    "action_id": action.id,
                    "insight_id": row.id,
                    "linked_by": actor.person_id,
                    "linked_at": now,
                }
                for row in rows
            ]
        )
        .on_conflict_do_nothing()
        .returning(ActionInsight.insight_id)
    )
    new_ids = list(linked)
    if not new_ids:
        return []
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=new_ids,
        type=EventType.ACTION_LINKED,
        actor_id=actor.person_id,
        data={"action_id": str(action.id), "title": action.title},
    )
    for row in rows:
        if row.id in new_ids:
            await insights_service.start_work(session, actor, row, f"Action: {action.title}")
            await notify_service.notify(
                session,
                org_id=actor.org_id,
                person_ids=[row.author_id],
                kind=NotificationKind.ACTION_LINKED,
                insight_id=row.id,
                data={"action_id": str(action.id), "action_title": action.title},
                exclude=actor.person_id,
            )
    return new_ids


async def create_action(session: AsyncSession, actor: Principal, data: ActionCreate) -> ActionOut:
    """Record an action linked to insights the caller manages. Idempotent on a client id."""
    policies.require_manager(actor)
    owner_id = data.owner_id or actor.person_id
    await _require_person(session, actor, owner_id)
    action_id = data.id or uuid.uuid4()
    existing = await session.get(Action, (actor.org_id, action_id))
    if existing is not None:
        if existing.created_by != actor.person_id or existing.title != data.title:
            raise Conflict("The action id is in use.", code="action_id_conflict")
        return await get_action(session, actor, action_id)
    now = clock.now()
    action = Action(
        org_id=actor.org_id,
        id=action_id,
        title=data.title.strip(),
        description=data.description,
        owner_id=owner_id,
        created_by=actor.person_id,
        due_on=data.due_on,
        status=ActionStatus.PLANNED,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    await session.flush()
    await _link(session, actor, action, data.insight_ids)
    return await get_action(session, actor, action_id)


async def link_insights(
    session: AsyncSession, actor: Principal, action_id: uuid.UUID, data: ActionLink
) -> ActionOut:
    # Out of sight it must look missing: linking one's own insight would otherwise reveal it.
    action, _, _ = await _load_visible(session, actor, action_id, lock=True)
    if await _link(session, actor, action, data.insight_ids):
        action.version += 1
        await session.flush()
    return await get_action(session, actor, action_id)


async def _load_visible(
    session: AsyncSession, actor: Principal, action_id: uuid.UUID, *, lock: bool = False
) -> tuple[Action, list[uuid.UUID], bool]:
    """The action if `actor` may see it, with the linked insights they may read and whether
    they may act on any of them; 404 otherwise, exactly like a missing id."""
    query = select(Action).where(Action.org_id == actor.org_id, Action.id == action_id)
    if lock:
        query = query.with_for_update()
    action = await session.scalar(query)
    if action is None:
        raise NotFound("No such action.")
    visible, actable = await _visible_linked(session, actor, action_id)
    if not policies.can_see(actor, action, bool(visible)):
        raise NotFound("No such action.")
    return action, visible, actable


async def _visible_linked(
    session: AsyncSession, actor: Principal, action_id: uuid.UUID
) -> tuple[list[uuid.UUID], bool]:
    """The linked insights the actor may read, and whether they may act on any of them."""
    linked = list(
        await session.scalars(
            select(ActionInsight.insight_id)
            .where(ActionInsight.org_id == actor.org_id, ActionInsight.action_id == action_id)
            .order_by(ActionInsight.linked_at, ActionInsight.insight_id)
        )
    )
    page = await insight_rows.readable(session, actor, linked)
    return [i for i in linked if i in page], any(page.values())


def _action_out(action: Action, owner_name: str, visible: list[uuid.UUID]) -> ActionOut:
    return ActionOut(
        id=action.id,
        title=action.title,
        description=action.description,
        owner=PersonRef(id=action.owner_id, display_name=owner_name),
        due_on=action.due_on,
        status=action.status,
        outcome=action.outcome,
        insight_ids=visible,
        created_at=action.created_at,
        updated_at=action.updated_at,
        completed_at=action.completed_at,
        version=action.version,
    )


async def get_actions(
    session: AsyncSession, actor: Principal, action_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ActionOut | DomainError]:
    """Each of `action_ids` as `get_action` answers it, in four statements for any number."""
    found: dict[uuid.UUID, ActionOut | DomainError] = {
        i: NotFound("No such action.") for i in action_ids
    }
    actions = {
        a.id: a
        for a in await session.scalars(
            select(Action).where(Action.org_id == actor.org_id, Action.id.in_(set(action_ids)))
        )
    }
    if not actions:
        return found
    links = (
        await session.execute(
            select(ActionInsight.action_id, ActionInsight.insight_id)
            .where(ActionInsight.org_id == actor.org_id, ActionInsight.action_id.in_(list(actions)))
            .order_by(ActionInsight.linked_at, ActionInsight.insight_id)
        )
    ).all()
    readable = await insight_rows.readable(session, actor, list({i for _, i in links}))
    names = await org_service.person_names(
        session, actor.org_id, [a.owner_id for a in actions.values()]
    )
    for action in actions.values():
        visible = [i for a, i in links if a == action.id and i in readable]
        if policies.can_see(actor, action, bool(visible)):
            found[action.id] = _action_out(action, names[action.owner_id], visible)
    return found


async def get_action(session: AsyncSession, actor: Principal, action_id: uuid.UUID) -> ActionOut:
    """An action, to its owner and creator and to anyone who may read a linked insight;
    404 otherwise, exactly like a missing id."""
    found = (await get_actions(session, actor, [action_id]))[action_id]
    if isinstance(found, DomainError):
        raise found
    return found


async def update_action(
    session: AsyncSession,
    actor: Principal,
    action_id: uuid.UUID,
    data: ActionUpdate,
    *,
    expected_version: int | None = None,
) -> ActionOut:
    """Change status, outcome, due date or owner. Completing an action asks the managers of
    every linked insight to tell its reporter. 412 `version_mismatch` when the action
    changed after the version the client based its change on (its ETag)."""
    action, _, actable = await _load_visible(session, actor, action_id, lock=True)
    policies.require_edit(actor, action, actable)
    if expected_version is not None and expected_version != action.version:
        raise PreconditionFailed("The action was changed by someone else; reload it.")
    fields = data.model_fields_set
    now = clock.now()
    completed = False
    if "status" in fields and data.status is not None and data.status != action.status:
        policies.require_status_change(action.status, data.status)
        if data.status is ActionStatus.DONE and not (data.outcome or action.outcome):
            raise InvalidInput("Say what the outcome was.", code="outcome_required")
        action.status = data.status
        if data.status is ActionStatus.DONE:
            action.completed_at = now
            completed = True
    if "outcome" in fields:
        action.outcome = data.outcome
    if "due_on" in fields:
        action.due_on = data.due_on
    if "owner_id" in fields and data.owner_id is not None:
        await _require_person(session, actor, data.owner_id)
        action.owner_id = data.owner_id
    action.updated_at = now
    action.version += 1
    await session.flush()
    if completed:
        await _announce_completion(session, actor, action)
    return await get_action(session, actor, action_id)


async def _announce_completion(session: AsyncSession, actor: Principal, action: Action) -> None:
    rows = (
        await session.execute(
            select(ActionInsight.insight_id, Insight.owner_unit_id)
            .join(
                Insight,
                and_(
                    Insight.org_id == ActionInsight.org_id,
                    Insight.id == ActionInsight.insight_id,
                ),
            )
            .where(ActionInsight.org_id == actor.org_id, ActionInsight.action_id == action.id)
        )
    ).all()
    insight_ids = [r.insight_id for r in rows]
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=insight_ids,
        type=EventType.ACTION_COMPLETED,
        actor_id=actor.person_id,
        data={"action_id": str(action.id), "title": action.title, "outcome": action.outcome},
    )
    for row in rows:
        owners = await org_service.managers_of(session, actor.org_id, row.owner_unit_id)
        data: dict[str, Any] = {"action_id": str(action.id), "action_title": action.title}
        await notify_service.notify(
            session,
            org_id=actor.org_id,
            person_ids=owners,
            kind=NotificationKind.ACTION_COMPLETED,
            insight_id=row.insight_id,
            data=data,
        )
