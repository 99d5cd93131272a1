"""Who calls: the bearer token of a request, REST or GraphQL, authenticated into the person
it names, in the language the request asks for, within the rate limits."""

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import TokenValidator
from app.org import service as org_service
from app.org.principal import Principal, Principals
from app.platform import request_ids, tenancy
from app.platform.errors import Unauthenticated
from app.platform.i18n import from_accept_language
from app.web.problems import LOCALE_STATE
from app.web.runtime import Runtime
from app.web.unit_of_work import PRINCIPAL_STATE, Session, runtime

_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token (a signed JWT) from the OpenID issuer.",
)


async def authenticate(
    validator: TokenValidator,
    session: AsyncSession,
    token: str | None,
    principals: Principals | None = None,
    *,
    enter: bool = True,
) -> Principal:
    """The person a bearer token names; 401 for any token that is not good, 503 when the
    identity provider's keys cannot be had. The rest of the session's transaction is bound
    to that person's organisation by row-level security.

    The person and their grants are held for the token's life (`principals`), and checked
    in the statement that binds the transaction: when the organisation's directory version
    has moved since they were read (a grant given or revoked, the person deactivated, a
    unit moved, in any process), they are read again before the request acts on them.
    Without `enter` the caller makes that check itself, with its first statement
    (`app.insights.posting`)."""
    if not token:
        raise Unauthenticated("A bearer token is required.", code="missing_token")
    claims = await validator.validate(token)
    subject = claims[validator.subject_claim]
    principal = principals.get(token) if principals is not None else None
    fresh = principal is None
    if principal is None:
        principal = await _load(session, subject)
    if enter:
        # From here on the database itself keeps the request to the caller's organisation.
        version = await tenancy.enter_at_version(session, principal.org_id)
        if version != principal.directory_version and not fresh:
            principal = await _load(session, subject)
            fresh = True
    if fresh and principals is not None:
        expires = claims.get("exp")
        principals.put(token, principal, float(expires) if expires is not None else 0.0)
    request_ids.note_organisation(principal.org_id)
    return principal


async def _load(session: AsyncSession, subject: str) -> Principal:
    principal = await org_service.load_principal(session, subject)
    if principal is None:
        raise Unauthenticated("The token names no active person.", code="unknown_subject")
    return principal


async def _principal(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return await _caller(request, session, credentials, enter=True)


async def _posting_principal(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return await _caller(request, session, credentials, enter=False)


async def _caller(
    request: Request,
    session: AsyncSession,
    credentials: HTTPAuthorizationCredentials | None,
    *,
    enter: bool,
) -> Principal:
    token = credentials.credentials if credentials else None
    running = runtime(request)
    principal = in_language(
        await authenticate(running.validator, session, token, running.principals, enter=enter),
        request.headers.get("accept-language"),
    )
    setattr(request.state, LOCALE_STATE, principal.locale)
    setattr(request.state, PRINCIPAL_STATE, principal)
    await limit_rate(running, principal)
    return principal


def reader(request: Request, session: AsyncSession) -> Callable[[], Awaitable[Principal]]:
    """Reads the caller of `request` again, as they are now, and holds them anew: for a
    request that found the organisation's directory moved under the principal it held."""

    async def read_again() -> Principal:
        running = runtime(request)
        credentials = await _bearer(request)
        token = credentials.credentials if credentials else ""
        claims = await running.validator.validate(token)
        principal = await _load(session, claims[running.validator.subject_claim])
        expires = claims.get("exp")
        running.principals.put(token, principal, float(expires) if expires is not None else 0.0)
        principal = in_language(principal, request.headers.get("accept-language"))
        setattr(request.state, PRINCIPAL_STATE, principal)
        return principal

    return read_again


def current_caller(request: Request, caller: Principal) -> Principal:
    """The caller as the request last read them (`reader`), else `caller`."""
    found = getattr(request.state, PRINCIPAL_STATE, None)
    return found if isinstance(found, Principal) else caller


async def limit_rate(running: Runtime, principal: Principal) -> None:
    """429 `rate_limited` when the person or their organisation asks too often."""
    if running.rate_limits is not None:
        await running.rate_limits.check(principal.person_id, principal.org_id)


def in_language(principal: Principal, accept_language: str | None) -> Principal:
    """The caller, speaking the language the request asks for (Accept-Language) when it
    names a supported one, else their own: what they read in this request (notification
    texts, taxonomy labels, errors) comes in that language."""
    preferred = from_accept_language(accept_language)
    if preferred is None or preferred is principal.locale:
        return principal
    return dataclasses.replace(principal, locale=preferred)


Caller = Annotated[Principal, Depends(_principal)]
# The caller of a request whose first statement binds its transaction and checks the
# caller's directory version itself (posting an insight): one statement fewer.
UncheckedCaller = Annotated[Principal, Depends(_posting_principal)]
