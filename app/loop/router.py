import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from app.insights.schemas import CustomerContactOut
from app.loop import service
from app.loop.channels import CustomerChannel
from app.loop.schemas import AnswerOut, CommunicationCreate, CustomerLoopUpdate
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.runtime import Runtime
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["loop"], route_class=ApiRoute)


def _customer_channel(runtime: Annotated[Runtime, Depends(runtime)]) -> CustomerChannel:
    return runtime.customer_channel


Channel = Annotated[CustomerChannel, Depends(_customer_channel)]


@router.post("/insights/{insight_id}/communications", status_code=status.HTTP_201_CREATED)
async def send_communication(
    insight_id: uuid.UUID,
    body: CommunicationCreate,
    session: Session,
    caller: Caller,
    channel: Channel,
) -> AnswerOut:
    """Send a message about the insight. By default it tells the reporter what was done (the
    reporters of merged duplicates are told too; on a resolved or declined insight this closes
    the loop and tells those who backed it). With `"audience": "customer"` it tells the
    customer through their consented contact instead."""
    return await service.communicate(session, caller, insight_id, body, channel=channel)


@router.put("/insights/{insight_id}/customer-loop")
async def update_customer_loop(
    insight_id: uuid.UUID, body: CustomerLoopUpdate, session: Session, caller: Caller
) -> CustomerContactOut:
    """Choose who tells the customer (a manager of the insight) and by when."""
    return await service.update_customer_loop(session, caller, insight_id, body)


@router.delete("/insights/{insight_id}/customer-contact", status_code=status.HTTP_204_NO_CONTENT)
async def erase_customer_contact(insight_id: uuid.UUID, session: Session, caller: Caller) -> None:
    """Erase the customer's name and address for good, on request; the insight stays."""
    await service.erase_customer_contact(session, caller, insight_id)


@router.post("/communications/{communication_id}/acknowledge")
async def acknowledge_communication(
    communication_id: uuid.UUID, session: Session, caller: Caller
) -> AnswerOut:
    """The person told confirms they read the answer."""
    return await service.acknowledge_answer(session, caller, communication_id)


@router.post("/communications/{communication_id}/delivered")
async def mark_communication_delivered(
    communication_id: uuid.UUID, session: Session, caller: Caller
) -> AnswerOut:
    """A manager of the insight reached the customer in person (a phone call, or a message no
    channel could send): mark the message delivered, which closes the customer loop."""
    return await service.mark_delivered(session, caller, communication_id)
