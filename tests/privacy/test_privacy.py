"""GDPR: a person's export, erasure with pseudonymised insights and intact counts, the
retention sweep per organisation, and the audit trail of changes and HR/admin reads."""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.gql.ids import global_id
from app.platform import clock
from app.privacy import retention
from tests.attachments.files import png
from tests.factories import World

API = "/api/v1"
CONTACT = {
    "name": "Liisa Asiakas",
    "channel": "email",
    "address": "liisa@example.fi",
    "consent": True,
}
SPAN = {"from": "2020-01-01T00:00:00Z", "to": "2040-01-01T00:00:00Z"}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _post(
    client: httpx.AsyncClient, world: World, who: str, body: str, **extra: Any
) -> dict[str, Any]:
    made = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": body, **extra},
        headers=await world.auth(who),
    )
    result: dict[str, Any] = await _ok(made, 201)
    return result


async def _story(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """Anna reports twice (once confidentially, with a photo), comments and is answered."""
    named = await _post(
        client, world, "anna", "Hyllynreunat puuttuvat maitohyllystä.", customer_contact=CONTACT
    )
    secret = await _post(
        client, world, "anna", "Esihenkilö huutaa asiakkaiden kuullen.", visibility="confidential"
    )
    anna = await world.auth("anna")
    await _ok(
        await client.post(
            f"{API}/insights/{named['id']}/comments", json={"body": "Kuva liitteenä."}, headers=anna
        ),
        201,
    )
    await _ok(
        await client.post(
            f"{API}/insights/{named['id']}/attachments",
            files={"file": ("hylly.png", png(), "image/png")},
            headers=anna,
        ),
        201,
    )
    mia = await world.auth("mia")
    await _ok(
        await client.post(
            f"{API}/insights/{named['id']}/resolve",
            json={"resolution": "Reunat tilattu."},
            headers=mia,
        )
    )
    await _ok(
        await client.post(
            f"{API}/insights/{named['id']}/communications",
            json={"message": "Kiitos Anna, reunat tulevat ensi viikolla."},
            headers=mia,
        ),
        201,
    )
    return {"named": named["id"], "secret": secret["id"]}


async def test_a_person_exports_everything_and_others_get_no_confidential_link(
    client: httpx.AsyncClient, world: World
) -> None:
    ids = await _story(client, world)
    own = await _ok(await client.get(f"{API}/me/export", headers=await world.auth("anna")))
    assert own["complete"] is True
    assert own["person"]["email"].startswith("anna")
    assert {i["id"] for i in own["insights"]} == {ids["named"], ids["secret"]}
    assert [c["body"] for c in own["comments"]] == ["Kuva liitteenä."]
    assert len(own["attachments"]) == 1
    assert own["answers_received"][0]["message"].startswith("Kiitos Anna")
    assert own["notifications"], "the answer notice is hers"
    assert own["roles"][0]["role"] == "frontline"

    for officer in ("hanna", "aaro"):
        theirs = await _ok(
            await client.get(
                f"{API}/people/{world.people['anna'].id}/export", headers=await world.auth(officer)
            )
        )
        assert theirs["complete"] is False
        assert [i["id"] for i in theirs["insights"]] == [ids["named"]]
        assert ids["secret"] not in str(theirs)
        assert "huutaa" not in str(theirs)

    # A manager may not export; another organisation's administrator finds nobody.
    refused = await client.get(
        f"{API}/people/{world.people['anna'].id}/export", headers=await world.auth("mia")
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_privacy_officer")
    hidden = await client.get(
        f"{API}/people/{world.people['anna'].id}/export", headers=await world.auth("pekka")
    )
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")


async def test_erasing_a_person_pseudonymises_and_keeps_every_count(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    ids = await _story(client, world)
    aaro = await world.auth("aaro")
    anna_id = world.people["anna"].id
    anna_token = await world.auth("anna")
    before = await _ok(await client.get(f"{API}/metrics/listening", params=SPAN, headers=aaro))

    erased = await _ok(await client.delete(f"{API}/people/{anna_id}", headers=aaro))
    assert erased["attachments_removed"] == 1

    after = await _ok(await client.get(f"{API}/metrics/listening", params=SPAN, headers=aaro))
    assert after["totals"] == before["totals"]
    seen = await _ok(await client.get(f"{API}/insights/{ids['named']}", headers=aaro))
    assert seen["author"]["display_name"] == "Poistettu henkilö"
    assert seen["attachments"] == []
    comments = await _ok(await client.get(f"{API}/insights/{ids['named']}/comments", headers=aaro))
    assert comments[0]["body"] == "Kuva liitteenä."
    assert "anna" not in str(comments).lower()
    # Her sign-in is gone: her old token names nobody.
    gone = await client.get(f"{API}/me", headers=anna_token)
    assert gone.status_code == 401
    person = (
        await session.execute(
            text("SELECT email, subject, password_hash, active FROM people WHERE id = :id"),
            {"id": anna_id},
        )
    ).one()
    assert "anna" not in f"{person.email}{person.subject}".lower()
    assert person.password_hash is None and person.active is False
    grants = await session.execute(
        text("SELECT count(*) FROM role_grants WHERE person_id = :id"), {"id": anna_id}
    )
    assert grants.scalar_one() == 0
    # Erasing again changes nothing; nobody else may erase, nor erase themselves.
    again = await _ok(await client.delete(f"{API}/people/{anna_id}", headers=aaro))
    assert again["erased_at"] == erased["erased_at"]
    for who, status, code in (("hanna", 403, "not_an_admin"), ("pekka", 404, "not_found")):
        refused = await client.delete(
            f"{API}/people/{world.people['ben'].id}", headers=await world.auth(who)
        )
        assert (refused.status_code, refused.json()["code"]) == (status, code)
    myself = await client.delete(f"{API}/people/{world.people['aaro'].id}", headers=aaro)
    assert (myself.status_code, myself.json()["code"]) == (409, "cannot_erase_self")


async def test_retention_redacts_closed_insights_of_that_organisation_only(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _story(client, world)
    still_open = await _post(client, world, "aku", "Kylmäkaappi pitää ääntä.")
    olli = await _post(client, world, "olli", "Jonotusnumerot loppuivat.")
    oona = await world.auth("oona")
    await _ok(
        await client.post(
            f"{API}/insights/{olli['id']}/resolve", json={"resolution": "Tilattu."}, headers=oona
        )
    )
    aaro = await world.auth("aaro")
    refused = await client.put(
        f"{API}/organisation/retention", json={"retention_days": 5}, headers=aaro
    )
    assert refused.status_code == 422
    await _ok(
        await client.put(f"{API}/organisation/retention", json={"retention_days": 30}, headers=aaro)
    )
    mia = await client.put(
        f"{API}/organisation/retention",
        json={"retention_days": 30},
        headers=await world.auth("mia"),
    )
    assert mia.status_code == 403
    before = await _ok(await client.get(f"{API}/metrics/listening", params=SPAN, headers=aaro))

    nothing_yet = await retention.redact_batch(session, clock.now() + timedelta(days=29))
    assert nothing_yet.insights == 0
    swept = await retention.sweep(sessions, clock.now() + timedelta(days=31), limit=1)
    assert swept.insights == 1
    assert len(swept.attachment_keys) == 2  # the photo and its thumbnail

    named = await _ok(await client.get(f"{API}/insights/{ids['named']}", headers=aaro))
    assert named["text"] == retention.REDACTED
    assert named["status"] == "resolved"
    assert "Hyllynreunat" not in str(named) and "Liisa" not in str(named)
    comments = await _ok(await client.get(f"{API}/insights/{ids['named']}/comments", headers=aaro))
    assert [c["body"] for c in comments] == [retention.REDACTED]
    rows = await session.execute(
        text("SELECT message FROM loop_communications WHERE insight_id = :id"), {"id": ids["named"]}
    )
    assert set(rows.scalars()) == {retention.REDACTED}
    # The comment's excerpt in its notification goes with the comment.
    notices = await session.execute(
        text("SELECT data::text FROM notifications WHERE insight_id = :id"), {"id": ids["named"]}
    )
    assert not [d for d in notices.scalars() if "Kuva liitteen" in d]
    # Open insights and the other organisation (no retention rule) keep their text.
    kept = await session.execute(
        text("SELECT text FROM insights WHERE id = ANY(CAST(:ids AS uuid[])) ORDER BY text"),
        {"ids": [still_open["id"], olli["id"], ids["secret"]]},
    )
    assert retention.REDACTED not in set(kept.scalars())
    after = await _ok(await client.get(f"{API}/metrics/listening", params=SPAN, headers=aaro))
    assert after["totals"] == before["totals"]
    # A second sweep finds nothing more.
    assert (await retention.sweep(sessions, clock.now() + timedelta(days=31))).insights == 0


async def test_changes_and_hr_reads_are_audited(client: httpx.AsyncClient, world: World) -> None:
    posted = await _post(client, world, "anna", "Kassanauha jumittaa.")
    anna = await world.auth("anna")
    await _ok(await client.get(f"{API}/insights/{posted['id']}", headers=anna))
    hanna = await world.auth("hanna")
    await _ok(await client.get(f"{API}/insights/{posted['id']}", headers=hanna))
    await _ok(await client.get(f"{API}/insights", params={"q": "kassa"}, headers=hanna))
    await _ok(
        await client.post(
            "/graphql",
            json={
                "query": "query Look($id: ID!) { insight(id: $id) { id } }",
                "variables": {"id": str(global_id("Insight", uuid.UUID(posted["id"])))},
                "operationName": "Look",
            },
            headers=hanna,
        )
    )
    aaro = await world.auth("aaro")
    trail = await _ok(await client.get(f"{API}/audit", headers=aaro))
    entries = [(e["kind"], e["operation"], e["actor_id"]) for e in reversed(trail["items"])]
    anna_id, hanna_id = str(world.people["anna"].id), str(world.people["hanna"].id)
    assert entries == [
        # Frontline staff are not named: a confidential reporter's steps must not be.
        ("change", "POST /api/v1/insights", None),
        ("read", "GET /api/v1/insights/{insight_id}", hanna_id),
        ("read", "GET /api/v1/insights", hanna_id),
        ("read", "graphql query Look", hanna_id),
    ]
    items = list(reversed(trail["items"]))
    assert items[1]["target"] == {"insight_id": posted["id"]}
    assert items[2]["target"] == {"q": "kassa"}
    assert items[3]["target"]["fields"] == ["insight"]
    assert items[3]["target"]["id"] == str(global_id("Insight", uuid.UUID(posted["id"])))
    # Filters, and the trail is for administrators only.
    hanna_only = await _ok(
        await client.get(
            f"{API}/audit", params={"actor_id": hanna_id, "kind": "read"}, headers=aaro
        )
    )
    assert len(hanna_only["items"]) == 3
    by_anna = await _ok(
        await client.get(f"{API}/audit", params={"actor_id": anna_id}, headers=aaro)
    )
    assert by_anna["items"] == []
    refused = await client.get(f"{API}/audit", headers=hanna)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_an_admin")
