"""The OpenAPI document as client developers and their tools read it: every operation
described, tagged, either public or behind the bearer token, with a 4xx answer and a schema
for every body it answers (Redocly's and Spectral's recommended rules, which `make
lint-openapi` runs, ask the same); and a Python client generated from it with
openapi-python-client, without warnings, that has every operation and reads the bytes the
API answers."""

import importlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import contracts

CLIENT_CONFIG = contracts.ROOT / "openapi" / "openapi-python-client.yaml"
# Everything else needs a bearer token: the probes and the built-in issuer's own endpoints.
PUBLIC = {
    "healthz",
    "readyz",
    "openid_configuration",
    "jwks",
    "authorization_form",
    "sign_in",
    "issue_token",
}
BINARY = {"type": "string", "format": "binary"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(contracts.openapi_text())
    return document


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_the_document_says_what_it_is(spec: dict[str, Any]) -> None:
    info = spec["info"]
    assert info["description"].strip()
    assert info["contact"]
    assert info["license"]["identifier"] == "Apache-2.0"
    assert spec["servers"] and all(server["url"] for server in spec["servers"])


def test_every_operation_is_described_tagged_and_answers_a_client_error(
    spec: dict[str, Any],
) -> None:
    tags = {tag["name"]: tag.get("description") for tag in spec["tags"]}
    assert all(tags.values()), "every global tag has a description"
    faults = []
    for path, method, operation in _operations(spec):
        name = f"{method.upper()} {path}"
        if not operation.get("description", "").strip():
            faults.append(f"{name}: no description (the route's docstring)")
        faults += [f"{name}: tag {t!r} is not declared" for t in operation["tags"] if t not in tags]
        responses = operation["responses"]
        if not any(code.startswith("4") for code in responses):
            faults.append(f"{name}: no 4xx response")
        for code, response in responses.items():
            for media_type, media in response.get("content", {}).items():
                if "schema" not in media:
                    faults.append(f"{name}: {code} {media_type} has no schema")
    assert faults == []


def test_public_operations_say_so_and_the_others_need_the_token(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    public = {op["operationId"] for _, _, op in _operations(spec) if op["security"] == []}
    assert public == PUBLIC
    for _, _, operation in _operations(spec):
        if operation["operationId"] not in PUBLIC:
            assert operation["security"] == [{"HTTPBearer": []}]
            assert "401" in operation["responses"], operation["operationId"]


def test_bytes_are_declared_as_bytes(spec: dict[str, Any]) -> None:
    for path in (
        "/api/v1/attachments/{attachment_id}/content",
        "/api/v1/metrics/listening.svg",
        "/api/v1/metrics/listening.png",
    ):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert content and all(media["schema"] == BINARY for media in content.values())
    thumbnail = spec["paths"]["/api/v1/attachments/{attachment_id}/thumbnail"]["get"]
    assert thumbnail["responses"]["200"]["content"]["image/jpeg"]["schema"] == BINARY


def test_operations_are_named_and_described_for_what_they_do(spec: dict[str, Any]) -> None:
    operations = {op["operationId"]: op for _, _, op in _operations(spec)}
    # It tells the reporters or the customer.
    assert "tell_reporter" not in operations
    assert "audience" in operations["send_communication"]["description"]
    assert "routing rule" in operations["post_insight"]["description"]


def _binary_media_types(spec: dict[str, Any]) -> set[str]:
    """Media types of bytes, in responses and in request bodies (an imported CSV file)."""
    return {
        media_type
        for _, _, operation in _operations(spec)
        for message in [*operation["responses"].values(), operation.get("requestBody", {})]
        for media_type, media in message.get("content", {}).items()
        if media["schema"] == BINARY
    }


def test_the_client_configuration_covers_every_binary_media_type(spec: dict[str, Any]) -> None:
    lines = CLIENT_CONFIG.read_text(encoding="utf-8").splitlines()
    overrides = {
        line.split(":", 1)[0].strip() for line in lines if line.startswith("  ") and ":" in line
    }
    assert overrides == _binary_media_types(spec)


@pytest.fixture(scope="module")
def generated(
    spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A client generated from the code's document, importable as `insight_client`; the
    generator's output."""
    tmp_path = tmp_path_factory.mktemp("client")
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(spec), encoding="utf-8")
    # The generator formats the client with ruff, from the same environment.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(  # noqa: S603
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(document), "--config", str(CLIENT_CONFIG)),
            *("--meta", "none", "--output-path", str(tmp_path / "insight_client")),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield "insight_client", output
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == "insight_client"]:
            del sys.modules[name]


def test_a_generated_python_client_has_every_operation(
    spec: dict[str, Any], generated: tuple[str, str]
) -> None:
    package, output = generated
    assert "warning" not in output.lower(), output
    assert "skipping" not in output.lower(), output
    client = importlib.import_module(package)
    assert client.AuthenticatedClient and client.Client
    missing = []
    for _, _, operation in _operations(spec):
        module = f"{package}.api.{operation['tags'][0]}.{operation['operationId']}"
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    assert missing == []
    assert importlib.import_module(f"{package}.api.insights.post_insight").sync
    assert importlib.import_module(f"{package}.api.insights.list_inbox").sync


def test_a_generated_python_client_reads_bytes_and_problems(generated: tuple[str, str]) -> None:
    package, _ = generated
    client = importlib.import_module(package)
    content = importlib.import_module(f"{package}.api.attachments.get_attachment_content")
    chart = importlib.import_module(f"{package}.api.analytics.get_listening_chart")
    seen: list[httpx.Request] = []
    photo, svg = b"\xff\xd8\xff\xe0 a photo", b"<svg xmlns='http://www.w3.org/2000/svg'/>"

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/content"):
            return httpx.Response(200, content=photo, headers={"content-type": "image/jpeg"})
        if request.url.path.endswith(".svg"):
            return httpx.Response(200, content=svg, headers={"content-type": "image/svg+xml"})
        problem = {"title": "Not found", "status": 404, "code": "not_found"}
        return httpx.Response(
            404, json=problem, headers={"content-type": "application/problem+json"}
        )

    api = client.AuthenticatedClient(
        base_url="http://insight.test",
        token="a-token",
        httpx_args={"transport": httpx.MockTransport(answer)},
    )
    got = content.sync_detailed(client=api, attachment_id=uuid.uuid4())
    assert got.parsed.payload.read() == photo
    assert seen[-1].headers["authorization"] == "Bearer a-token"
    assert chart.sync_detailed(client=api).parsed.payload.read() == svg
    missing = importlib.import_module(f"{package}.api.insights.get_insight")
    problem = missing.sync(client=api, insight_id=uuid.uuid4())
    assert problem.code == "not_found"
