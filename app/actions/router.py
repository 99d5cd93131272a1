import uuid

from fastapi import APIRouter, Response, status

from app.actions import service
from app.actions.schemas import ActionCreate, ActionLink, ActionOut, ActionUpdate
from app.web.caller import Caller
from app.web.etags import IfMatch, expected_version, set_etag
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["actions"], route_class=ApiRoute)


@router.post("/actions", status_code=status.HTTP_201_CREATED)
async def create_action(body: ActionCreate, session: Session, caller: Caller) -> ActionOut:
    """Record an action and link it to one or more insights the caller manages."""
    return await service.create_action(session, caller, body)


@router.get("/actions/{action_id}")
async def get_action(
    action_id: uuid.UUID, session: Session, caller: Caller, response: Response
) -> ActionOut:
    """One action and the linked insights the caller may see; its version is the ETag."""
    action = await service.get_action(session, caller, action_id)
    set_etag(response, action.version)
    return action


@router.patch("/actions/{action_id}")
async def update_action(
    action_id: uuid.UUID,
    body: ActionUpdate,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ActionOut:
    """Change status, outcome, due date or owner. Marking it done needs an outcome.
    With If-Match, 412 `version_mismatch` when someone changed it in between."""
    action = await service.update_action(
        session, caller, action_id, body, expected_version=expected_version(if_match)
    )
    set_etag(response, action.version)
    return action


@router.post("/actions/{action_id}/insights")
async def link_action_insights(
    action_id: uuid.UUID, body: ActionLink, session: Session, caller: Caller
) -> ActionOut:
    """Link more insights to the action; insights already linked stay as they are."""
    return await service.link_insights(session, caller, action_id, body)
