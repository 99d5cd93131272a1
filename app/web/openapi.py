"""The OpenAPI document: stable operationIds and what every operation shares."""

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """Stable operationIds: the route function's name, unique across the API."""
    return route.name


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
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
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


def with_shared_contract(app: FastAPI) -> None:
    """Document what every operation shares: Idempotency-Key on creating requests, the
    limits (413, 429) that guard them all, and errors as problem details (422 and every
    other error status, under `default`)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            for path, operations in schema["paths"].items():
                if not path.startswith(API_PREFIX):
                    continue
                for method, operation in operations.items():
                    responses = operation.setdefault("responses", {})
                    if "422" in responses:
                        responses["422"] = {
                            "description": "Invalid input (`validation_error` and others).",
                            **PROBLEM_RESPONSE,
                        }
                    responses.setdefault(
                        "default",
                        {
                            "description": "An error: problem details with a stable `code`.",
                            **PROBLEM_RESPONSE,
                        },
                    )
                    responses.setdefault(
                        "429",
                        {"description": "Too many requests (`rate_limited`).", **PROBLEM_RESPONSE},
                    )
                    if method == "post":
                        operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
                        responses.setdefault(
                            "413",
                            {
                                "description": "Request body too large (`payload_too_large`).",
                                **PROBLEM_RESPONSE,
                            },
                        )
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
