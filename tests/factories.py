"""Builders for test data: a small world of two organisations with people in every role."""

import uuid
from dataclasses import dataclass, field
from functools import cache

import httpx
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.tokens import issue_access_token
from app.org import service as org_service
from app.org.models import Person, Role, Unit, UnitKind
from app.platform.i18n import Locale
from app.platform.passwords import hash_password
from app.routing import service as routing_service
from app.web.runtime import Runtime

DEMO_PASSWORD = "demo-password"


@cache
def _demo_password_hash() -> str:
    return hash_password(DEMO_PASSWORD)


@dataclass
class Org:
    id: uuid.UUID
    root: Unit
    units: dict[str, Unit] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


@dataclass
class World:
    """Kauppa (retail): root → region south → stores A and B, team A1 under store A;
    region north → store C (no store manager). Anna works in team A1 and Aku in store A
    itself: colleagues. Pankki (bank): root → branch."""

    runtime: Runtime
    kauppa: Org
    pankki: Org
    people: dict[str, Person] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)

    async def token(self, name: str) -> str:
        person = self.people[name]
        keys = self.runtime.builtin_keys
        assert keys is not None
        return await issue_access_token(
            keys,
            issuer=self.runtime.settings.issuer,
            audience=self.runtime.settings.oidc_audience,
            subject=person.subject,
            lifetime_seconds=600,
        )

    async def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(name)}"}


async def add_person(
    session: AsyncSession,
    org: Org,
    name: str,
    home: Unit,
    grants: list[tuple[Role, Unit]],
    locale: Locale = Locale.FI,
) -> Person:
    person = await org_service.create_person(
        session,
        org_id=org.id,
        email=f"{name}@{org.root.name.split()[0].lower()}.test",
        display_name=name.capitalize(),
        home_unit_id=home.id,
        locale=locale,
    )
    # scrypt is slow on purpose; one hash serves every test person.
    person.password_hash = _demo_password_hash()
    for role, unit in grants:
        await org_service.grant_role(
            session, org_id=org.id, person_id=person.id, role=role, unit_id=unit.id
        )
    org.people[name] = person
    return person


async def add_unit(session: AsyncSession, org: Org, key: str, parent: Unit, kind: UnitKind) -> Unit:
    unit = await org_service.create_unit(
        session, org_id=org.id, parent_id=parent.id, name=key.replace("_", " ").title(), kind=kind
    )
    org.units[key] = unit
    return unit


async def build_world(session: AsyncSession, runtime: Runtime) -> World:
    suffix = uuid.uuid4().hex[:8]
    k_org, k_root = await org_service.create_organisation(
        session, name="Kauppa Oy", slug=f"kauppa-{suffix}", ack_deadline_minutes=48 * 60
    )
    await routing_service.add_default_rule(session, k_org)
    kauppa = Org(id=k_org.id, root=k_root, units={"root": k_root})
    south = await add_unit(session, kauppa, "south", k_root, UnitKind.REGION)
    north = await add_unit(session, kauppa, "north", k_root, UnitKind.REGION)
    store_a = await add_unit(session, kauppa, "store_a", south, UnitKind.STORE)
    store_b = await add_unit(session, kauppa, "store_b", south, UnitKind.STORE)
    store_c = await add_unit(session, kauppa, "store_c", north, UnitKind.STORE)
    team_a1 = await add_unit(session, kauppa, "team_a1", store_a, UnitKind.TEAM)

    await add_person(session, kauppa, "anna", team_a1, [(Role.FRONTLINE, team_a1)])
    await add_person(session, kauppa, "aku", store_a, [(Role.FRONTLINE, store_a)])
    await add_person(session, kauppa, "ben", store_b, [(Role.FRONTLINE, store_b)], Locale.EN)
    await add_person(session, kauppa, "cecilia", store_c, [(Role.FRONTLINE, store_c)])
    await add_person(session, kauppa, "mia", store_a, [(Role.MANAGER, store_a)])
    await add_person(session, kauppa, "max", store_b, [(Role.MANAGER, store_b)], Locale.EN)
    await add_person(session, kauppa, "rita", south, [(Role.MANAGER, south)])
    await add_person(session, kauppa, "nils", north, [(Role.MANAGER, north)])
    await add_person(session, kauppa, "hanna", k_root, [(Role.HR, k_root)])
    await add_person(session, kauppa, "aaro", k_root, [(Role.ADMIN, k_root)])

    p_org, p_root = await org_service.create_organisation(
        session, name="Pankki Oyj", slug=f"pankki-{suffix}"
    )
    await routing_service.add_default_rule(session, p_org)
    pankki = Org(id=p_org.id, root=p_root, units={"root": p_root})
    branch = await add_unit(session, pankki, "branch", p_root, UnitKind.STORE)
    await add_person(session, pankki, "olli", branch, [(Role.FRONTLINE, branch)])
    await add_person(session, pankki, "oona", branch, [(Role.MANAGER, branch)])
    await add_person(session, pankki, "pekka", p_root, [(Role.ADMIN, p_root)])

    world = World(runtime=runtime, kauppa=kauppa, pankki=pankki)
    for org in (kauppa, pankki):
        world.people.update(org.people)
    world.units = {**{f"p_{k}": v for k, v in pankki.units.items()}, **kauppa.units}
    return world


# What the `live` fixture gives: committed people, their sessions, a client of the app.
Live = tuple[World, async_sessionmaker[AsyncSession], httpx.AsyncClient]


def owner_after_each_request(app: ASGIApp, connection: AsyncConnection) -> ASGIApp:
    """`app`, for tests whose requests all share the test's one transaction.

    A request binds its transaction to the caller's organisation (row-level security,
    `app.tenancy`). Here that transaction outlives the request, so the role is reset after
    each one, as a new transaction would start: the next request, and the test's own
    queries, begin as the owner."""

    async def reset_after(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        finally:
            await connection.exec_driver_sql("RESET ROLE")

    return reset_after


async def add_theme(runtime: Runtime, org_id: uuid.UUID, insight_ids: list[str], label: str) -> str:
    """A theme holding these insights, as a re-clustering would leave it (for tests that
    need one without running the embedder and the clustering)."""
    from app.platform import clock
    from app.themes.models import Theme, ThemeMember, ThemeStatus

    now = clock.now()
    theme_id = uuid.uuid4()
    async with runtime.sessions() as session:
        session.add(
            Theme(
                org_id=org_id,
                id=theme_id,
                status=ThemeStatus.ACTIVE,
                label_fi=label,
                label_en=label,
                member_count=len(insight_ids),
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add_all(
            ThemeMember(
                org_id=org_id,
                insight_id=uuid.UUID(insight_id),
                theme_id=theme_id,
                pinned=False,
                assigned_at=now,
            )
            for insight_id in insight_ids
        )
        await session.commit()
    return str(theme_id)
