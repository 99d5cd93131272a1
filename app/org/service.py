"""Organisations, the unit tree, people and their role grants."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ARRAY, Uuid, and_, any_, bindparam, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import policies
from app.org import policies as org_policies
from app.org.models import (
    JourneyStage,
    Organisation,
    Person,
    Role,
    RoleGrant,
    Touchpoint,
    Unit,
    UnitKind,
    ancestor_ids,
)
from app.org.principal import Grant, Principal
from app.org.schemas import GrantOut, MeOut, TaxonomyOut, TaxonomyTermOut, UnitOut, UnitRef
from app.org.taxonomy import DEFAULT_JOURNEY_STAGES, DEFAULT_TOUCHPOINTS
from app.platform.db import table
from app.platform.errors import Conflict, NotFound
from app.platform.i18n import Locale
from app.platform.passwords import hash_password

_people, _units, _grants = table(Person), table(Unit), table(RoleGrant)
_p, _g = _people.c, _grants.c
_orgs = table(Organisation)

# Runs on every request: built once, so its compiled form is reused.
# The nearest store at or above the home unit comes along: it bounds which colleagues'
# insights the person may read (`app.insights.policies.colleague_pattern`).
_home, _store, _granted = _units.alias("h"), _units.alias("s"), _units.alias("u")
_STORE_PATH = (
    select(_store.c.path)
    .where(
        _store.c.org_id == _home.c.org_id,
        _store.c.kind == UnitKind.STORE,
        _store.c.id == any_(ancestor_ids(_home.c.path)),
    )
    .order_by(_store.c.depth.desc())
    .limit(1)
    .scalar_subquery()
)
_PRINCIPAL = (
    select(
        _p.id,
        _p.org_id,
        _p.display_name,
        _p.locale,
        _p.home_unit_id,
        _home.c.path.label("home_path"),
        _STORE_PATH.label("store_path"),
        _g.role,
        _g.unit_id,
        _granted.c.path,
        _orgs.c.directory_version,
    )
    .select_from(
        _people.join(_orgs, _orgs.c.id == _p.org_id)
        .join(_home, and_(_home.c.org_id == _p.org_id, _home.c.id == _p.home_unit_id))
        .outerjoin(_grants, and_(_g.org_id == _p.org_id, _g.person_id == _p.id))
        .outerjoin(_granted, and_(_granted.c.org_id == _g.org_id, _granted.c.id == _g.unit_id))
    )
    .where(_p.subject == bindparam("subject"), _p.active)
)


async def load_principal(session: AsyncSession, subject: str) -> Principal | None:
    """The active person a token's subject names, with every grant, in one query."""
    rows = (await session.execute(_PRINCIPAL, {"subject": subject})).all()
    if not rows:
        return None
    first = rows[0]
    grants = tuple(
        Grant(role=Role(row.role), unit_id=row.unit_id, unit_path=row.path)
        for row in rows
        if row.role is not None
    )
    return Principal(
        person_id=first.id,
        org_id=first.org_id,
        display_name=first.display_name,
        locale=Locale(first.locale),
        home_unit_id=first.home_unit_id,
        grants=grants,
        home_path=first.home_path,
        store_path=first.store_path,
        directory_version=first.directory_version,
    )


async def create_organisation(
    session: AsyncSession,
    *,
    name: str,
    slug: str,
    default_locale: Locale = Locale.FI,
    ack_deadline_minutes: int = 48 * 60,
    respond_deadline_minutes: int = 168 * 60,
) -> tuple[Organisation, Unit]:
    """A new tenant with its root unit, the default taxonomies and routing rule."""
    existing = await session.scalar(select(Organisation.id).where(Organisation.slug == slug))
    if existing is not None:
        raise Conflict(f"An organisation with slug {slug!r} exists.", code="slug_taken")
    org = Organisation(
        id=uuid.uuid4(),
        name=name,
        slug=slug,
        default_locale=default_locale,
        ack_deadline_minutes=ack_deadline_minutes,
        respond_deadline_minutes=respond_deadline_minutes,
    )
    session.add(org)
    await session.flush()
    root = await create_unit(
        session, org_id=org.id, parent_id=None, name=name, kind=UnitKind.COMPANY
    )
    await session.execute(
        insert(JourneyStage),
        [
            {"org_id": org.id, "key": k, "label_fi": fi, "label_en": en, "position": i}
            for i, (k, fi, en) in enumerate(DEFAULT_JOURNEY_STAGES)
        ],
    )
    await session.execute(
        insert(Touchpoint),
        [
            {"org_id": org.id, "key": k, "label_fi": fi, "label_en": en, "position": i}
            for i, (k, fi, en) in enumerate(DEFAULT_TOUCHPOINTS)
        ],
    )
    return org, root


async def create_unit(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    name: str,
    kind: UnitKind,
) -> Unit:
    unit_id = uuid.uuid4()
    if parent_id is None:
        path, depth = f"{unit_id.hex}/", 0
    else:
        parent = await session.get(Unit, (org_id, parent_id))
        if parent is None:
            raise NotFound("The parent unit does not exist.")
        path, depth = f"{parent.path}{unit_id.hex}/", parent.depth + 1
    unit = Unit(
        org_id=org_id, id=unit_id, parent_id=parent_id, name=name, kind=kind, path=path, depth=depth
    )
    session.add(unit)
    await session.flush()
    return unit


async def create_person(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    email: str,
    display_name: str,
    home_unit_id: uuid.UUID,
    locale: Locale = Locale.FI,
    subject: str | None = None,
    password: str | None = None,
) -> Person:
    """A member of the organisation. Without `subject`, the built-in issuer's own is used."""
    person_id = uuid.uuid4()
    person = Person(
        org_id=org_id,
        id=person_id,
        subject=subject or f"insight|{person_id}",
        email=email.strip().lower(),
        display_name=display_name,
        home_unit_id=home_unit_id,
        locale=locale,
        password_hash=hash_password(password) if password else None,
        active=True,
    )
    session.add(person)
    await session.flush()
    return person


async def grant_role(
    session: AsyncSession,
    *,
    org_id: uuid.UUID,
    person_id: uuid.UUID,
    role: Role,
    unit_id: uuid.UUID,
) -> None:
    await session.execute(
        insert(RoleGrant)
        .values(org_id=org_id, person_id=person_id, role=role, unit_id=unit_id)
        .on_conflict_do_nothing()
    )


async def me(session: AsyncSession, actor: Principal) -> MeOut:
    person = await session.get_one(Person, (actor.org_id, actor.person_id))
    names = await unit_names(
        session, actor.org_id, [actor.home_unit_id, *(g.unit_id for g in actor.grants)]
    )
    return MeOut(
        id=person.id,
        org_id=person.org_id,
        display_name=person.display_name,
        email=person.email,
        locale=person.locale,
        home_unit=UnitRef(id=actor.home_unit_id, name=names[actor.home_unit_id]),
        grants=[
            GrantOut(role=g.role, unit=UnitRef(id=g.unit_id, name=names[g.unit_id]))
            for g in actor.grants
        ],
    )


async def list_units(session: AsyncSession, actor: Principal) -> list[UnitOut]:
    """The whole unit tree of the caller's organisation, parents before children."""
    units = await session.scalars(
        select(Unit).where(Unit.org_id == actor.org_id).order_by(Unit.depth, Unit.name)
    )
    return [UnitOut.model_validate(u) for u in units]


async def get_unit(session: AsyncSession, actor: Principal, unit_id: uuid.UUID) -> Unit:
    unit = await session.get(Unit, (actor.org_id, unit_id))
    if unit is None:
        raise NotFound("No such unit.")
    return unit


async def units_by_id(
    session: AsyncSession, actor: Principal, unit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, UnitOut]:
    """The units of the caller's organisation among `unit_ids`, in one statement."""
    if not unit_ids:
        return {}
    found = await session.scalars(
        select(Unit).where(Unit.org_id == actor.org_id, Unit.id.in_(set(unit_ids)))
    )
    return {unit.id: UnitOut.model_validate(unit) for unit in found}


async def unit_names(
    session: AsyncSession, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Unit.id, Unit.name).where(Unit.org_id == org_id, Unit.id.in_(wanted))
    )
    return {row.id: row.name for row in rows}


async def person_names(
    session: AsyncSession, org_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.org_id == org_id, Person.id.in_(wanted))
    )
    return {row.id: row.display_name for row in rows}


async def taxonomy(session: AsyncSession, actor: Principal, locale: Locale) -> TaxonomyOut:
    def terms(rows: Iterable[JourneyStage | Touchpoint]) -> list[TaxonomyTermOut]:
        return [
            TaxonomyTermOut(key=t.key, label=t.label_fi if locale is Locale.FI else t.label_en)
            for t in rows
        ]

    stages = await session.scalars(
        select(JourneyStage)
        .where(JourneyStage.org_id == actor.org_id, JourneyStage.active.is_(True))
        .order_by(JourneyStage.position)
    )
    touchpoints = await session.scalars(
        select(Touchpoint)
        .where(Touchpoint.org_id == actor.org_id, Touchpoint.active.is_(True))
        .order_by(Touchpoint.position)
    )
    return TaxonomyOut(journey_stages=terms(stages), touchpoints=terms(touchpoints))


@dataclass(frozen=True, slots=True)
class Owners:
    """The unit that owns an insight and its active managers."""

    unit_id: uuid.UUID
    unit_name: str
    manager_ids: list[uuid.UUID]


# The unit, all its ancestors and their active managers, in one round trip: this runs on
# every post the routing directory does not serve. The ancestors' ids are read once from
# the target's path (an InitPlan) and looked up by primary key: index-served at any size.
_target, _ancestor = _units.alias("t"), _units.alias("a")
_CHAIN_IDS = sql_cast(
    select(ancestor_ids(_target.c.path))
    .where(_target.c.org_id == bindparam("org_id"), _target.c.id == bindparam("unit_id"))
    .scalar_subquery(),
    ARRAY(Uuid),
)
_CHAIN_MANAGERS = (
    select(_ancestor.c.id, _ancestor.c.name, _ancestor.c.depth, _g.person_id)
    .select_from(
        _ancestor.outerjoin(
            _grants.join(_people, and_(_p.org_id == _g.org_id, _p.id == _g.person_id, _p.active)),
            and_(
                _g.org_id == _ancestor.c.org_id,
                _g.unit_id == _ancestor.c.id,
                policies.answers_for_unit(_g.role),
            ),
        )
    )
    .where(_ancestor.c.org_id == bindparam("org_id"), _ancestor.c.id == any_(_CHAIN_IDS))
)


async def nearest_managers(session: AsyncSession, org_id: uuid.UUID, unit_id: uuid.UUID) -> Owners:
    """The nearest unit at or above `unit_id` that has active managers, and those managers.

    In an organisation without managers the root unit owns it, with no one to notify.
    Raises NotFound for a unit outside the organisation.
    """
    rows = (await session.execute(_CHAIN_MANAGERS, {"org_id": org_id, "unit_id": unit_id})).all()
    if not rows:
        raise NotFound("No such unit.")
    managed = [row for row in rows if row.person_id is not None]
    if managed:
        depth = max(row.depth for row in managed)
        owners = [row for row in managed if row.depth == depth]
    else:
        depth = min(row.depth for row in rows)
        owners = [row for row in rows if row.depth == depth]
    return Owners(
        unit_id=owners[0].id,
        unit_name=owners[0].name,
        manager_ids=sorted({row.person_id for row in owners if row.person_id is not None}),
    )


async def managers_of(
    session: AsyncSession, org_id: uuid.UUID, unit_id: uuid.UUID
) -> list[uuid.UUID]:
    """The people who hold the manager role on `unit_id` itself."""
    grants = table(RoleGrant).c
    found = await session.scalars(
        select(grants.person_id).where(
            grants.org_id == org_id,
            grants.unit_id == unit_id,
            org_policies.answers_for_unit(grants.role),
        )
    )
    return list(found)
