"""What followed an insight, as its reader sees it: the actions taken on it, the answers
given and the files attached. The insight's detail and "my insights" are built here, a page
at a time: a fixed number of statements whatever the page's size."""

import uuid
from collections.abc import Sequence

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action, ActionInsight
from app.actions.schemas import ActionSummary
from app.insights import policies as insights_policies
from app.insights import queries as insight_queries
from app.insights.attachments import attachments_of
from app.insights.rows import InsightRef, ic
from app.insights.schemas import InsightFilters, InsightOut
from app.loop.models import LoopCommunication
from app.loop.schemas import AnswerOut, InsightDetail, MergedOutcome, MyInsightOut
from app.org.models import Person
from app.org.principal import Principal
from app.org.schemas import PersonRef
from app.platform.errors import NotFound
from app.platform.pagination import Page


async def actions_for(
    session: AsyncSession, org_id: uuid.UUID, insight_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ActionSummary]]:
    """The actions linked to each of `insight_ids`, oldest first, in one statement."""
    result: dict[uuid.UUID, list[ActionSummary]] = {i: [] for i in insight_ids}
    if not insight_ids:
        return result
    found = await session.execute(
        select(ActionInsight.insight_id, Action.id, Action.title, Action.status, Action.outcome)
        .join(
            Action,
            and_(Action.org_id == ActionInsight.org_id, Action.id == ActionInsight.action_id),
        )
        .where(ActionInsight.org_id == org_id, ActionInsight.insight_id.in_(list(result)))
        .order_by(Action.created_at)
    )
    for row in found:
        result[row.insight_id].append(
            ActionSummary(id=row.id, title=row.title, status=row.status, outcome=row.outcome)
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


async def answers_for(
    session: AsyncSession,
    actor: Principal,
    insight_ids: Sequence[uuid.UUID],
    *,
    all_audiences: Sequence[uuid.UUID] = (),
) -> dict[uuid.UUID, list[AnswerOut]]:
    """Messages on `insight_ids`, in one statement: every one on the insights of
    `all_audiences` (those the caller manages), and on the others only the ones addressed
    to the caller."""
    result: dict[uuid.UUID, list[AnswerOut]] = {i: [] for i in insight_ids}
    if not insight_ids:
        return result
    managed = set(all_audiences)
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
            LoopCommunication.insight_id.in_(list(result)),
        )
        .order_by(LoopCommunication.created_at, LoopCommunication.id)
    )
    if not managed:
        query = query.where(LoopCommunication.recipient_id == actor.person_id)
    for comm, author_name in await session.execute(query):
        if comm.insight_id in managed or comm.recipient_id == actor.person_id:
            result[comm.insight_id].append(
                answer_out(comm, PersonRef(id=comm.author_id, display_name=author_name))
            )
    return result


async def insight_details(
    session: AsyncSession, actor: Principal, insight_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InsightDetail]:
    """The insights of `insight_ids` that `actor` may read, each with its actions, answers
    (all of them for its managers, else those addressed to the caller) and attachments; the
    missing and the out of reach are left out. Five statements at most, for any number."""
    visible = await insight_queries.visible_insights(session, actor, insight_ids)
    ids = list(visible)
    refs: list[InsightRef] = [ref for _, ref in visible.values()]
    managed = [r.id for r in refs if insights_policies.can_act(actor, r.unit_path, r.owner_path)]
    actions = await actions_for(session, actor.org_id, ids)
    answers = await answers_for(session, actor, ids, all_audiences=managed)
    attachments = await attachments_of(session, actor, refs, with_comments=False)
    return {
        insight_id: InsightDetail(
            **dict(out),
            actions=actions[insight_id],
            answers=answers[insight_id],
            attachments=attachments[insight_id][None],
        )
        for insight_id, (out, _) in visible.items()
    }


async def insight_detail(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> InsightDetail:
    """One insight with its actions, answers and attachments; 404 when missing or out of
    reach."""
    found = await insight_details(session, actor, [insight_id])
    if insight_id not in found:
        raise NotFound("No such insight.")
    return found[insight_id]


async def _merged_outcomes(
    session: AsyncSession, org_id: uuid.UUID, parent_ids: list[uuid.UUID]
) -> dict[uuid.UUID, MergedOutcome]:
    if not parent_ids:
        return {}
    found = await session.execute(
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
        for row in found
    }


async def with_follow_up(
    session: AsyncSession, actor: Principal, items: Sequence[InsightOut]
) -> list[MyInsightOut]:
    """The caller's own insights as "my insights" shows them: with the actions on them (and
    on what they were merged into), the latest answer to the caller and the merged outcome."""
    ids = [i.id for i in items]
    parents = await _merged_outcomes(
        session, actor.org_id, [i.merged_into_id for i in items if i.merged_into_id]
    )
    actions = await actions_for(session, actor.org_id, [*ids, *parents])
    # The answer a merged insight's reporter gets is filed on their own insight.
    answers = await answers_for(session, actor, ids)
    mine: list[MyInsightOut] = []
    for item in items:
        parent = parents.get(item.merged_into_id) if item.merged_into_id else None
        own = answers[item.id]
        mine.append(
            MyInsightOut(
                **dict(item),
                actions=actions[item.id] + (actions[parent.id] if parent else []),
                latest_answer=own[-1] if own else None,
                merged_into=parent,
            )
        )
    return mine


async def my_insights(
    session: AsyncSession,
    actor: Principal,
    *,
    filters: InsightFilters,
    limit: int,
    cursor: str | None = None,
) -> Page[MyInsightOut]:
    """A page of the caller's own posts, newest first, with what followed them."""
    page = await insight_queries.list_insights(
        session, actor, scope="mine", filters=filters, limit=limit, cursor=cursor
    )
    return Page(
        items=await with_follow_up(session, actor, page.items), next_cursor=page.next_cursor
    )


async def my_insights_by_id(
    session: AsyncSession, actor: Principal, ids: list[uuid.UUID]
) -> list[MyInsightOut]:
    """The caller's own insights among `ids`, as "my insights" shows them, in that order."""
    return await with_follow_up(
        session, actor, await insight_queries.own_insights(session, actor, ids)
    )
