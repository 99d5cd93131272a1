"""The OpenAPI document: stable operationIds and what every operation shares.

The document is held to Redocly's and Spectral's recommended rules (`make lint-openapi`):
what can be said once for every operation is said here, so a new route is covered by adding
it; what only the route knows (its description, from the docstring) the route says.
"""

import json
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel

from app.platform.text import NO_NUL

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """Stable operationIds: the route function's name, unique across the API."""
    return route.name


DESCRIPTION = """\
The REST API of Insight: frontline employees post what they see, managers act on it and
close the loop with the reporter and the customer.

Every operation under `/api/v1` needs a bearer token (an access token from the OpenID
issuer) and answers in the caller's language, or the one `Accept-Language` asks for.
Errors are problem details (RFC 9457) with a stable `code` for programs to act on.
Creating requests can be retried safely with an `Idempotency-Key`, and objects that change
carry their version as an ETag for `If-Match`.
"""
# The licence the package declares (pyproject.toml).
LICENSE = {"name": "Apache-2.0", "identifier": "Apache-2.0"}
CONTACT = {"name": "Insight", "url": "https://insight.example/"}
# Relative: the API is served by the same origin as this document.
SERVERS = [{"url": "/", "description": "The origin that serves this document."}]
# Every tag an operation uses, described; a route with a new tag adds it here.
TAGS = [
    {"name": "insights", "description": "Post, read, triage and follow insights."},
    {"name": "attachments", "description": "Photos and recordings attached to insights."},
    {"name": "actions", "description": "Actions taken, linked to the insights they answer."},
    {"name": "loop", "description": "Closing the loop: telling the reporter and the customer."},
    {"name": "notifications", "description": "The caller's notifications."},
    {"name": "routing", "description": "Routing rules: who owns an insight, by when."},
    {"name": "organisation", "description": "The caller, the units and the taxonomy."},
    {"name": "analytics", "description": "Listening metrics: how fast the loop closes."},
    {
        "name": "themes",
        "description": "Themes across units and languages, their reach, the journey heat map, "
        "and similar insights.",
    },
    {
        "name": "surveys",
        "description": "Pulse surveys: waves, anonymous answers, results held to anonymity floors.",
    },
    {
        "name": "imports",
        "description": "EX results and CX outcomes per unit and month, imported from CSV "
        "files or JSON rows.",
    },
    {"name": "webhooks", "description": "Timeline events sent to subscribed HTTPS endpoints."},
    {"name": "sync", "description": "Offline clients: changes since a cursor, batched writes."},
    {"name": "privacy", "description": "Retention, erasure, data exports and the audit log."},
    {"name": "auth", "description": "The built-in OpenID issuer, when no external one is set."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the request safe to retry: the same key with the same request gets the first "
        "response again (Idempotent-Replayed: true); with another request, 422 "
        "`idempotency_key_reused`; while the first still runs, the retry waits for it, or gets "
        "409 `idempotency_in_flight`. Keys are the caller's own and kept for 24 hours."
    ),
    # Printable ASCII; HTTP strips the white space around a header's value.
    "schema": {
        "type": "string",
        "pattern": '^[ \\t]*(?!""[ \\t]*$)[!-~]([ -~]{0,253}[!-~])?[ \\t]*$',
    },
}
PROBLEM_RESPONSE = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
# RFC 9457 problem details, as every error of the API is answered.
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "required": ["title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable, for programs to act on."},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "For `validation_error`: each field's location and message.",
        },
    },
}
# What a response without a schema carries: bytes (photos, recordings, charts).
BINARY_SCHEMA = {"type": "string", "format": "binary"}
# FastAPI's own validation error schemas, unused once every 422 is a problem.
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


# The JSON bodies of routes that read their body themselves (an import takes CSV or JSON):
# FastAPI never sees their models, so the document takes them from here.
_BODY_MODELS: dict[str, type[BaseModel]] = {}


def self_read_body(
    model: type[BaseModel], description: str, **other_media: dict[str, Any]
) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its own body: JSON as `model` (a component
    schema), or any of `other_media` (media type: media object)."""
    _BODY_MODELS[model.__name__] = model
    json_media = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {**other_media, "application/json": json_media},
        }
    }


def _body_models(schemas: dict[str, Any]) -> None:
    for name, model in sorted(_BODY_MODELS.items()):
        document = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for inner, schema in document.pop("$defs", {}).items():
            schemas.setdefault(inner, schema)
        schemas.setdefault(name, document)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, **PROBLEM_RESPONSE}


def _share(path: str, method: str, operation: dict[str, Any]) -> None:
    """What one operation shares with all others."""
    responses = operation.setdefault("responses", {})
    # The exception handlers answer every path, so every error is a problem.
    if "422" in responses:
        responses["422"] = _problem("Invalid input (`validation_error` and others).")
    responses.setdefault("default", _problem("An error: problem details with a stable `code`."))
    # The body limit guards every request, whatever its method or path.
    responses.setdefault("413", _problem("Request body too large (`payload_too_large`)."))
    # An operation that takes no token says so; one that does can be refused for it.
    if operation.get("security"):
        responses.setdefault("401", _problem("No valid bearer token (`missing_token` and others)."))
    else:
        operation["security"] = []
    for response in responses.values():
        for media_type, media in response.get("content", {}).items():
            if not media_type.endswith("json"):
                media.setdefault("schema", dict(BINARY_SCHEMA))
    for parameter in operation.get("parameters", []):
        parameter["schema"] = _not_null(parameter.get("schema", {}))
    if path.startswith(API_PREFIX):
        responses.setdefault("429", _problem("Too many requests (`rate_limited`)."))
        if method == "post":
            operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema without the `null` FastAPI adds for an optional one: a header or
    query parameter is absent or a string, and a client told it may be null sends "null"."""
    choices = schema.get("anyOf")
    if not choices:
        return schema
    kept = [c for c in choices if c.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    return {**kept[0], **rest}


def _closed_forms(schema: dict[str, Any]) -> None:
    """Form bodies take exactly the fields they declare (an upload's file and id)."""
    schemas = schema["components"]["schemas"]
    for operations in schema["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            form = content.get("multipart/form-data", {}).get("schema")
            if form is not None:
                name = form.get("$ref", "").rpartition("/")[2]
                schemas.get(name, form)["additionalProperties"] = False


# Strings whose form their format already fixes.
_FORMATTED = {"binary", "uuid", "date-time", "date", "time", "email", "uri", "duration"}


def _without_nul(node: Any) -> None:
    """Every free-text string of the document says it takes no NUL character, which the
    edge refuses (PostgreSQL cannot store it); a string with its own pattern says so there."""
    if isinstance(node, list):
        for item in node:
            _without_nul(item)
        return
    if not isinstance(node, dict):
        return
    if (
        node.get("type") == "string"
        and "pattern" not in node
        and "enum" not in node
        and "const" not in node
        and node.get("format") not in _FORMATTED
    ):
        node["pattern"] = NO_NUL
    for value in node.values():
        _without_nul(value)


def shared_document(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema`, as FastAPI generates it, with what the whole API shares."""
    info = schema.setdefault("info", {})
    info.setdefault("description", DESCRIPTION)
    info.setdefault("contact", CONTACT)
    info.setdefault("license", LICENSE)
    schema.setdefault("servers", SERVERS)
    schema["tags"] = TAGS
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    _body_models(components["schemas"])
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            _share(path, method, operation)
    _closed_forms(schema)
    _without_nul(schema["components"]["schemas"])
    for operations in schema["paths"].values():
        for operation in operations.values():
            _without_nul(operation.get("parameters", []))
            _without_nul(operation.get("requestBody", {}))
    _drop_unused(schema, _FASTAPI_VALIDATION_SCHEMAS)
    return schema


def _drop_unused(schema: dict[str, Any], names: tuple[str, ...]) -> None:
    """Leave out the component schemas `names` that nothing else refers to."""
    schemas = schema["components"]["schemas"]
    others = {name: value for name, value in schemas.items() if name not in names}
    text = json.dumps([schema["paths"], others])
    for name in names:
        if f'"#/components/schemas/{name}"' not in text:
            schemas.pop(name, None)


def with_shared_contract(app: FastAPI) -> None:
    """Document what every operation shares: who may call it (a bearer token, or
    `security: []` for the public ones), Idempotency-Key on creating requests, the limits
    (413, 429) that guard them, errors as problem details (401, 422 and every other error
    status, under `default`), and bytes where a response names only its media type."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = shared_document(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
