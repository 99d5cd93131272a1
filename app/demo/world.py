"""The demo organisation's units and people, created through the organisation service."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.content.organisation import (
    DEMO_PASSWORD,
    EMAIL_DOMAIN,
    ORG_NAME,
    ORG_SLUG,
    PEOPLE,
    UNITS,
)
from app.org import service as org_service
from app.org.models import Person, Role, Unit, UnitKind
from app.org.principal import Principal
from app.platform.i18n import Locale
from app.routing import service as routing_service


@dataclass(eq=False, slots=True)
class Node:
    key: str
    unit: Unit
    parent: "Node | None"

    def ancestors(self) -> Iterator["Node"]:
        node: Node | None = self
        while node is not None:
            yield node
            node = node.parent

    def within(self, other: "Node") -> bool:
        return any(n is other for n in self.ancestors())

    @property
    def store(self) -> "Node":
        """The store this unit belongs to (itself for anything that is not a team)."""
        if self.unit.kind is UnitKind.TEAM and self.parent is not None:
            return self.parent
        return self


@dataclass(eq=False, slots=True)
class Member:
    key: str
    first: str
    role: Role
    node: Node
    person: Person
    principal: Principal

    @property
    def lang(self) -> str:
        return self.person.locale.value


@dataclass(eq=False, slots=True)
class World:
    """The organisation as the seeder knows it: units and people by their content keys."""

    org_id: uuid.UUID
    nodes: dict[str, Node]
    members: dict[str, Member]

    def manager_for(self, node: Node) -> Member:
        """Who handles insights posted at `node`: a manager of the nearest unit that has one."""
        for ancestor in node.ancestors():
            managers = [
                m for m in self.members.values() if m.role is Role.MANAGER and m.node is ancestor
            ]
            if managers:
                return managers[0]
        raise LookupError(f"no manager above {node.key}")


def email_for(first: str, last: str) -> str:
    """firstname.lastname@…, folded to ASCII (ä → a, ö → o, å → a)."""
    local = f"{first}.{last}".lower().translate(str.maketrans("äöåé", "aoae"))
    return f"{local}@{EMAIL_DOMAIN}"


async def build_world(session: AsyncSession) -> World:
    """The organisation, its unit tree and its people with their roles."""
    org, root = await org_service.create_organisation(
        session, name=ORG_NAME, slug=ORG_SLUG, default_locale=Locale.FI
    )
    await routing_service.add_default_rule(session, org)
    nodes: dict[str, Node] = {}
    for key, name, kind, parent_key in UNITS:
        if parent_key is None:
            nodes[key] = Node(key=key, unit=root, parent=None)
            continue
        parent = nodes[parent_key]
        unit = await org_service.create_unit(
            session, org_id=org.id, parent_id=parent.unit.id, name=name, kind=kind
        )
        nodes[key] = Node(key=key, unit=unit, parent=parent)

    people: list[tuple[str, str, Role, Node, Person]] = []
    for key, first, last, unit_key, role, locale in PEOPLE:
        node = nodes[unit_key]
        person = await org_service.create_person(
            session,
            org_id=org.id,
            email=email_for(first, last),
            display_name=f"{first} {last}",
            home_unit_id=node.unit.id,
            locale=locale,
            password=DEMO_PASSWORD,
        )
        await org_service.grant_role(
            session, org_id=org.id, person_id=person.id, role=role, unit_id=node.unit.id
        )
        people.append((key, first, role, node, person))
    members: dict[str, Member] = {}
    for key, first, role, node, person in people:
        principal = await org_service.load_principal(session, person.subject)
        assert principal is not None
        members[key] = Member(key, first, role, node, person, principal)
    return World(org_id=org.id, nodes=nodes, members=members)
