"""GraphQL errors with the error codes REST uses, in `extensions.code` and `extensions.status`."""

import logging
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError
from pydantic import ValidationError
from strawberry.utils.str_converters import to_camel_case

from app.platform.db import unavailable
from app.platform.errors import DomainError
from app.platform.field_errors import field_message
from app.platform.i18n import DEFAULT, Locale, problem_text
from app.web.json_body import InvalidJson

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Internal error"
UNAVAILABLE = "The request could not be completed; it is safe to retry it."


def _validation_errors(exc: ValidationError, locale: Locale) -> list[dict[str, Any]]:
    return [
        {
            "location": [to_camel_case(p) if isinstance(p, str) else p for p in error["loc"]],
            "message": field_message(error, locale),
            "type": error["type"],
        }
        for error in exc.errors()
    ]


def _refusals(exc: InvalidJson, locale: Locale) -> list[dict[str, Any]]:
    # Locations are the request's own keys: as the client wrote them.
    return [
        {
            "location": list(error["loc"]),
            "message": field_message(error, locale),
            "type": error["type"],
        }
        for error in exc.errors
    ]


def _with(error: GraphQLError, message: str, extensions: dict[str, Any]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def _is_internal(error: GraphQLError) -> bool:
    """Whether the error is our fault rather than the client's."""
    original = error.original_error
    if isinstance(original, DomainError | ValidationError):
        return False
    if error.path is None:
        # Outside any resolver: parsing, validation, limits and variables concern the request
        # and carry locations in it; an exception without them escaped from the machinery.
        return original is not None and not error.locations
    return True


def _client_error(error: GraphQLError, locale: Locale = DEFAULT) -> GraphQLError:
    """The error as the client sees it, in `locale`: a stable code, and nothing of our
    internals."""
    original = error.original_error
    if isinstance(original, InvalidJson):
        _, message = problem_text(original.code, locale, "", original.detail, {})
        return _with(
            error,
            message,
            {
                "code": original.code,
                "status": original.status,
                "errors": _refusals(original, locale),
            },
        )
    if isinstance(original, DomainError):
        _, message = problem_text(
            original.code, locale, original.title, original.detail, original.extra
        )
        return _with(
            error,
            message,
            {"code": original.code, "status": original.status, **original.extra},
        )
    if isinstance(original, ValidationError):
        _, message = problem_text(
            "validation_error", locale, "", "The input does not match the schema.", {}
        )
        return _with(
            error,
            message,
            {
                "code": "validation_error",
                "status": 422,
                "errors": _validation_errors(original, locale),
            },
        )
    if original is not None and unavailable(original):
        # The database is out of reach: as REST's 503, a request to send again.
        _, message = problem_text("service_unavailable", locale, "", UNAVAILABLE, {})
        return _with(error, message, {"code": "service_unavailable", "status": 503})
    if _is_internal(error):
        _, message = problem_text("internal_error", locale, "", INTERNAL_ERROR, {})
        return _with(error, message, {"code": "internal_error", "status": 500})
    return _with(error, error.message, {"code": "invalid_query", "status": 400})


def refused_request(exc: DomainError, locale: Locale) -> GraphQLFormattedError:
    """A request refused before any operation could run, as one GraphQL error."""
    return _client_error(GraphQLError(exc.detail, original_error=exc), locale).formatted


def internal_error(exc: Exception) -> GraphQLError:
    return _client_error(GraphQLError(INTERNAL_ERROR, original_error=exc))


def present(errors: list[GraphQLError], locale: Locale = DEFAULT) -> None:
    """Log the errors that are our fault, then rewrite `errors` in place for the client."""
    for error in errors:
        if error.original_error is not None and unavailable(error.original_error):
            log.warning("GraphQL operation failed: database unavailable: %s", error.original_error)
        elif _is_internal(error):
            log.error("GraphQL operation failed: %s", error.message, exc_info=error.original_error)
    errors[:] = [_client_error(error, locale) for error in errors]
