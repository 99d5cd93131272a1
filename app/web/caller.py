"""Who calls: the bearer token of a request, REST or GraphQL, authenticated into the person
it names, in the language the request asks for, within the rate limits."""

import dataclasses
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import TokenValidator
from app.org import service as org_service
from app.org.principal import Principal
from app.platform import tenancy
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
