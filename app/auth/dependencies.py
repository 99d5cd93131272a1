"""FastAPI dependencies: the request's database session and the authenticated caller."""

import dataclasses
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.tokens import TokenValidator
from app.org import service as org_service
from app.platform import tenancy
from app.platform.errors import Unauthenticated
from app.platform.i18n import from_accept_language
from app.privacy import audit
from app.web.idempotency.claim import pending_claim
from app.web.problems import LOCALE_STATE
from app.web.runtime import Runtime

# Where the authenticated caller sits: `Request.state.principal`.
PRINCIPAL_STATE = "principal"


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back
    on any error, so a client never sees success for something that was not stored.

    A request with an Idempotency-Key leaves the commit to the idempotency middleware,
    which stores the response in the same transaction."""
    session = runtime(request).sessions()
    try:
        yield session
    except BaseException:
        await session.rollback()
        await session.close()
        raise
    await _audit(request, session)
    claim = pending_claim(request.state)
    if claim is not None and claim.adopt(session):
        return
    try:
        await session.commit()
    finally:
        await session.close()


async def _audit(request: Request, session: AsyncSession) -> None:
    """Every change, and every read by HR or an administrator, goes into the audit trail
    with the request's own commit."""
    principal = getattr(request.state, PRINCIPAL_STATE, None)
    if not isinstance(principal, Principal):
        return
    kind = audit.kind_of(principal, changes=request.method in audit.CHANGING_METHODS)
    if kind is None:
        return
    template = _template(request.url.path, request.path_params)
    await audit.record(
        session,
        principal,
        kind=kind,
        operation=f"{request.method} {template}",
        target={**request.query_params, **request.path_params},
    )


def _template(path: str, params: dict[str, Any]) -> str:
    """The route's template: the path with each parameter's value put back as its name."""
    names = {str(value): name for name, value in params.items()}
    return "/".join(
        "{" + names[segment] + "}" if segment in names else segment for segment in path.split("/")
    )


Session = Annotated[AsyncSession, Depends(_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An access token from the OpenID issuer.")


async def authenticate(
    validator: TokenValidator, session: AsyncSession, token: str | None
) -> Principal:
    """The person a bearer token names; 401 for any token that is not good, 503 when the
    identity provider's keys cannot be had. The rest of the session's transaction is bound
    to that person's organisation by row-level security."""
    if not token:
        raise Unauthenticated("A bearer token is required.", code="missing_token")
    claims = await validator.validate(token)
    principal = await org_service.load_principal(session, claims[validator.subject_claim])
    if principal is None:
        raise Unauthenticated("The token names no active person.", code="unknown_subject")
    # From here on the database itself keeps the request to the caller's organisation.
    await tenancy.enter(session, principal.org_id)
    return principal


async def _principal(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials else None
    running = runtime(request)
    principal = in_language(
        await authenticate(running.validator, session, token),
        request.headers.get("accept-language"),
    )
    setattr(request.state, LOCALE_STATE, principal.locale)
    setattr(request.state, PRINCIPAL_STATE, principal)
    limit_rate(running, principal)
    return principal


def limit_rate(running: Runtime, principal: Principal) -> None:
    """429 `rate_limited` when the person or their organisation asks too often."""
    if running.rate_limits is not None:
        running.rate_limits.check(principal.person_id, principal.org_id)


def in_language(principal: Principal, accept_language: str | None) -> Principal:
    """The caller, speaking the language the request asks for (Accept-Language) when it
    names a supported one, else their own: what they read in this request (notification
    texts, taxonomy labels, errors) comes in that language."""
    preferred = from_accept_language(accept_language)
    if preferred is None or preferred is principal.locale:
        return principal
    return dataclasses.replace(principal, locale=preferred)


Caller = Annotated[Principal, Depends(_principal)]
