"""Row-level security keeps each organisation's rows to itself in the database, behind the
service layer: a query that forgets its tenant filter still sees only the caller's
organisation."""

import uuid

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight
from app.platform import tenancy
from app.platform.db import table
from app.tables import metadata
from app.web.caller import authenticate
from tests.factories import World

API = "/api/v1"
insights = table(Insight)


def tenant_tables() -> dict[str, str]:
    """Every table of the schema that holds one organisation's rows, and its tenant column."""
    found = {name: "org_id" for name, t in metadata.tables.items() if "org_id" in t.c}
    found["organisations"] = "id"
    return found


async def test_every_tenant_table_has_the_policy(session: AsyncSession) -> None:
    rows = (
        await session.execute(
            text(
                """
                SELECT c.relname, c.relrowsecurity,
                       (SELECT array_agg(p.qual) FROM pg_policies p
                         WHERE p.tablename = c.relname AND p.policyname = 'tenant_isolation'
                           AND :role = ANY (p.roles)) AS quals
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                """
            ),
            {"role": tenancy.ROLE},
        )
    ).all()
    state = {row.relname: (row.relrowsecurity, row.quals) for row in rows}
    expected = tenant_tables()
    assert len(expected) >= 20
    for name, column in expected.items():
        enabled, quals = state[name]
        assert enabled, f"{name} has no row-level security"
        assert quals and len(quals) == 1 and column in quals[0], (name, quals)
        assert tenancy.SETTING in quals[0], (name, quals)


async def _post(client: httpx.AsyncClient, world: World, who: str, text_: str) -> None:
    made = await client.post(
        f"{API}/insights", json={"kind": "idea", "text": text_}, headers=await world.auth(who)
    )
    assert made.status_code == 201, made.text


async def _enter_as(session: AsyncSession, world: World, who: str) -> uuid.UUID:
    token = await world.token(who)
    principal = await authenticate(world.runtime.validator, session, token)
    return principal.org_id


async def test_a_query_without_the_tenant_filter_sees_only_its_own_organisation(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await _post(client, world, "anna", "Kassalle lisää kolikoita.")
    await _post(client, world, "olli", "Konttorin jono on pitkä.")
    # As the owner (no tenant), both organisations' rows are there.
    every = set((await session.execute(select(insights.c.org_id))).scalars())
    assert every == {world.kauppa.id, world.pankki.id}

    org_id = await _enter_as(session, world, "anna")
    assert org_id == world.kauppa.id
    forgot_the_filter = (await session.execute(select(insights.c.org_id))).scalars().all()
    assert forgot_the_filter and set(forgot_the_filter) == {world.kauppa.id}
    people = set((await session.execute(text("SELECT org_id FROM people"))).scalars())
    assert people == {world.kauppa.id}
    organisations = set((await session.execute(text("SELECT id FROM organisations"))).scalars())
    assert organisations == {world.kauppa.id}
    # Even asking for the other organisation by name finds nothing.
    other = await session.execute(
        select(func.count()).select_from(insights).where(insights.c.org_id == world.pankki.id)
    )
    assert other.scalar_one() == 0


async def test_writing_into_another_organisation_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await _post(client, world, "anna", "Kassalle lisää kolikoita.")
    await _enter_as(session, world, "anna")
    # A notice for someone of the other organisation, planted by the caller.
    planted = text(
        """
        INSERT INTO notifications (org_id, id, person_id, kind, data, created_at)
        SELECT CAST(:other AS uuid), gen_random_uuid(), CAST(:person AS uuid), 'comment_added',
               '{}'::jsonb, now()
        """
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        async with session.begin_nested():
            await session.execute(
                planted, {"other": str(world.pankki.id), "person": str(world.people["olli"].id)}
            )
    # Updates and deletes do not reach the other organisation's rows either.
    other = {"other": world.pankki.id}
    await session.execute(text("UPDATE people SET display_name = 'x' WHERE org_id = :other"), other)
    deleted = await session.execute(text("DELETE FROM notifications WHERE org_id = :other"), other)
    assert deleted.rowcount == 0  # type: ignore[attr-defined]
    await session.execute(text("RESET ROLE"))
    names = (
        (
            await session.execute(
                text("SELECT display_name FROM people WHERE org_id = :other"), other
            )
        )
        .scalars()
        .all()
    )
    assert names and "x" not in names


async def test_the_role_without_an_organisation_sees_nothing(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await _post(client, world, "anna", "Hyllyt ovat liian korkealla.")
    # What a request leaves behind is undone first: the role, with no organisation named.
    await session.execute(text("SELECT set_config(:name, '', true)"), {"name": tenancy.SETTING})
    await session.execute(text(f"SET LOCAL ROLE {tenancy.ROLE}"))
    count = await session.execute(select(func.count()).select_from(insights))
    assert count.scalar_one() == 0
