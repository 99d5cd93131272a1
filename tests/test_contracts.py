"""The committed OpenAPI and GraphQL contracts match the code, and the layers keep their rules."""

import ast
import json
from pathlib import Path

from app import contracts

APP = Path(__file__).resolve().parent.parent / "app"


def test_snapshots_match_code() -> None:
    stale = contracts.drifted()
    assert not stale, (
        f"API snapshots out of date: {[p.name for p in stale]}. "
        "Run `make snapshots` and commit openapi/openapi.json and graphql/schema.graphql."
    )


def test_openapi_operation_ids_are_unique_and_named() -> None:
    spec = json.loads(contracts.openapi_text())
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert "post_insight" in ids


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_adapters_translate_only() -> None:
    """REST routers and GraphQL modules reach data only through the service layer; GraphQL
    does not even name the models."""
    graphql = [*APP.glob("gql/*.py"), *APP.glob("*/gql*.py")]
    adapters = [*APP.glob("*/router.py"), *graphql]
    assert adapters
    offenders = {
        str(path.relative_to(APP)): sorted(
            name
            for name in _imports(path)
            if name.startswith("sqlalchemy")
            or "policies" in name
            or (path in graphql and "models" in name.split("."))
        )
        for path in adapters
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_graphql_folder_holds_no_python() -> None:
    assert not list((APP.parent / "graphql").rglob("*.py"))


def test_every_json_body_refuses_unknown_fields() -> None:
    """Mass assignment: no API body takes a field it does not declare, so a client cannot
    set what it was not meant to. Generated from the published contract, so a new route
    is covered without anyone listing it."""
    spec = json.loads(contracts.openapi_text())
    schemas = spec["components"]["schemas"]
    checked, lenient = 0, []
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            name = body["schema"]["$ref"].rsplit("/", 1)[-1]
            checked += 1
            if schemas[name].get("additionalProperties") is not False:
                lenient.append(f"{method.upper()} {path} ({name})")
    assert checked >= 15
    assert lenient == [], f"add model_config = ConfigDict(extra='forbid') to: {lenient}"
