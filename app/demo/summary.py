"""What the seed made: counts, and the logins to try it with."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions.models import Action, ActionStatus
from app.demo.content.organisation import DEMO_LOGINS, DEMO_PASSWORD, ORG_NAME, ORG_SLUG
from app.demo.world import World
from app.insights.models import Insight, InsightStatus
from app.loop.models import Audience, LoopCommunication
from app.org.models import Person, Role, RoleGrant, Unit

ROLE_PLURALS = {"manager": "managers", "hr": "HR"}
ROLE_TITLES = {
    "frontline": "frontline",
    "store_manager": "store manager",
    "region_manager": "region manager",
    "hr": "HR",
    "admin": "admin",
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    name: str
    unit: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    organisation: str
    slug: str
    org_id: uuid.UUID
    units: int
    people: int
    people_by_role: dict[str, int]
    insights: int
    insights_by_status: dict[str, int]
    actions: int
    actions_done: int
    answers: int
    loops_closed: int
    logins: tuple[DemoLogin, ...]
    password: str = DEMO_PASSWORD

    def __str__(self) -> str:
        roles = ", ".join(
            f"{n} {ROLE_PLURALS.get(role, role)}" for role, n in self.people_by_role.items()
        )
        statuses = ", ".join(
            f"{n} {status.replace('_', ' ')}" for status, n in self.insights_by_status.items()
        )
        lines = [
            f"Demo organisation {self.organisation} ({self.slug}) is ready:",
            f"  {self.units} units, {self.people} people ({roles})",
            f"  {self.insights} insights: {statuses}",
            f"  {self.actions} actions, {self.actions_done} of them done",
            f"  {self.answers} answers to reporters, {self.loops_closed} loops closed",
            f'Log in with any of these, password "{self.password}":',
        ]
        width = max(len(ROLE_TITLES[login.role]) for login in self.logins)
        email_width = max(len(login.email) for login in self.logins)
        lines += [
            f"  {ROLE_TITLES[login.role]:<{width}}  {login.email:<{email_width}}  "
            f"{login.name}, {login.unit}"
            for login in self.logins
        ]
        return "\n".join(lines)


async def summarise(session: AsyncSession, world: World) -> DemoSummary:
    """What the seed made, counted in the database."""
    org_id = world.org_id

    async def count(query: Select[Any]) -> int:
        return int(await session.scalar(query) or 0)

    role_rows = await session.execute(
        select(RoleGrant.role, func.count(func.distinct(RoleGrant.person_id)))
        .where(RoleGrant.org_id == org_id)
        .group_by(RoleGrant.role)
    )
    by_role: dict[Role, int] = {role: n for role, n in role_rows}
    status_rows = await session.execute(
        select(Insight.status, func.count())
        .where(Insight.org_id == org_id)
        .group_by(Insight.status)
    )
    by_status: dict[InsightStatus, int] = {status: n for status, n in status_rows}
    logins = []
    for role, email in DEMO_LOGINS.items():
        member = next(m for m in world.members.values() if m.person.email == email)
        logins.append(
            DemoLogin(
                role=role,
                email=email,
                name=member.person.display_name,
                unit=member.node.unit.name,
            )
        )
    return DemoSummary(
        organisation=ORG_NAME,
        slug=ORG_SLUG,
        org_id=org_id,
        units=await count(select(func.count()).where(Unit.org_id == org_id)),
        people=await count(select(func.count()).where(Person.org_id == org_id)),
        people_by_role={r.value: by_role.get(r, 0) for r in Role},
        insights=sum(by_status.values()),
        insights_by_status={s.value: by_status.get(s, 0) for s in InsightStatus},
        actions=await count(select(func.count()).where(Action.org_id == org_id)),
        actions_done=await count(
            select(func.count()).where(Action.org_id == org_id, Action.status == ActionStatus.DONE)
        ),
        answers=await count(
            select(func.count()).where(
                LoopCommunication.org_id == org_id,
                LoopCommunication.audience == Audience.REPORTER,
            )
        ),
        loops_closed=await count(
            select(func.count()).where(
                Insight.org_id == org_id, Insight.loop_closed_at.is_not(None)
            )
        ),
        logins=tuple(logins),
    )
