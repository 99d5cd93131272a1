"""The route class of every REST router: strict JSON bodies and parameters without NUL.

FastAPI reads a JSON body with `Request.json()`; this route hands the endpoint a request
whose body was decoded by `app.web.json_body` first, outside FastAPI's own error handling,
so that its refusals reach the client as they are (422 `validation_error` with the field's
location, 400 `invalid_encoding`) and the body is decoded once. Query and path parameters
and form fields holding the NUL character (`%00`) are refused the same way: no text that
PostgreSQL cannot store reaches a service.
"""

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from app.web.json_body import NUL_CHARACTER, InvalidJson, decode, field_error
from app.web.runtime import Runtime


class _DecodedRequest(Request):
    """A request whose JSON body was decoded already (FastAPI asks for it by `json()`);
    its bytes can be read again."""

    def __init__(self, request: Request, body: bytes, value: Any) -> None:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return await request.receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        super().__init__(request.scope, receive)
        self._decoded = value

    async def json(self) -> Any:
        return self._decoded


def _is_json(content_type: str | None) -> bool:
    # As FastAPI decides whether to read a body as JSON.
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _parameter_errors(request: Request) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if b"%00" in request.scope["query_string"]:
        for name, value in request.query_params.multi_items():
            if "\x00" in name or "\x00" in value:
                errors.append(field_error("nul_character", ("query", name), NUL_CHARACTER))
    if "\x00" in request.scope["path"]:
        for name, value in request.path_params.items():
            if isinstance(value, str) and "\x00" in value:
                errors.append(field_error("nul_character", ("path", name), NUL_CHARACTER))
    return errors


async def _form_errors(request: Request) -> list[dict[str, Any]]:
    # Only a form that may hold NUL is read here (FastAPI reads it again from the cache).
    body = await request.body()
    if b"%00" not in body and b"\x00" not in body:
        return []
    form = await request.form()
    return [
        field_error("nul_character", ("body", name), NUL_CHARACTER)
        for name, value in form.multi_items()
        if isinstance(value, str) and ("\x00" in value or "\x00" in name)
    ]


def _json_body(request: Request, body: bytes, *, refuse_nul: bool) -> Any:
    runtime: Runtime = request.app.state.runtime
    try:
        return decode(body, max_depth=runtime.settings.max_json_depth, refuse_nul=refuse_nul)
    except json.JSONDecodeError as exc:
        # FastAPI's own report of a body that is not JSON.
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except InvalidJson as exc:
        raise RequestValidationError(exc.within("body").errors) from None


class ApiRoute(APIRoute):
    # Whether a NUL anywhere in a JSON body refuses the request as a whole.
    refuse_nul_in_body = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        reads_form = self.body_field is not None and isinstance(
            self.body_field.field_info, params.Form
        )
        reads_json = self.body_field is not None and not reads_form

        async def strict(request: Request) -> Response:
            errors = _parameter_errors(request)
            if errors:
                raise RequestValidationError(errors)
            if reads_form:
                errors = await _form_errors(request)
                if errors:
                    raise RequestValidationError(errors)
            elif reads_json and _is_json(request.headers.get("content-type")):
                body = await request.body()
                if body:
                    request = _DecodedRequest(
                        request, body, _json_body(request, body, refuse_nul=self.refuse_nul_in_body)
                    )
            return await handle(request)

        return strict


class BatchRoute(ApiRoute):
    """A route whose body is a batch of items applied each on its own: an item that holds
    the NUL character fails alone, as any other invalid item does (the service finds it)."""

    refuse_nul_in_body = False
