import uuid

from pydantic import BaseModel, ConfigDict

from app.org.models import Role as Role
from app.org.models import UnitKind as UnitKind
from app.platform.i18n import Locale


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    kind: UnitKind
    depth: int


class UnitRef(BaseModel):
    id: uuid.UUID
    name: str


class GrantOut(BaseModel):
    role: Role
    unit: UnitRef


class MeOut(BaseModel):
    id: uuid.UUID
    org_id: uuid.UUID
    display_name: str
    email: str
    locale: Locale
    home_unit: UnitRef
    grants: list[GrantOut]


class PersonRef(BaseModel):
    id: uuid.UUID
    display_name: str


class TaxonomyTermOut(BaseModel):
    key: str
    label: str


class TaxonomyOut(BaseModel):
    journey_stages: list[TaxonomyTermOut]
    touchpoints: list[TaxonomyTermOut]
