"""An organisation's routing material held in memory: its deadlines, active rules and unit
tree with each unit's managers, so that routing a new insight takes no statement.

It is good while the organisation's `directory_version` stays where it was when it was
read: triggers move the version with every change to people, units, grants, rules or the
organisation row, in the changing transaction itself, whichever process makes it. A
statement that acts on a routing decision checks the version in the same statement
(`app.insights.posting`), and when it has moved the directory is read again and the
decision made anew. A stale directory can therefore never route a stored insight.
"""

import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import policies as org_policies
from app.org.models import Organisation, Person, RoleGrant, Unit
from app.platform.db import table
from app.routing.models import RoutingRule

_units, _organisations, _rules = table(Unit), table(Organisation), table(RoutingRule)
_grants, _people = table(RoleGrant), table(Person)
_u, _o, _r, _g, _p = _units.c, _organisations.c, _rules.c, _grants.c, _people.c

# How many organisations one process keeps.
MAX_ORGANISATIONS = 64


@dataclass(frozen=True, slots=True)
class UnitEntry:
    id: uuid.UUID
    name: str
    path: str
    depth: int
    # The active people who answer for this unit itself (`answers_for_unit`), sorted.
    managers: tuple[uuid.UUID, ...]

    def chain(self) -> list[uuid.UUID]:
        """The unit and its ancestors, root first."""
        return [uuid.UUID(segment) for segment in self.path.rstrip("/").split("/")]


@dataclass(frozen=True, slots=True)
class Directory:
    org_id: uuid.UUID
    version: int
    ack_deadline_minutes: int
    respond_deadline_minutes: int
    customer_deadline_minutes: int
    # The active rules in the order they are tried, as rows with the rules' columns.
    rules: tuple[Any, ...]
    units: dict[uuid.UUID, UnitEntry]


# The organisation and its active rules, in order; an organisation without rules comes
# once with the rule's columns empty.
_ORG_AND_RULES = (
    select(
        _o.directory_version,
        _o.ack_deadline_minutes,
        _o.respond_deadline_minutes,
        _o.customer_deadline_minutes,
        _r.id.label("rule_id"),
        _r.name.label("rule_name"),
        _r.match_kinds,
        _r.match_journey_stages,
        _r.match_tags,
        _r.match_min_impact,
        _r.match_unit_id,
        _r.match_theme_id,
        _r.target_levels_up,
        _r.target_unit_id,
        _r.ack_minutes,
        _r.respond_minutes,
    )
    .select_from(_organisations.outerjoin(_rules, and_(_r.org_id == _o.id, _r.active)))
    .where(_o.id == bindparam("org_id"))
    .order_by(_r.position, _r.created_at, _r.id)
)

# Every unit with its active managers, and the version they were read at.
_managers = (
    select(_g.unit_id, _g.person_id)
    .join(_people, and_(_p.org_id == _g.org_id, _p.id == _g.person_id, _p.active))
    .where(_g.org_id == bindparam("org_id"), org_policies.answers_for_unit(_g.role))
    .subquery()
)
_UNITS = (
    select(
        _u.id,
        _u.name,
        _u.path,
        _u.depth,
        func.array_remove(func.array_agg(_managers.c.person_id), None).label("managers"),
        select(_o.directory_version)
        .where(_o.id == bindparam("org_id"))
        .scalar_subquery()
        .label("version"),
    )
    .select_from(_units.outerjoin(_managers, _managers.c.unit_id == _u.id))
    .where(_u.org_id == bindparam("org_id"))
    .group_by(_u.id, _u.name, _u.path, _u.depth)
)


async def read(session: AsyncSession, org_id: uuid.UUID) -> Directory | None:
    """The organisation's directory as it is now; None for an unknown organisation."""
    for _ in range(5):
        rules = (await session.execute(_ORG_AND_RULES, {"org_id": org_id})).all()
        if not rules:
            return None
        units = (await session.execute(_UNITS, {"org_id": org_id})).all()
        first = rules[0]
        if units and units[0].version != first.directory_version:
            continue  # changed between the two reads: read both again
        return Directory(
            org_id=org_id,
            version=first.directory_version,
            ack_deadline_minutes=first.ack_deadline_minutes,
            respond_deadline_minutes=first.respond_deadline_minutes,
            customer_deadline_minutes=first.customer_deadline_minutes,
            rules=tuple(row for row in rules if row.rule_id is not None),
            units={
                row.id: UnitEntry(
                    row.id, row.name, row.path, row.depth, tuple(sorted(set(row.managers)))
                )
                for row in units
            },
        )
    raise RuntimeError("the organisation's directory kept changing while it was read")


class Directories:
    """The directories one process holds, by organisation, the least recently used
    dropped first. Safe to share between threads."""

    def __init__(self, size: int = MAX_ORGANISATIONS) -> None:
        self._size = size
        self._held: OrderedDict[uuid.UUID, Directory] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, org_id: uuid.UUID) -> Directory | None:
        with self._lock:
            found = self._held.get(org_id)
            if found is not None:
                self._held.move_to_end(org_id)
            return found

    def put(self, directory: Directory) -> None:
        with self._lock:
            held = self._held.get(directory.org_id)
            if held is not None and held.version > directory.version:
                return
            self._held[directory.org_id] = directory
            self._held.move_to_end(directory.org_id)
            while len(self._held) > self._size:
                self._held.popitem(last=False)

    def drop(self, org_id: uuid.UUID) -> None:
        with self._lock:
            self._held.pop(org_id, None)

    async def current(
        self, session: AsyncSession, org_id: uuid.UUID, *, at_least: int = -1
    ) -> Directory | None:
        """The held directory when its version is `at_least`, else read anew."""
        held = self.get(org_id)
        if held is not None and held.version >= at_least:
            return held
        fresh = await read(session, org_id)
        if fresh is not None:
            self.put(fresh)
        return fresh
