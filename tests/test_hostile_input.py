"""Input no client should send is refused with a 4xx and its place, REST and GraphQL alike:
text with NUL, bodies that are not UTF-8, JSON nested too deep, keys given twice."""

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Insight
from app.platform.db import table
from app.web.json_body import InvalidJson, decode
from tests.factories import World
from tests.gql.client import operation
from tests.insights.test_api import post_insight
from tests.test_isolation import Route, all_routes

API = "/api/v1"
NUL = "a\x00b"
DEEP = 10_000


async def _insights(session: AsyncSession) -> int:
    count = select(func.count()).select_from(table(Insight))
    return int((await session.execute(count)).scalar_one())


def _refused(response: httpx.Response, location: list[str]) -> None:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert {"location": location, "type": "nul_character"} in [
        {"location": e["location"], "type": e["type"]} for e in problem["errors"]
    ], problem


# (who, path under /api/v1 with {iid} for an insight of Anna's, body, where the NUL is)
BODIES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("anna", "/insights", {"kind": "observation", "text": NUL}, ["body", "text"]),
    (
        "anna",
        "/insights",
        {"kind": "observation", "text": "Jono kassalla.", "journey_stage": NUL},
        ["body", "journey_stage"],
    ),
    (
        "anna",
        "/insights",
        {
            "kind": "complaint",
            "text": "Asiakas odotti tunnin.",
            "customer_contact": {
                "name": NUL,
                "channel": "email",
                "address": "liisa@example.fi",
                "consent": True,
            },
        },
        ["body", "customer_contact", "name"],
    ),
    ("anna", "/insights/{iid}/comments", {"body": NUL}, ["body", "body"]),
    ("mia", "/insights/{iid}/decline", {"reason": NUL}, ["body", "reason"]),
    ("aku", "/insights/{iid}/endorsements", {"note": NUL}, ["body", "note"]),
    (
        "aaro",
        "/routing-rules",
        {"name": NUL, "ack_hours": 4, "respond_hours": 24},
        ["body", "name"],
    ),
    (
        "aaro",
        "/webhooks",
        {"url": "https://hooks.example.com/in", "description": NUL},
        ["body", "description"],
    ),
]


@pytest.mark.parametrize(("who", "path", "body", "location"), BODIES)
async def test_nul_in_a_body_is_refused_with_its_place_and_nothing_is_stored(
    client: httpx.AsyncClient,
    world: World,
    session: AsyncSession,
    who: str,
    path: str,
    body: dict[str, Any],
    location: list[str],
) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    before = await _insights(session)
    response = await client.post(
        API + path.format(iid=iid), json=body, headers=await world.auth(who)
    )
    _refused(response, location)
    assert await _insights(session) == before
    timeline = await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("mia"))
    assert [event["type"] for event in timeline.json()] == ["posted", "routed"]


async def test_nul_in_a_sync_item_fails_that_item_alone(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    """A batch applies its items each on its own: the one holding NUL fails with the place,
    the others are stored."""
    before = await _insights(session)
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    body = {
        "items": [
            {"type": "insight", "id": good, "kind": "idea", "text": "Hyvä."},
            {"type": "insight", "id": bad, "kind": "idea", "text": NUL},
        ]
    }
    response = await client.post(f"{API}/sync/batch", json=body, headers=await world.auth("anna"))
    assert response.status_code == 200, response.text
    created, failed = response.json()["results"]
    assert created["outcome"] == "created"
    assert failed["outcome"] == "error"
    assert failed["error"]["status"] == 422
    assert [e["location"] for e in failed["error"]["errors"]] == [["text"]]
    assert [e["type"] for e in failed["error"]["errors"]] == ["nul_character"]
    assert await _insights(session) == before + 1


async def test_nul_in_a_key_is_refused(client: httpx.AsyncClient, world: World) -> None:
    body = {"kind": "observation", "text": "Jono.", "te\x00xt": "x"}
    response = await client.post(f"{API}/insights", json=body, headers=await world.auth("anna"))
    _refused(response, ["body", "te\x00xt"])


@pytest.mark.parametrize("name", ["q", "journey_stage"])
async def test_nul_in_a_query_parameter_is_refused(
    client: httpx.AsyncClient, world: World, name: str
) -> None:
    for path in ("/inbox", "/insights"):
        response = await client.get(
            f"{API}{path}", params={name: NUL}, headers=await world.auth("mia")
        )
        _refused(response, ["query", name])


async def test_nul_in_a_path_parameter_is_refused(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{API}/insights/a%00b", headers=await world.auth("mia"))
    _refused(response, ["path", "insight_id"])


async def test_nul_in_a_form_field_is_refused(client: httpx.AsyncClient) -> None:
    # The built-in issuer's login form.
    form = {
        "email": "anna\x00@example.fi",
        "password": "salasana",
        "response_type": "code",
        "client_id": "insight-app",
        "redirect_uri": "insight://oauth/callback",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
        "state": "s",
    }
    response = await client.post("/oauth/authorize", data=form)
    _refused(response, ["body", "email"])


async def test_a_body_that_is_not_utf8_is_a_400(client: httpx.AsyncClient, world: World) -> None:
    body = b'{"kind": "observation", "text": "\xff\xfe"}'
    for headers in ({}, await world.auth("anna")):
        response = await client.post(
            f"{API}/insights",
            content=body,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_encoding"


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("keyed", [False, True])
async def test_a_body_nested_too_deep_is_refused(
    client: httpx.AsyncClient, world: World, keyed: bool
) -> None:
    body = '{"kind": "observation", "text": "Jono.", "tags": ' + _deep(DEEP) + "}"
    headers = {**await world.auth("anna"), "Content-Type": "application/json"}
    if keyed:
        headers["Idempotency-Key"] = "deep-1"
    response = await client.post(f"{API}/insights", content=body, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [e["type"] for e in problem["errors"]] == ["json_too_deep"]


@pytest.mark.parametrize(
    "noise",
    ["", '"[[[[{{"', '"\\\\"', '"\\"[[[[\\""', '"\\\\\\"]]]]"', '"{\\"a\\": [\\"]]]\\"]}"'],
)
def test_depth_counts_arrays_and_objects_not_brackets_in_strings(noise: str) -> None:
    def nested(depth: int) -> str:
        return "[" * (depth - 1) + "[" + noise + "]" + "]" * (depth - 1)

    assert decode(nested(32), max_depth=32) is not None
    with pytest.raises(InvalidJson) as refused:
        decode(nested(33), max_depth=32)
    assert [error["type"] for error in refused.value.errors] == ["json_too_deep"]


async def test_brackets_inside_strings_do_not_count_as_depth(
    client: httpx.AsyncClient, world: World
) -> None:
    insight = await post_insight(client, world, "anna", text="[{" * 100 + "kassajono")
    assert insight["text"].startswith("[{[{")


async def test_a_key_given_twice_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = (
        '{"kind": "observation", "text": "Jono.", '
        '"visibility": "named", "visibility": "confidential"}'
    )
    response = await client.post(
        f"{API}/insights",
        content=body,
        headers={**await world.auth("anna"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert [(e["location"], e["type"]) for e in problem["errors"]] == [
        (["body", "visibility"], "duplicate_key")
    ]
    assert await _insights(session) == 0


# GraphQL


async def _graphql(
    client: httpx.AsyncClient, content: bytes | str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return await client.post(
        "/graphql",
        content=content,
        headers={**(headers or {}), "Content-Type": "application/json"},
    )


def _post_insight(fields: str) -> str:
    envelope = json.dumps({"query": operation("PostInsight"), "variables": {"input": "INPUT"}})
    return envelope.replace('"INPUT"', "{" + fields + "}")


def _nul_places(result: dict[str, Any]) -> list[list[str | int]]:
    [error] = result["errors"]
    assert error["extensions"]["code"] == "validation_error"
    assert error["extensions"]["status"] == 422
    return [e["location"] for e in error["extensions"]["errors"] if e["type"] == "nul_character"]


async def test_graphql_nul_in_variables_is_refused_with_its_place(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    contact = {"name": NUL, "channel": "EMAIL", "address": "liisa@example.fi", "consent": True}
    variables = {
        "input": {
            "kind": "COMPLAINT",
            "text": NUL,
            "journeyStage": NUL,
            "customerContact": contact,
        }
    }
    response = await client.post(
        "/graphql",
        json={"query": operation("PostInsight"), "variables": variables},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["data"] is None
    assert _nul_places(result) == [
        ["variables", "input", "text"],
        ["variables", "input", "journeyStage"],
        ["variables", "input", "customerContact", "name"],
    ]
    assert await _insights(session) == 0


async def test_graphql_nul_in_a_string_of_the_document_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    document = (
        'mutation { postInsight(input: {kind: IDEA, text: "a\\u0000b", tags: ["ok", "\\u0000"]})'
        " { created } }"
    )
    response = await client.post(
        "/graphql", json={"query": document}, headers=await world.auth("anna")
    )
    result = response.json()
    assert result["data"] is None
    assert _nul_places(result) == [
        ["postInsight", "input", "text"],
        ["postInsight", "input", "tags", 1],
    ]
    assert result["errors"][0]["locations"][0]["line"] == 1
    assert await _insights(session) == 0

    # As written, or through the other escape.
    for q in ("\x00", "\\u{0}"):
        search = await client.post(
            "/graphql",
            json={"query": '{ inbox(q: "' + q + '") { edges { node { id } } } }'},
            headers=await world.auth("mia"),
        )
        assert _nul_places(search.json()) == [["inbox", "q"]]


async def test_graphql_body_that_is_not_utf8_is_a_400_even_without_a_token(
    client: httpx.AsyncClient, world: World
) -> None:
    body = b'{"query": "{ me { id } }", "variables": {"a": "\xff"}}'
    for headers in ({}, await world.auth("anna")):
        response = await _graphql(client, body, headers)
        assert response.status_code == 400, response.text
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "invalid_encoding"


@pytest.mark.parametrize("member", ["variables", "extensions"])
async def test_graphql_json_nested_too_deep_is_refused_even_without_a_token(
    client: httpx.AsyncClient, world: World, member: str
) -> None:
    body = '{"query": "{ me { id } }", "' + member + '": {"a": ' + _deep(DEEP) + "}}"
    for headers in ({}, await world.auth("anna")):
        response = await _graphql(client, body, headers)
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "validation_error"
        assert [e["type"] for e in error["extensions"]["errors"]] == ["json_too_deep"]


async def test_graphql_key_given_twice_is_refused(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = _post_insight(
        '"kind": "OBSERVATION", "text": "Jono.", "visibility": "NAMED", '
        '"visibility": "CONFIDENTIAL"'
    )
    response = await _graphql(client, body, await world.auth("anna"))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "validation_error"
    assert [(e["location"], e["type"]) for e in error["extensions"]["errors"]] == [
        (["variables", "input", "visibility"], "duplicate_key")
    ]
    assert await _insights(session) == 0


async def test_refusals_speak_finnish_when_asked(client: httpx.AsyncClient, world: World) -> None:
    headers = {**await world.auth("anna"), "Accept-Language": "fi"}
    rest = await client.post(f"{API}/insights", json={"kind": "idea", "text": NUL}, headers=headers)
    assert rest.json()["errors"][0]["message"] == "Teksti ei saa sisältää NUL-merkkiä (\\u0000)."
    graphql = await client.post(
        "/graphql",
        json={
            "query": operation("PostInsight"),
            "variables": {"input": {"kind": "IDEA", "text": NUL}},
        },
        headers=headers,
    )
    [error] = graphql.json()["errors"]
    assert error["extensions"]["errors"][0]["message"].startswith("Teksti ei saa")


@pytest.mark.parametrize("route", all_routes(), ids=lambda route: route.name)
async def test_every_rest_operation_refuses_nul_before_anything_else(
    client: httpx.AsyncClient, route: Route
) -> None:
    # Before authentication even: no operation can forget it.
    path = re.sub(r"\{\w+\}", str(uuid.uuid4()), route.path)
    response = await client.request(route.method, path, params={"probe": NUL})
    _refused(response, ["query", "probe"])


async def test_graphql_by_get_places_refusals_in_its_parameters(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        "/graphql",
        params={"query": "{ me { id } }", "variables": '{"a": 1, "a": 2}'},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert [(e["location"], e["type"]) for e in error["extensions"]["errors"]] == [
        (["variables", "a"], "duplicate_key")
    ]
