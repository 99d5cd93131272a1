from typing import Annotated

from fastapi import APIRouter, Query

from app.platform.pagination import MAX_PAGE_SIZE
from app.sync import changes, service
from app.sync.schemas import ChangesOut, SyncBatchIn, SyncBatchOut
from app.web.caller import Caller
from app.web.routes import BatchRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["sync"], route_class=BatchRoute)


@router.post("/sync/batch")
async def sync_batch(body: SyncBatchIn, session: Session, caller: Caller) -> SyncBatchOut:
    """Apply a queue of insights, comments and endorsements made offline, in order.

    The answer is 200 with one result per item: `created`, `replayed` (stored by an earlier
    attempt, so resending a batch is safe) or `error` with the problem a single call would
    give. Items carry client-generated ids; a comment or endorsement may refer to an
    insight posted earlier in the same batch.
    """
    return await service.apply_batch(session, caller, body)


@router.get("/me/changes")
async def list_my_changes(
    session: Session,
    caller: Caller,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> ChangesOut:
    """What changed for the caller since `cursor`: their own insights (status, answers,
    comments, actions) as they are now, and new notifications. Without a cursor, from the
    beginning. Keep `next_cursor` and ask again later; `has_more` asks to ask at once."""
    return await changes.changes(session, caller, cursor=cursor, limit=limit)
