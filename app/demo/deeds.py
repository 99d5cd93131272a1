"""The demo's deeds, each through the same service function a person's request would call."""

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import service as actions_service
from app.actions.schemas import ActionCreate, ActionUpdate
from app.demo.specs import ActionSpec
from app.demo.world import Member
from app.demo.writing import Plan
from app.insights import comments as insight_comments
from app.insights import endorsements as insight_endorsements
from app.insights import merges as insight_merges
from app.insights import posting as insight_posting
from app.insights import service as insights_service
from app.insights.models import InsightStatus, Visibility
from app.insights.schemas import CommentCreate, EndorsementCreate, InsightCreate, MergeInput
from app.loop import service as loop_service
from app.loop.schemas import CommunicationCreate
from app.notify import service as notify_service


async def post(session: AsyncSession, plan: Plan) -> None:
    insight, _ = await insight_posting.create_insight(
        session,
        plan.author.principal,
        InsightCreate(
            kind=plan.kind,
            text=plan.text,
            journey_stage=plan.stage,
            touchpoint=plan.touchpoint,
            customer_impact=plan.impact,
            customers_affected=plan.affected,
            occurred_at=plan.occurred,
            unit_id=plan.node.unit.id,
            visibility=Visibility.CONFIDENTIAL if plan.confidential else Visibility.NAMED,
        ),
    )
    plan.id = insight.id


async def merge(session: AsyncSession, manager: Member, parent: Plan, duplicate: Plan) -> None:
    assert parent.id is not None and duplicate.id is not None
    await insight_merges.merge_insights(
        session, manager.principal, parent.id, MergeInput(insight_ids=[duplicate.id])
    )


async def endorse(session: AsyncSession, member: Member, plan: Plan) -> None:
    assert plan.id is not None
    await insight_endorsements.endorse(session, member.principal, plan.id, EndorsementCreate())


async def change_status(
    session: AsyncSession,
    actor: Member,
    plan: Plan,
    target: InsightStatus,
    note: str | None = None,
) -> None:
    assert plan.id is not None
    await insights_service.change_status(session, actor.principal, plan.id, target, note=note)


async def comment(session: AsyncSession, actor: Member, plan: Plan, body: str) -> None:
    assert plan.id is not None
    await insight_comments.add_comment(session, actor.principal, plan.id, CommentCreate(body=body))


async def tell_reporter(session: AsyncSession, actor: Member, plan: Plan, message: str) -> None:
    assert plan.id is not None
    answer = await loop_service.tell_reporter(
        session, actor.principal, plan.id, CommunicationCreate(message=message)
    )
    plan.answer_ids.append(answer.id)


async def acknowledge_answers(session: AsyncSession, plan: Plan) -> None:
    for answer_id in plan.answer_ids:
        await loop_service.acknowledge_answer(session, plan.author.principal, answer_id)


async def create_action(
    session: AsyncSession,
    creator: Member,
    owner: Member,
    spec: ActionSpec,
    due_on: date,
    linked: list[Plan],
    holder: dict[str, uuid.UUID],
) -> None:
    """Take the action for the insights posted so far; its id goes into `holder` for updates."""
    ids = [p.id for p in linked if p.id is not None]
    action = await actions_service.create_action(
        session,
        creator.principal,
        ActionCreate(
            title=spec.title,
            description=spec.description,
            owner_id=owner.person.id,
            due_on=due_on,
            insight_ids=ids,
        ),
    )
    holder["id"] = action.id


async def update_action(
    session: AsyncSession, actor: Member, holder: dict[str, uuid.UUID], data: ActionUpdate
) -> None:
    await actions_service.update_action(session, actor.principal, holder["id"], data)


async def read_notifications(session: AsyncSession, member: Member) -> None:
    await notify_service.mark_all_read(session, member.principal)
