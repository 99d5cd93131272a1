"""One log line per request, with its route's template, status, duration, request id and
organisation; the request id comes back in `X-Request-ID`."""

import io
import json
import logging

import httpx
import pytest

from app.platform import logs
from tests.factories import World
from tests.log_lines import json_lines

API = "/api/v1"


async def _post(client: httpx.AsyncClient, world: World) -> str:
    response = await client.post(
        f"{API}/insights",
        json={"kind": "idea", "text": "Hyllynreunat ovat liian matalalla pyörätuolille."},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 201, response.text
    insight_id: str = response.json()["id"]
    return insight_id


async def test_a_request_is_one_json_line_with_its_route_template_and_organisation(
    client: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    iid = await _post(client, world)
    caplog.set_level(logging.INFO)
    caplog.clear()
    response = await client.get(
        f"{API}/insights/{iid}?secret=hunter2",
        headers={**await world.auth("anna"), "X-Request-ID": "lb-7f3a.1"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "lb-7f3a.1"
    [line] = json_lines(caplog, "insight.access")
    assert line["message"] == "request"
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/insights/{insight_id}"
    assert line["status"] == 200
    assert line["duration_ms"] > 0
    assert line["request_id"] == "lb-7f3a.1"
    assert line["org_id"] == str(world.kauppa.id)
    text = json.dumps(line)
    # Neither the path's ids nor the query string, nor anything of the token.
    assert iid not in text and "hunter2" not in text and "bearer" not in text.lower()


async def test_a_request_id_is_made_when_none_or_an_unsafe_one_is_sent(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    made = set()
    for sent in (None, "x" * 129, "two words", "inject\\u2028line", ""):
        headers = {"X-Request-ID": sent} if sent is not None else {}
        response = await client.get("/healthz", headers=headers)
        request_id = response.headers["x-request-id"]
        assert len(request_id) == 32 and int(request_id, 16) >= 0
        made.add(request_id)
    assert len(made) == 5
    assert {line["request_id"] for line in json_lines(caplog, "insight.access")} == made


async def test_an_unknown_path_and_a_refused_token_are_logged_without_the_path_or_organisation(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    missing = await client.get(f"{API}/no-such-thing/aino.virtanen@example.fi")
    refused = await client.get(f"{API}/insights", headers={"Authorization": "Bearer nope"})
    assert (missing.status_code, refused.status_code) == (404, 401)
    first, second = json_lines(caplog, "insight.access")
    assert (first["route"], first["status"]) == ("unmatched", 404)
    assert (second["route"], second["status"]) == ("/api/v1/insights", 401)
    assert "org_id" not in first and "org_id" not in second
    assert "aino" not in json.dumps(first)


async def test_graphql_requests_name_the_caller_s_organisation(
    client: httpx.AsyncClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = await client.post(
        "/graphql", json={"query": "{ me { organisationId } }"}, headers=await world.auth("anna")
    )
    assert response.status_code == 200
    [line] = json_lines(caplog, "insight.access")
    assert (line["route"], line["org_id"]) == ("/graphql", str(world.kauppa.id))


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_are_for_people_at_a_terminal_and_json_elsewhere() -> None:
    record = logging.LogRecord("insight.access", logging.INFO, "", 0, "request", None, None)
    record.route, record.status = "/healthz", 200
    assert isinstance(logs.formatter("auto", _Terminal()), logs.TextFormatter)
    assert isinstance(logs.formatter("auto", io.StringIO()), logs.JsonFormatter)
    assert isinstance(logs.formatter("json", _Terminal()), logs.JsonFormatter)
    assert isinstance(logs.formatter("text", io.StringIO()), logs.TextFormatter)
    human = logs.TextFormatter().format(record)
    assert "request" in human and "route=/healthz status=200" in human
    parsed = json.loads(logs.JsonFormatter().format(record))
    assert (parsed["level"], parsed["route"], parsed["status"]) == ("info", "/healthz", 200)
    # A library's extra named like a field, holding more than a plain value, is left out.
    record.job = {"task_kwargs": {"note": "Aino's phone number"}}
    assert "job" not in json.loads(logs.JsonFormatter().format(record))
