"""Closing the loop: telling the reporter what was done, with proof of delivery."""

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.auth.principal import Principal
from app.errors import Conflict, NotFound
from app.insights import service as insights_service
from app.insights.models import EventType
from app.loop import policies
from app.loop.models import Channel, LoopCommunication
from app.loop.schemas import AnswerOut, CommunicationCreate
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.schemas import PersonRef


def _out(comm: LoopCommunication, author_name: str | None) -> AnswerOut:
    return AnswerOut(
        id=comm.id,
        audience=comm.audience,
        message=comm.message,
        channel=comm.channel,
        author=PersonRef(id=comm.author_id, display_name=author_name) if author_name else None,
        sent_at=comm.sent_at,
        delivered_at=comm.delivered_at,
        acknowledged_at=comm.acknowledged_at,
        created_at=comm.created_at,
    )


async def tell_reporter(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: CommunicationCreate
) -> AnswerOut:
    """Send the reporter a message in the app. When the insight is resolved or declined,
    this closes the staff loop. A retry with the same client id returns the stored message."""
    policies.require_supported_audience(data.audience)
    row = await insights_service.lock_for_action(session, actor, insight_id)
    comm_id = data.id or uuid.uuid4()
    now = clock.now()
    inserted = await session.scalar(
        insert(LoopCommunication)
        .values(
            org_id=actor.org_id,
            id=comm_id,
            insight_id=row.id,
            audience=data.audience,
            channel=Channel.IN_APP,
            message=data.message,
            author_id=actor.person_id,
            sent_at=now,
            # In-app delivery is the reporter's feed: the message is there once stored.
            delivered_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(LoopCommunication.id)
    )
    stored = await session.get_one(LoopCommunication, (actor.org_id, comm_id))
    if inserted is None:
        if stored.insight_id != row.id or stored.message != data.message:
            raise Conflict("The message id is in use.", code="communication_id_conflict")
        return _out(stored, actor.display_name)

    await insights_service.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.REPORTER_TOLD,
        actor_id=actor.person_id,
        data={"communication_id": str(comm_id), "channel": Channel.IN_APP.value},
    )
    await notify_service.notify(
        session,
        org_id=actor.org_id,
        person_ids=[row.author_id],
        kind=NotificationKind.REPORTER_TOLD,
        insight_id=row.id,
        data={"message": excerpt(data.message), "communication_id": str(comm_id)},
        exclude=actor.person_id,
    )
    await insights_service.close_loop_if_answered(session, actor, row)
    return _out(stored, actor.display_name)


async def acknowledge_answer(
    session: AsyncSession, actor: Principal, communication_id: uuid.UUID
) -> AnswerOut:
    """The reporter confirms they have read the answer: the proof the loop reached them."""
    row = await session.execute(
        select(LoopCommunication)
        .where(
            LoopCommunication.org_id == actor.org_id,
            LoopCommunication.id == communication_id,
        )
        .with_for_update()
    )
    comm = row.scalar_one_or_none()
    if comm is None:
        raise NotFound("No such message.")
    try:
        insight = await insights_service.get_insight(session, actor, comm.insight_id)
    except NotFound:
        raise NotFound("No such message.") from None
    if not insight.is_mine:
        # Only the reporter acknowledges; to anyone else the message is out of reach.
        raise NotFound("No such message.")
    if comm.acknowledged_at is None:
        comm.acknowledged_at = clock.now()
        await session.flush()
    names = await org_service.person_names(session, actor.org_id, [comm.author_id])
    return _out(comm, names.get(comm.author_id))
