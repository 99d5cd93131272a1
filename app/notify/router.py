import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.notify import service
from app.notify.schemas import NotificationOut, ReadAllOut
from app.platform.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["notifications"], route_class=ApiRoute)


@router.get("/notifications")
async def list_notifications(
    session: Session,
    caller: Caller,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> Page[NotificationOut]:
    """The caller's notifications, newest first, in their language."""
    return await service.list_notifications(
        session, caller, unread_only=unread, limit=limit, cursor=cursor
    )


@router.post("/notifications/{notification_id}/read")
async def read_notification(
    notification_id: uuid.UUID, session: Session, caller: Caller
) -> NotificationOut:
    """Mark one of the caller's notifications read; reading it again keeps the first time."""
    return await service.mark_read(session, caller, notification_id)


@router.post("/notifications/read-all")
async def read_all_notifications(session: Session, caller: Caller) -> ReadAllOut:
    """Mark all of the caller's unread notifications read; answers how many were marked."""
    return await service.mark_all_read(session, caller)
