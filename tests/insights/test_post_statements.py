"""Posting an insight is the hottest write: a fixed, small number of statements."""

import uuid

from sqlalchemy import delete, update

from app.org import service as org_service
from app.org.models import Person, Role, RoleGrant
from tests.factories import Live
from tests.statements import counting

BODY = {"kind": "observation", "text": "Kassajono venyy iltaisin pitkäksi, asiakkaat valittavat."}


async def _post(live: Live, headers: dict[str, str]) -> list[str]:
    world, _, client = live
    auth = await world.auth("anna")
    # A first post warms the caller's and the connections' caches, as a running process has.
    warm = await client.post("/api/v1/insights?similar=false", json=BODY, headers=auth)
    assert warm.status_code == 201, warm.text
    with counting() as sent:
        response = await client.post(
            "/api/v1/insights?similar=false", json=BODY, headers={**auth, **headers}
        )
    assert response.status_code == 201, response.text
    return sent


def _posting(sent: list[str]) -> list[str]:
    """The statements of the post itself. Counting the caller's request rate in PostgreSQL
    (the default when no Redis is configured, `app.web.ratelimit`) adds exactly one, on its
    own connection; with Redis it adds none."""
    limits = [sql for sql in sent if "INSERT INTO rate_limits" in sql]
    assert len(limits) == 1, "\n".join(sent)
    return [sql for sql in sent if sql not in limits]


async def test_a_post_takes_at_most_five_statements(live: Live) -> None:
    sent = _posting(await _post(live, {}))
    assert len(sent) <= 5, "\n".join(sent)


async def test_a_post_with_an_idempotency_key_takes_at_most_five_statements(live: Live) -> None:
    sent = _posting(await _post(live, {"Idempotency-Key": str(uuid.uuid4())}))
    assert len(sent) <= 5, "\n".join(sent)


async def test_a_grant_given_or_revoked_binds_a_caller_already_held(live: Live) -> None:
    """The caller is held between requests; a grant changed by anyone (here straight in the
    database, as another process or an administrator would) binds their next request."""
    world, sessions, client = live
    auth = await world.auth("anna")
    org, store_b = world.kauppa.id, world.units["store_b"].id
    anna = world.people["anna"].id
    there = {**BODY, "unit_id": str(store_b)}
    first = await client.post("/api/v1/insights?similar=false", json=BODY, headers=auth)
    assert first.status_code == 201, first.text
    refused = await client.post("/api/v1/insights?similar=false", json=there, headers=auth)
    assert refused.status_code == 403, refused.text
    async with sessions() as session:
        await org_service.grant_role(
            session, org_id=org, person_id=anna, role=Role.FRONTLINE, unit_id=store_b
        )
        await session.commit()
    granted = await client.post("/api/v1/insights?similar=false", json=there, headers=auth)
    assert granted.status_code == 201, granted.text
    me = await client.get("/api/v1/me", headers=auth)
    assert len(me.json()["grants"]) == 2
    async with sessions() as session:
        await session.execute(
            delete(RoleGrant).where(
                RoleGrant.org_id == org, RoleGrant.person_id == anna, RoleGrant.unit_id == store_b
            )
        )
        await session.commit()
    revoked = await client.post("/api/v1/insights?similar=false", json=there, headers=auth)
    assert revoked.status_code == 403, revoked.text
    assert revoked.json()["code"] == "unit_out_of_reach"
    me = await client.get("/api/v1/me", headers=auth)
    assert len(me.json()["grants"]) == 1
    # Her own store's posts go on, in the fixed handful of statements again.
    sent = await _post(live, {})
    assert len(sent) <= 5


async def test_a_deactivated_person_is_refused_at_once(live: Live) -> None:
    world, sessions, client = live
    auth = await world.auth("aku")
    first = await client.post("/api/v1/insights?similar=false", json=BODY, headers=auth)
    assert first.status_code == 201, first.text
    async with sessions() as session:
        await session.execute(
            update(Person)
            .where(Person.org_id == world.kauppa.id, Person.id == world.people["aku"].id)
            .values(active=False)
        )
        await session.commit()
    for response in (
        await client.post("/api/v1/insights?similar=false", json=BODY, headers=auth),
        await client.get("/api/v1/inbox", headers=auth),
    ):
        assert response.status_code == 401, response.text
