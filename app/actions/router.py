import uuid

from fastapi import APIRouter, status

from app.actions import service
from app.actions.schemas import ActionCreate, ActionLink, ActionOut, ActionUpdate
from app.auth.dependencies import Caller, Session

router = APIRouter(tags=["actions"])


@router.post("/actions", status_code=status.HTTP_201_CREATED)
async def create_action(body: ActionCreate, session: Session, caller: Caller) -> ActionOut:
    """Record an action and link it to one or more insights the caller manages."""
    return await service.create_action(session, caller, body)


@router.get("/actions/{action_id}")
async def get_action(action_id: uuid.UUID, session: Session, caller: Caller) -> ActionOut:
    return await service.get_action(session, caller, action_id)


@router.patch("/actions/{action_id}")
async def update_action(
    action_id: uuid.UUID, body: ActionUpdate, session: Session, caller: Caller
) -> ActionOut:
    """Change status, outcome, due date or owner. Marking it done needs an outcome."""
    return await service.update_action(session, caller, action_id, body)


@router.post("/actions/{action_id}/insights")
async def link_action_insights(
    action_id: uuid.UUID, body: ActionLink, session: Session, caller: Caller
) -> ActionOut:
    return await service.link_insights(session, caller, action_id, body)
