"""The Idempotency-Key's refusals as their client reads them: in the caller's language, and
over GraphQL as GraphQL errors with their code in `extensions`."""

from typing import Any

import httpx
import pytest

from app.main import create_app
from app.platform.i18n import PROBLEMS
from app.platform.settings import Settings
from app.web.idempotency import middleware
from app.web.idempotency.middleware import _try_claim, fingerprint, scope_of
from app.web.runtime import Runtime
from tests.factories import Live, World
from tests.gql.client import operation

API = "/api/v1"
BODY = {"kind": "observation", "text": "Hyllynreunan hintalaput puuttuvat kahvihyllystä."}
GQL = {
    "query": operation("PostInsight"),
    "variables": {"input": {"kind": "OBSERVATION", "text": BODY["text"]}},
}
OTHER_GQL = {**GQL, "variables": {"input": {"kind": "OBSERVATION", "text": "Toinen asia."}}}


def _finnish(code: str) -> str:
    return PROBLEMS[code][1]


async def _post(
    client: httpx.AsyncClient,
    world: World,
    who: str,
    key: str,
    body: dict[str, Any],
    path: str = f"{API}/insights",
    language: str | None = None,
) -> httpx.Response:
    headers = {**await world.auth(who), "Idempotency-Key": key}
    if language:
        headers["Accept-Language"] = language
    return await client.post(path, json=body, headers=headers)


async def test_a_reused_key_is_refused_in_the_callers_own_language(
    client: httpx.AsyncClient, world: World
) -> None:
    # Anna's locale is Finnish; her request names no language.
    assert (await _post(client, world, "anna", "k", BODY)).status_code == 201
    reused = await _post(client, world, "anna", "k", {**BODY, "text": "Toinen."})
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert reused.json()["detail"] == _finnish("idempotency_key_reused")
    assert reused.headers["content-language"] == "fi"

    # Ben's locale is English.
    assert (await _post(client, world, "ben", "k", BODY)).status_code == 201
    reused = await _post(client, world, "ben", "k", {**BODY, "text": "Another."})
    assert reused.json()["title"] == "Invalid input"
    assert reused.headers["content-language"] == "en"


async def test_accept_language_wins_over_the_callers_locale(
    client: httpx.AsyncClient, world: World
) -> None:
    assert (await _post(client, world, "anna", "k", BODY)).status_code == 201
    other = {**BODY, "text": "Toinen."}
    english = await _post(client, world, "anna", "k", other, language="en-GB")
    assert english.headers["content-language"] == "en"
    assert english.json()["detail"] == "This Idempotency-Key was used for a different request."

    assert (await _post(client, world, "ben", "k", BODY)).status_code == 201
    finnish = await _post(client, world, "ben", "k", other, language="fi-FI")
    assert finnish.json()["detail"] == _finnish("idempotency_key_reused")


def _graphql_error(response: httpx.Response) -> dict[str, Any]:
    """The one error of a GraphQL answer, which GraphQL gives with HTTP 200."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert set(error) == {"message", "extensions"}
    return dict(error)


async def test_graphql_gets_a_reused_key_as_a_graphql_error(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await _post(client, world, "anna", "g", GQL, "/graphql")
    assert first.json()["data"]["postInsight"]["created"] is True
    error = _graphql_error(await _post(client, world, "anna", "g", OTHER_GQL, "/graphql"))
    assert error["extensions"] == {"code": "idempotency_key_reused", "status": 422}
    assert error["message"] == _finnish("idempotency_key_reused")

    english = await _post(client, world, "anna", "g", OTHER_GQL, "/graphql", language="en")
    assert _graphql_error(english)["message"] == (
        "This Idempotency-Key was used for a different request."
    )


async def test_graphql_gets_a_malformed_key_as_a_graphql_error(
    client: httpx.AsyncClient, world: World
) -> None:
    error = _graphql_error(await _post(client, world, "anna", "x" * 256, GQL, "/graphql"))
    assert error["extensions"] == {"code": "invalid_idempotency_key", "status": 400}
    # No token is known yet when the key is refused: the request's language, else English.
    finnish = await _post(client, world, "anna", "", GQL, "/graphql", language="fi")
    assert _graphql_error(finnish)["message"] == _finnish("invalid_idempotency_key")


async def test_graphql_gets_a_key_in_flight_as_a_graphql_error(
    settings: Settings, runtime: Runtime, world: World
) -> None:
    runtime.settings = settings.model_copy(update={"idempotency_wait_seconds": 0.2})
    token = (await world.auth("anna"))["Authorization"].split()[1]
    claims = await runtime.validator.validate(token)
    caller = scope_of(str(claims["iss"]), str(claims["sub"]))
    body = httpx.Request("POST", "http://testserver/graphql", json=GQL).content
    print_ = fingerprint("POST", "/graphql", b"", "application/json", body)
    # Another process holds the key and is still working on it.
    assert await _try_claim(runtime, caller, "busy", print_)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime=runtime)),
        base_url="http://testserver",
    ) as client:
        response = await _post(client, world, "anna", "busy", GQL, "/graphql")
    assert response.headers["retry-after"] == "1"
    error = _graphql_error(response)
    assert error["extensions"] == {"code": "idempotency_in_flight", "status": 409}
    assert error["message"] == _finnish("idempotency_in_flight")


async def test_graphql_gets_an_unreachable_database_as_a_graphql_error(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, _, client = live

    async def unreachable(*args: Any) -> Any:
        raise ConnectionResetError("connection reset")

    monkeypatch.setattr(middleware, "_try_claim", unreachable)
    response = await _post(client, world, "anna", "down", GQL, "/graphql", language="en")
    assert response.headers["retry-after"] == "1"
    error = _graphql_error(response)
    assert error["extensions"] == {"code": "service_unavailable", "status": 503}
    # REST keeps its problem document.
    rest = await _post(client, world, "anna", "down", BODY, language="en")
    assert rest.status_code == 503
    assert rest.json()["code"] == "service_unavailable"
