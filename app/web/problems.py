"""Errors as RFC 9457 problem details, with the same stable codes GraphQL uses, in the
request's language (see `app.i18n`); and, for what answers GraphQL requests before GraphQL
runs, the same errors as GraphQL errors."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sql_errors
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from app.platform.db import unavailable
from app.platform.errors import DomainError, Unavailable
from app.platform.field_errors import field_message
from app.platform.i18n import DEFAULT, Locale, from_accept_language, problem_text

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://insight.example/problems/"
MEDIA_TYPE = "application/problem+json"
# Where the caller's locale is kept once known: `Request.state.locale`.
LOCALE_STATE = "locale"
# When a client may try again after the database was out of reach.
RETRY_AFTER_SECONDS = 1
# Where GraphQL is served; its clients read errors in GraphQL's shape.
GRAPHQL_PATH = "/graphql"


def _asked_locale(scope: Scope) -> Locale | None:
    for name, value in scope.get("headers", ()):
        if name == b"accept-language":
            chosen = from_accept_language(value.decode("latin-1"))
            if chosen is not None:
                return chosen
    return None


def language_asked(scope: Scope) -> bool:
    """Whether the request names a supported language (Accept-Language)."""
    return _asked_locale(scope) is not None


def scope_locale(scope: Scope) -> Locale:
    """The language to answer in: Accept-Language, else the caller's locale, else English."""
    chosen = _asked_locale(scope)
    if chosen is not None:
        return chosen
    known = scope.get("state", {}).get(LOCALE_STATE)
    return known if isinstance(known, Locale) else DEFAULT


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    locale: Locale = DEFAULT,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    title, detail = problem_text(code, locale, title, detail, extra)
    body = {
        **extra,
        "type": PROBLEM_TYPE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    all_headers = {"Content-Language": locale.value, **(headers or {})}
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=all_headers)


def error_response(
    scope: Scope, error: DomainError, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A domain error as the client of `scope` reads it."""
    return problem(
        error.status,
        error.code,
        error.title,
        error.detail,
        locale=scope_locale(scope),
        headers=headers,
        **error.extra,
    )


def graphql_error_response(
    scope: Scope, error: DomainError, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A domain error as a GraphQL client reads it, for a request refused before GraphQL
    ran: no data and one error with the code, as every GraphQL error carries it. HTTP 200
    (`application/json`), as GraphQL-over-HTTP has it and as this server's other GraphQL
    errors come; the headers (Retry-After) are kept."""
    locale = scope_locale(scope)
    _, message = problem_text(error.code, locale, error.title, error.detail, error.extra)
    body = {
        "data": None,
        "errors": [
            {
                "message": message,
                "extensions": {"code": error.code, "status": error.status, **error.extra},
            }
        ],
    }
    return JSONResponse(
        body, status_code=200, headers={"Content-Language": locale.value, **(headers or {})}
    )


def unavailable_response(scope: Scope) -> JSONResponse:
    """503 `service_unavailable`: the database is out of reach; retry the request."""
    return error_response(
        scope,
        Unavailable("The request could not be completed; it is safe to retry it."),
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def validation_errors(errors: Any, locale: Locale) -> list[dict[str, Any]]:
    return [
        {
            "location": [str(part) for part in error.get("loc", ())],
            "message": field_message(error, locale),
            "type": error.get("type", ""),
        }
        for error in errors
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return error_response(request.scope, exc, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        locale = scope_locale(request.scope)
        return problem(
            422,
            "validation_error",
            "Invalid input",
            "The request does not match the schema.",
            locale=locale,
            errors=validation_errors(exc.errors(), locale),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}
        code = codes.get(exc.status_code, "http_error")
        return problem(
            exc.status_code,
            code,
            str(exc.detail),
            str(exc.detail),
            locale=scope_locale(request.scope),
        )

    async def database_unreachable(request: Request, exc: Exception) -> JSONResponse:
        """A lost or refused database connection is a 503 to retry, not a 500."""
        if not unavailable(exc):
            raise exc
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return unavailable_response(request.scope)

    # The kinds of error that can say so; `unavailable` tells, and the rest stay 500s.
    for kind in (sql_errors.DBAPIError, sql_errors.TimeoutError, OSError):
        app.add_exception_handler(kind, database_unreachable)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "internal_error",
            "Internal error",
            "Something went wrong on our side.",
            locale=scope_locale(request.scope),
        )
