"""The organisation in GraphQL: people, the unit tree, the caller and the taxonomy."""

import uuid
from typing import Self

import strawberry
from strawberry.experimental import pydantic as derived

from app.gql.context import Info
from app.gql.fields import field
from app.gql.ids import global_id, global_id_field, uuid_of
from app.gql.relay import Node, found
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import (
    GrantOut,
    MeOut,
    PersonRef,
    TaxonomyOut,
    TaxonomyTermOut,
    UnitKind,
    UnitOut,
    UnitRef,
)
from app.platform.i18n import Locale
from app.web.unit_of_work import Session


@derived.type(PersonRef, all_fields=True, description="A person, as the caller may see them.")
class Person:
    id: strawberry.Private[uuid.UUID]
    id_field = global_id_field("Person")


# Hand-written: a Node whose fields beyond id and name are loaded only when a query asks.
@strawberry.type(description="A unit of the organisation's tree: company, region, store, team.")
class Unit(Node):
    name: str
    key: strawberry.Private[uuid.UUID]
    # Present for units of the tree; units named by an insight or a grant come as id and
    # name only, and the rest is loaded if a query asks for it.
    full: strawberry.Private[UnitOut | None] = None

    @classmethod
    def from_pydantic(cls, out: UnitRef | UnitOut, extra: object = None) -> Self:
        # `extra` as strawberry passes it when a derived type holds a unit.
        return cls(
            id=global_id("Unit", out.id),
            name=out.name,
            key=out.id,
            full=out if isinstance(out, UnitOut) else None,
        )

    async def _full(self, info: Info) -> UnitOut:
        if self.full is None:
            self.full = await info.context.loaders.unit.load(self.key)
        return self.full

    @strawberry.field
    async def kind(self, info: Info) -> UnitKind:
        return (await self._full(info)).kind

    @field("0 for the organisation's root unit.")
    async def depth(self, info: Info) -> int:
        return (await self._full(info)).depth

    @strawberry.field
    async def parent(self, info: Info) -> "Unit | None":
        parent_id = (await self._full(info)).parent_id
        if parent_id is None:
            return None
        return Unit.from_pydantic(await info.context.loaders.unit.load(parent_id))


@derived.type(GrantOut, all_fields=True)
class Grant:
    unit: Unit


# Hand-written: the caller is published as a person of an organisation, not as MeOut's fields.
@strawberry.type(description="The caller.")
class Me:
    person: Person
    organisation_id: strawberry.ID
    email: str
    locale: Locale
    home_unit: Unit
    grants: list[Grant]

    @classmethod
    def from_pydantic(cls, out: MeOut) -> Self:
        return cls(
            person=Person(id=out.id, display_name=out.display_name),
            organisation_id=global_id("Organisation", out.org_id),
            email=out.email,
            locale=out.locale,
            home_unit=Unit.from_pydantic(out.home_unit),
            grants=[Grant.from_pydantic(g) for g in out.grants],
        )


@derived.type(TaxonomyTermOut, all_fields=True)
class TaxonomyTerm:
    pass


@derived.type(
    TaxonomyOut,
    all_fields=True,
    description="Journey stages and touchpoints, labelled in the caller's language.",
)
class Taxonomy:
    pass


async def find_unit(info: Info, key: uuid.UUID) -> Unit | None:
    return await found(info.context.loaders.unit.load(key), Unit.from_pydantic)


async def _taxonomy(session: Session, caller: Principal) -> TaxonomyOut:
    return await org_service.taxonomy(session, caller, caller.locale)


@strawberry.type
class OrgQueries:
    @field("A unit of your organisation; null for any other id.")
    async def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        return await find_unit(info, uuid_of("Unit", id))

    @field("You, your home unit and your role grants.")
    async def me(self, info: Info) -> Me:
        return Me.from_pydantic(await info.context.read(org_service.me))

    @field("Your organisation's unit tree, parents before children.")
    async def units(self, info: Info) -> list[Unit]:
        units = await info.context.read(org_service.list_units)
        # A unit's parent is in the same tree: `parent` need not fetch it again.
        info.context.loaders.unit.prime_many({u.id: u for u in units})
        return [Unit.from_pydantic(u) for u in units]

    @field("Journey stages and touchpoints, in your language.")
    async def taxonomy(self, info: Info) -> Taxonomy:
        return Taxonomy.from_pydantic(await info.context.read(_taxonomy))


def person(ref: PersonRef) -> Person:
    # Built directly: strawberry's generic conversion costs thirty times as much, and a
    # page of insights names a person on every row.
    return Person(id=ref.id, display_name=ref.display_name)


def optional_person(ref: PersonRef | None) -> Person | None:
    return person(ref) if ref is not None else None
