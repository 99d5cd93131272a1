"""How the Idempotency-Key middleware refuses a request: as the client reads errors, in the
caller's language, though the application (which learns both) has not run."""

import logging

from starlette.types import Receive, Scope, Send

from app.org import service as org_service
from app.platform.errors import DomainError, Unavailable
from app.web.problems import (
    GRAPHQL_PATH,
    LOCALE_STATE,
    error_response,
    graphql_error_response,
    language_asked,
)
from app.web.runtime import Runtime

log = logging.getLogger(__name__)

# Where the token's subject is kept in the request's state, to learn its language by.
SUBJECT = "idempotency_subject"


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    error: DomainError,
    *,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with `error` as the client reads errors: a GraphQL error with its code in
    `extensions` for /graphql, a problem document elsewhere; in the caller's language."""
    if not isinstance(error, Unavailable):
        # Not when the database is away: the answer must not wait for it.
        await _learn_locale(scope)
    if scope["path"].startswith(GRAPHQL_PATH):
        response = graphql_error_response(scope, error, headers)
    else:
        response = error_response(scope, error, headers)
    await response(scope, receive, send)


async def _learn_locale(scope: Scope) -> None:
    """The caller's own locale, for an answer whose request names no language: one query,
    made only when this middleware answers. When it cannot be had, the answer is English."""
    state = scope.setdefault("state", {})
    subject = state.get(SUBJECT)
    if subject is None or LOCALE_STATE in state or language_asked(scope):
        return
    runtime: Runtime = scope["app"].state.runtime
    try:
        async with runtime.sessions() as session:
            principal = await org_service.load_principal(session, subject)
    except Exception as exc:
        log.warning("could not learn the caller's language: %s", exc)
        return
    if principal is not None:
        state[LOCALE_STATE] = principal.locale
