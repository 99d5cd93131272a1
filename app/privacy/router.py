import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query, Request

from app.attachments.service import remove_stored
from app.platform.pagination import DEFAULT_PAGE_SIZE, Page
from app.privacy import service
from app.privacy.models import AuditKind
from app.privacy.schemas import (
    AnonymityIn,
    AnonymityOut,
    AuditEntryOut,
    ErasureOut,
    RetentionIn,
    RetentionOut,
)
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["privacy"], route_class=ApiRoute)


@router.get("/me/export")
async def export_my_data(session: Session, caller: Caller) -> dict[str, Any]:
    """Everything the platform holds about you, as one JSON document."""
    return await service.export_person(session, caller, caller.person_id)


@router.get("/people/{person_id}/export")
async def export_person(person_id: uuid.UUID, session: Session, caller: Caller) -> dict[str, Any]:
    """Everything held about a person, for a data request made to the organisation (HR and
    administrators). What they reported confidentially is left out: only their own export
    has it."""
    return await service.export_person(session, caller, person_id)


@router.delete("/people/{person_id}")
async def erase_person(
    person_id: uuid.UUID,
    request: Request,
    session: Session,
    caller: Caller,
    after_commit: BackgroundTasks,
) -> ErasureOut:
    """Erase a person (administrators): their name, e-mail, sign-in, roles, notifications
    and attachments go; what they wrote stays under a pseudonym, so every count stays."""
    erased = await service.erase_person(session, caller, person_id)
    # The files go once the erasure is committed and answered.
    after_commit.add_task(remove_stored, runtime(request).attachments, erased.pop("keys"))
    return ErasureOut.model_validate(erased)


@router.get("/audit")
async def list_audit(
    session: Session,
    caller: Caller,
    actor_id: uuid.UUID | None = None,
    kind: AuditKind | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query()] = DEFAULT_PAGE_SIZE,
) -> Page[AuditEntryOut]:
    """Every change, and every read by HR or administrators, newest first (administrators)."""
    return await service.list_audit(
        session, caller, actor_id=actor_id, kind=kind, cursor=cursor, limit=limit
    )


@router.get("/organisation/retention")
async def get_retention(session: Session, caller: Caller) -> RetentionOut:
    """How long closed insights keep their free text."""
    return await service.get_retention(session, caller)


@router.put("/organisation/retention")
async def set_retention(body: RetentionIn, session: Session, caller: Caller) -> RetentionOut:
    """Set the retention period (30 to 3650 days, or null to keep for good)."""
    return await service.set_retention(session, caller, body)


@router.get("/organisation/anonymity")
async def get_anonymity(session: Session, caller: Caller) -> AnonymityOut:
    """How many people a unit needs to be shown as a confidential insight's unit."""
    return await service.get_anonymity(session, caller)


@router.put("/organisation/anonymity")
async def set_anonymity(body: AnonymityIn, session: Session, caller: Caller) -> AnonymityOut:
    """Set how many people (1 to 1000) a unit needs to be shown as a confidential insight's
    unit; insights posted from now on follow it."""
    return await service.set_anonymity(session, caller, body)
