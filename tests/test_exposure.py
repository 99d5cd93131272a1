"""Data exposure: a confidential reporter's identity, planted as a canary, appears in no
response, export, webhook payload or log line that a manager, HR or an administrator can
reach. Every readable REST operation of the route table is crawled with the canary's
insight and its comments, attachment and answer as the ids, plus GraphQL."""

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.gql.ids import global_id
from app.org.models import Role, UnitKind
from app.platform import clock, logs
from app.webhooks import service as webhooks_service
from tests.attachments.files import png
from tests.factories import World, add_person, add_unit
from tests.test_isolation import _call, _targets, all_routes

API = "/api/v1"
READERS = ("mia", "rita", "hanna", "aaro")
CANARY_NAME = "kanarialintu"
# Where units are listed as such: the canary's team is there, tied to nothing she reported.
# A survey wave's results and response rates list every child unit with its headcount (no
# secret); what anyone answered there only under the survey floors.
UNIT_DIRECTORY = {"list_units", "get_unit", "get_wave_results", "get_wave_response_rates"}


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_a_confidential_reporter_is_never_named(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aaro = await world.auth("aaro")
    await _ok(
        await client.post(
            f"{API}/webhooks", json={"url": "https://hooks.example.com/all"}, headers=aaro
        ),
        201,
    )
    # Alone in her team: the team would name her as well as her name does.
    team = await add_unit(
        session, world.kauppa, "canary_team", world.units["store_a"], UnitKind.TEAM
    )
    canary = await add_person(session, world.kauppa, CANARY_NAME, team, [(Role.FRONTLINE, team)])
    await session.commit()
    world.people[CANARY_NAME] = canary
    marks = {CANARY_NAME, str(canary.id), canary.email.lower(), canary.subject.lower()}
    team_marks = {str(team.id), str(global_id("Unit", team.id)).lower()}
    me = await world.auth(CANARY_NAME)
    insight = await _ok(
        await client.post(
            f"{API}/insights",
            json={
                "kind": "complaint",
                "text": "Esihenkilö kohtelee huonosti.",
                "visibility": "confidential",
            },
            headers=me,
        ),
        201,
    )
    iid = insight["id"]
    comment = await _ok(
        await client.post(
            f"{API}/insights/{iid}/comments", json={"body": "Lisätietoa."}, headers=me
        ),
        201,
    )
    attachment = await _ok(
        await client.post(
            f"{API}/insights/{iid}/attachments",
            files={"file": ("todiste.png", png(), "image/png")},
            headers=me,
        ),
        201,
    )
    await client.post(
        f"{API}/insights/{iid}/endorsements", json={}, headers=await world.auth("anna")
    )
    mia = await world.auth("mia")
    await _ok(await client.post(f"{API}/insights/{iid}/acknowledge", headers=mia))
    told = await _ok(
        await client.post(
            f"{API}/insights/{iid}/communications", json={"message": "Selvitämme."}, headers=mia
        ),
        201,
    )
    action = await _ok(
        await client.post(
            f"{API}/actions", json={"title": "Selvitys", "insight_ids": [iid]}, headers=mia
        ),
        201,
    )
    await webhooks_service.dispatch_events(session, now=clock.now())
    await session.commit()

    ids = await _targets(client, world)
    ids |= {
        "insight_id": iid,
        "comment_id": comment["id"],
        "attachment_id": attachment["id"],
        "communication_id": told["id"],
        "action_id": action["id"],
        "person_id": str(canary.id),
    }
    reads = [route for route in all_routes() if route.method == "GET"]
    assert len(reads) >= 25
    crawled = 0
    caplog.set_level(logging.DEBUG)
    for reader in READERS:
        headers = await world.auth(reader)
        for route in reads:
            method, path, _ = _call(route, ids)
            response = await client.request(method, path, headers=headers)
            crawled += 1
            body = response.content.decode("utf-8", "replace").lower()
            if route.name == "list_audit" and response.status_code == 200:
                # The trail names the canary where HR exported her data (a read about her,
                # which ties her to nothing she reported); everything else is scanned.
                items = [
                    item
                    for item in response.json()["items"]
                    if item["operation"] != "GET /api/v1/people/{person_id}/export"
                ]
                body = str(items).lower()
            if route.name == "export_person":
                # An export of the canary, made for her: about her, but never linking her
                # to what she reported confidentially.
                assert iid not in body and "kohtelee" not in body, reader
                continue
            leaked = [mark for mark in marks if mark in body]
            if route.name not in UNIT_DIRECTORY:
                leaked += [mark for mark in team_marks if mark in body]
            assert not leaked, (reader, route.name, leaked)
        for query in (
            """query($id: ID!) { insight(id: $id) { author { id displayName } unit { id }
                 comments { author { id displayName } attachments { uploadedBy { id } } }
                 attachments { uploadedBy { id displayName } }
                 endorsements { id } answers { id }
                 timeline { actor { id displayName } byReporter data } } }""",
            "query { inbox(first: 50) { edges { node { id author { id displayName } } } } }",
        ):
            gql = await client.post(
                "/graphql",
                json={"query": query, "variables": {"id": str(global_id("Insight", iid))}},
                headers=headers,
            )
            crawled += 1
            body = gql.text.lower()
            assert not [mark for mark in marks | team_marks if mark in body], (reader, body[:500])
    payloads = (
        (await session.execute(text("SELECT payload::text FROM webhook_deliveries")))
        .scalars()
        .all()
    )
    assert payloads, "the webhook received the canary's insight events"
    for payload in payloads:
        assert not [mark for mark in marks | team_marks if mark in payload.lower()], payload
    # Whatever the platform logged meanwhile, at any level (httpx's lines are this test's
    # own client).
    # Each line as written, its structured fields (route, request id, organisation) too.
    formatter = logs.JsonFormatter()
    records = [record for record in caplog.records if record.name != "httpx"]
    lines = [formatter.format(record).lower() for record in records]
    assert sum(record.name == "insight.access" for record in records) >= crawled
    assert not [line for line in lines if any(mark in line for mark in marks)]
    print(f"crawled {crawled} reads as {len(READERS)} readers; {len(payloads)} webhook payloads")
