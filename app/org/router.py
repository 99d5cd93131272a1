import uuid

from fastapi import APIRouter

from app.org import service
from app.org.schemas import MeOut, TaxonomyOut, UnitOut
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["organisation"], route_class=ApiRoute)


@router.get("/me")
async def get_me(session: Session, caller: Caller) -> MeOut:
    """The caller, their home unit and role grants."""
    return await service.me(session, caller)


@router.get("/units")
async def list_units(session: Session, caller: Caller) -> list[UnitOut]:
    """The organisation's unit tree, parents before children."""
    return await service.list_units(session, caller)


@router.get("/units/{unit_id}")
async def get_unit(unit_id: uuid.UUID, session: Session, caller: Caller) -> UnitOut:
    """One unit of the caller's organisation."""
    return UnitOut.model_validate(await service.get_unit(session, caller, unit_id))


@router.get("/taxonomy")
async def get_taxonomy(session: Session, caller: Caller) -> TaxonomyOut:
    """Journey stages and touchpoints, labelled in the caller's language."""
    return await service.taxonomy(session, caller, caller.locale)
