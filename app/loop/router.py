import uuid

from fastapi import APIRouter, status

from app.auth.dependencies import Caller, Session
from app.loop import service
from app.loop.schemas import AnswerOut, CommunicationCreate

router = APIRouter(tags=["loop"])


@router.post("/insights/{insight_id}/communications", status_code=status.HTTP_201_CREATED)
async def tell_reporter(
    insight_id: uuid.UUID, body: CommunicationCreate, session: Session, caller: Caller
) -> AnswerOut:
    """Tell the reporter what was done. On a resolved or declined insight this closes the loop."""
    return await service.tell_reporter(session, caller, insight_id, body)


@router.post("/communications/{communication_id}/acknowledge")
async def acknowledge_communication(
    communication_id: uuid.UUID, session: Session, caller: Caller
) -> AnswerOut:
    """The reporter confirms they read the answer."""
    return await service.acknowledge_answer(session, caller, communication_id)
