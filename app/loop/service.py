"""Closing both loops: telling the reporters (and those who backed the insight) and, with
consent, the customer what was done, with proof of delivery."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import policies as insights_policies
from app.insights import rows, timeline
from app.insights.endorsements import ec
from app.insights.models import Channel, CustomerContact, EventType, Insight
from app.insights.rows import InsightRef
from app.insights.schemas import CustomerContactOut
from app.loop import policies
from app.loop.channels import CustomerChannel, CustomerMessage
from app.loop.followup import answer_out, insight_detail
from app.loop.models import Audience, DeliveryStatus, LoopCommunication
from app.loop.schemas import AnswerOut, CommunicationCreate, CustomerLoopUpdate
from app.notify import service as notify_service
from app.notify.messages import excerpt
from app.notify.models import NotificationKind
from app.org import service as org_service
from app.org.models import RoleGrant, Unit
from app.org.principal import Principal
from app.org.schemas import PersonRef
from app.platform import clock
from app.platform.db import table
from app.platform.errors import Conflict, Forbidden, InvalidInput, NotFound


def _out(comm: LoopCommunication, author_name: str | None) -> AnswerOut:
    author = PersonRef(id=comm.author_id, display_name=author_name) if author_name else None
    return answer_out(comm, author)


def _fan_out_id(communication_id: uuid.UUID, key: uuid.UUID) -> uuid.UUID:
    # Derived from the client's id, so a retried message creates no second copy for anyone.
    return uuid.uuid5(communication_id, str(key))


async def communicate(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    data: CommunicationCreate,
    *,
    channel: CustomerChannel,
) -> AnswerOut:
    """Tell the audience `data` names: the reporters (`tell_reporter`) or the customer
    (`tell_customer`, through `channel`)."""
    if data.audience is Audience.CUSTOMER:
        return await tell_customer(session, actor, insight_id, data, channel=channel)
    return await tell_reporter(session, actor, insight_id, data)


async def _replay(
    session: AsyncSession,
    actor: Principal,
    comm_id: uuid.UUID,
    data: CommunicationCreate,
    insight_ids: set[uuid.UUID],
) -> AnswerOut | None:
    """The stored message a retry asks for again; 409 when the id was used otherwise."""
    stored = await session.get(LoopCommunication, (actor.org_id, comm_id))
    if stored is None:
        return None
    if (
        stored.message != data.message
        or stored.audience is not data.audience
        or stored.insight_id not in insight_ids
    ):
        raise Conflict("The message id is in use.", code="communication_id_conflict")
    names = await org_service.person_names(session, actor.org_id, [stored.author_id])
    return _out(stored, names.get(stored.author_id))


async def tell_reporter(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: CommunicationCreate
) -> AnswerOut:
    """Send the reporter a message in the app; the reporters of the insights merged into it
    get it too, each on their own insight. On a resolved or declined insight this closes the
    staff loop, of the merged ones as well, and everyone who backed it is told.

    Returns the message to the insight's own reporter. A retry with the same client id
    returns it and sends nothing again. 409 `insight_merged`: tell the parent instead.
    """
    row = await rows.lock_for_action(session, actor, insight_id)
    policies.require_not_merged(row.status)
    comm_id = data.id or uuid.uuid4()
    replayed = await _replay(session, actor, comm_id, data, {row.id})
    if replayed is not None:
        return replayed

    closing = row.status in insights_policies.CLOSED_STATUSES
    children, backers = await loop_family(session, actor.org_id, row.id)
    # (communication id, insight it is filed on, recipient, notification)
    recipients = [(comm_id, row.id, row.author_id, NotificationKind.REPORTER_TOLD)]
    told = {row.author_id}
    for child in children:
        if child.author_id not in told:
            told.add(child.author_id)
            recipients.append(
                (
                    _fan_out_id(comm_id, child.author_id),
                    child.id,
                    child.author_id,
                    NotificationKind.REPORTER_TOLD,
                )
            )
    if closing:
        for backer in backers:
            if backer not in told:
                told.add(backer)
                recipients.append(
                    (
                        _fan_out_id(comm_id, backer),
                        row.id,
                        backer,
                        NotificationKind.ENDORSEMENT_ANSWERED,
                    )
                )

    now = clock.now()
    await session.execute(
        insert(LoopCommunication),
        [
            {
                "org_id": actor.org_id,
                "id": recipient_comm,
                "insight_id": filed_on,
                "audience": Audience.REPORTER,
                "recipient_id": person_id,
                "channel": Channel.IN_APP,
                "message": data.message,
                "author_id": actor.person_id,
                "status": DeliveryStatus.DELIVERED,
                "sent_at": now,
                # In-app delivery is the person's feed: the message is there once stored.
                "delivered_at": now,
                "created_at": now,
            }
            for recipient_comm, filed_on, person_id, _ in recipients
        ],
    )
    for recipient_comm, filed_on, person_id, kind in recipients:
        if kind is NotificationKind.REPORTER_TOLD:
            await timeline.record_event(
                session,
                org_id=actor.org_id,
                insight_ids=filed_on,
                type=EventType.REPORTER_TOLD,
                actor_id=actor.person_id,
                data={
                    "communication_id": str(recipient_comm),
                    "channel": Channel.IN_APP.value,
                    **({"recipients": len(recipients)} if filed_on == row.id else {}),
                },
            )
        await notify_service.notify(
            session,
            org_id=actor.org_id,
            person_ids=[person_id],
            kind=kind,
            insight_id=filed_on,
            data={"message": excerpt(data.message), "communication_id": str(recipient_comm)},
            exclude=actor.person_id,
        )
    await close_loop_if_answered(session, actor, row)
    if closing:
        await close_merged_loops(session, actor, [c.id for c in children])
    stored = await session.get_one(LoopCommunication, (actor.org_id, comm_id))
    return _out(stored, actor.display_name)


async def _family_contacts(
    session: AsyncSession, org_id: uuid.UUID, insight_id: uuid.UUID
) -> list[CustomerContact]:
    """The customer contacts of an insight and of those merged into it, its own first."""
    merged = select(Insight.id).where(
        Insight.org_id == org_id, Insight.merged_into_id == insight_id
    )
    contacts = await session.scalars(
        select(CustomerContact)
        .where(
            CustomerContact.org_id == org_id,
            or_(CustomerContact.insight_id == insight_id, CustomerContact.insight_id.in_(merged)),
        )
        .order_by(CustomerContact.insight_id != insight_id, CustomerContact.consented_at)
        .with_for_update()
    )
    return list(contacts)


async def tell_customer(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    data: CommunicationCreate,
    *,
    channel: CustomerChannel,
) -> AnswerOut:
    """Tell the customer through their contact's channel; the customers of the insights
    merged into it are told too. Each message records its delivery (queued → sent →
    delivered, or failed; awaiting_person when no channel can send it); a delivered one
    closes that customer loop. The caller becomes the loop's owner unless someone already is.

    Returns the first message. 409 `no_customer_contact`, `customer_contact_erased` (every
    contact was erased), `insight_merged`. A retry with the same client id sends nothing.
    """
    row = await rows.lock_for_action(session, actor, insight_id)
    policies.require_not_merged(row.status)
    comm_id = data.id or uuid.uuid4()
    family = await _family_contacts(session, actor.org_id, row.id)
    replayed = await _replay(session, actor, comm_id, data, {c.insight_id for c in family})
    if replayed is not None:
        return replayed
    contacts = policies.reachable(family)

    first: LoopCommunication | None = None
    for contact in contacts:
        assert contact.name is not None and contact.address is not None
        now = clock.now()
        comm = LoopCommunication(
            org_id=actor.org_id,
            id=comm_id if first is None else _fan_out_id(comm_id, contact.insight_id),
            insight_id=contact.insight_id,
            audience=Audience.CUSTOMER,
            recipient_id=None,
            channel=contact.channel,
            message=data.message,
            author_id=actor.person_id,
            status=DeliveryStatus.QUEUED,
            due_at=contact.due_at,
            created_at=now,
        )
        session.add(comm)
        await session.flush()
        report = await channel.send(
            CustomerMessage(
                communication_id=comm.id,
                org_id=actor.org_id,
                channel=contact.channel,
                name=contact.name,
                address=contact.address,
                text=data.message,
            )
        )
        _record_delivery(comm, contact, report.status, report.reason, clock.now())
        if contact.loop_owner_id is None:
            contact.loop_owner_id = actor.person_id
        await _record_customer_told(session, actor, comm)
        first = first or comm
    await session.flush()
    assert first is not None
    return _out(first, actor.display_name)


async def _record_customer_told(
    session: AsyncSession, actor: Principal, comm: LoopCommunication
) -> None:
    # The event names the message and its fate, never whom it went to.
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=comm.insight_id,
        type=EventType.CUSTOMER_TOLD,
        actor_id=actor.person_id,
        data={
            "communication_id": str(comm.id),
            "channel": comm.channel.value,
            "status": comm.status.value,
        },
    )


def _record_delivery(
    comm: LoopCommunication,
    contact: CustomerContact,
    status: DeliveryStatus,
    reason: str | None,
    at: datetime,
) -> None:
    comm.status = status
    if status in (DeliveryStatus.QUEUED, DeliveryStatus.AWAITING_PERSON):
        # A worker sends it (e-mail, SMS), or a person reaches the customer, and records what
        # became of it.
        return
    if status is DeliveryStatus.FAILED:
        comm.failed_at = at
        comm.failure_reason = (reason or "delivery failed")[:500]
        return
    comm.sent_at = at
    if status is DeliveryStatus.DELIVERED:
        comm.delivered_at = at
        contact.told_at = contact.told_at or at


async def erase_customer_contact(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID
) -> None:
    """Erase the customer's name and address for good, on the customer's request; the
    insight stays, with the fact that a consented contact existed and when it was erased.
    For the reporter and the managers who can act; erasing again changes nothing.
    """
    row = await rows.lock_visible(session, actor, insight_id)
    if not insights_policies.may_erase_contact(actor, row.author_id, row.unit_path, row.owner_path):
        raise Forbidden(
            "Only the reporter and the insight's managers can erase the customer contact.",
            code="not_contact_keeper",
        )
    contact = await session.get(CustomerContact, (actor.org_id, row.id))
    if contact is None:
        raise NotFound("The insight has no customer contact.", code="no_customer_contact")
    if contact.erased_at is not None:
        return
    contact.name = None
    contact.address = None
    contact.erased_at = clock.now()
    await session.flush()
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.CUSTOMER_CONTACT_ERASED,
        actor_id=actor.person_id,
    )


async def update_customer_loop(
    session: AsyncSession, actor: Principal, insight_id: uuid.UUID, data: CustomerLoopUpdate
) -> CustomerContactOut:
    """Choose who tells the customer (a manager who can act on the insight) and by when."""
    row = await rows.lock_for_action(session, actor, insight_id)
    contact = await session.get(CustomerContact, (actor.org_id, row.id))
    if contact is None:
        raise NotFound("The insight has no customer contact.", code="no_customer_contact")
    change: dict[str, Any] = {}
    if data.owner_id is not None:
        await _require_insight_manager(session, actor, data.owner_id, row.unit_path, row.owner_path)
        contact.loop_owner_id = data.owner_id
        change["owner_id"] = str(data.owner_id)
    if data.due_at is not None:
        contact.due_at = data.due_at
        change["due_at"] = data.due_at.isoformat()
    if change:
        await session.flush()
        await timeline.record_event(
            session,
            org_id=actor.org_id,
            insight_ids=row.id,
            type=EventType.CUSTOMER_LOOP_CHANGED,
            actor_id=actor.person_id,
            data=change,
        )
    detail = await insight_detail(session, actor, row.id)
    assert detail.customer_contact is not None
    return detail.customer_contact


async def _require_insight_manager(
    session: AsyncSession, actor: Principal, person_id: uuid.UUID, unit_path: str, owner_path: str
) -> None:
    units = table(Unit)
    grants = await session.execute(
        select(RoleGrant.role, units.c.path)
        .join(units, and_(units.c.org_id == RoleGrant.org_id, units.c.id == RoleGrant.unit_id))
        .where(RoleGrant.org_id == actor.org_id, RoleGrant.person_id == person_id)
    )
    if not insights_policies.may_act_by_grants(
        [(role, path) for role, path in grants], unit_path, owner_path
    ):
        raise InvalidInput(
            "The customer loop's owner must be a manager of the insight.",
            code="owner_not_insight_manager",
        )


async def acknowledge_answer(
    session: AsyncSession, actor: Principal, communication_id: uuid.UUID
) -> AnswerOut:
    """The person told confirms they have read the answer: the proof the loop reached them."""
    row = await session.execute(
        select(LoopCommunication)
        .where(
            LoopCommunication.org_id == actor.org_id,
            LoopCommunication.id == communication_id,
        )
        .with_for_update()
    )
    comm = row.scalar_one_or_none()
    # Only its recipient acknowledges; to anyone else the message is out of reach.
    if comm is None or comm.recipient_id != actor.person_id:
        raise NotFound("No such message.")
    if comm.acknowledged_at is None:
        comm.acknowledged_at = clock.now()
        await session.flush()
    names = await org_service.person_names(session, actor.org_id, [comm.author_id])
    return _out(comm, names.get(comm.author_id))


async def mark_delivered(
    session: AsyncSession, actor: Principal, communication_id: uuid.UUID
) -> AnswerOut:
    """A manager of the insight reached the customer in person (called them, say): the
    message awaiting a person is delivered, and the customer loop is closed. Marking it
    again changes nothing. 404 out of sight, 403 `not_insight_manager`, 409
    `not_awaiting_person` when a channel is sending it or it went nowhere.
    """
    comm = await session.scalar(
        select(LoopCommunication).where(
            LoopCommunication.org_id == actor.org_id,
            LoopCommunication.id == communication_id,
        )
    )
    if comm is None:
        raise NotFound("No such message.")
    try:
        # 403 unless the caller acts on the insight; out of their sight, no such message.
        await rows.lock_for_action(session, actor, comm.insight_id)
    except NotFound:
        raise NotFound("No such message.") from None
    await session.refresh(comm, with_for_update=True)
    if comm.status is not DeliveryStatus.DELIVERED:
        policies.require_awaiting_person(comm.status)
        now = clock.now()
        contact = await session.get_one(CustomerContact, (actor.org_id, comm.insight_id))
        _record_delivery(comm, contact, DeliveryStatus.DELIVERED, None, now)
        await session.flush()
        await _record_customer_told(session, actor, comm)
    names = await org_service.person_names(session, actor.org_id, [comm.author_id])
    return _out(comm, names.get(comm.author_id))


async def close_loop_if_answered(session: AsyncSession, actor: Principal, row: InsightRef) -> bool:
    """Mark the staff loop closed when the insight is resolved or declined and the reporter
    has been told. Returns whether it closed now."""
    if row.loop_closed_at is not None:
        return False
    status = await session.scalar(
        select(rows.ic.status).where(rows.ic.org_id == actor.org_id, rows.ic.id == row.id)
    )
    if status not in insights_policies.CLOSED_STATUSES:
        return False
    now = clock.now()
    await session.execute(
        update(rows.insights)
        .where(rows.ic.org_id == actor.org_id, rows.ic.id == row.id)
        .values(loop_closed_at=now, updated_at=now, version=rows.ic.version + 1)
    )
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=row.id,
        type=EventType.LOOP_CLOSED,
        actor_id=actor.person_id,
    )
    return True


async def loop_family(
    session: AsyncSession, org_id: uuid.UUID, parent_id: uuid.UUID
) -> tuple[Sequence[Row[Any, Any, Any]], list[uuid.UUID]]:
    """Who an answer on `parent_id` reaches besides its reporter: the insights merged into it
    (id, author_id, loop_closed_at) and the people who backed it."""
    children = (
        await session.execute(
            select(rows.ic.id, rows.ic.author_id, rows.ic.loop_closed_at)
            .where(rows.ic.org_id == org_id, rows.ic.merged_into_id == parent_id)
            .order_by(rows.ic.created_at, rows.ic.id)
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
        update(rows.insights)
        .where(
            rows.ic.org_id == actor.org_id,
            rows.ic.id.in_(child_ids),
            rows.ic.loop_closed_at.is_(None),
        )
        .values(loop_closed_at=now, updated_at=now, version=rows.ic.version + 1)
        .returning(rows.ic.id)
    )
    await timeline.record_event(
        session,
        org_id=actor.org_id,
        insight_ids=list(closed),
        type=EventType.LOOP_CLOSED,
        actor_id=actor.person_id,
    )
