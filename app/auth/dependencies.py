"""FastAPI dependencies: the request's database session and the authenticated caller."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.tokens import TokenValidator
from app.errors import Unauthenticated
from app.org import service as org_service
from app.runtime import Runtime


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back
    on any error, so a client never sees success for something that was not stored."""
    async with runtime(request).sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


Session = Annotated[AsyncSession, Depends(_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="An access token from the OpenID issuer.")


async def authenticate(
    validator: TokenValidator, session: AsyncSession, token: str | None
) -> Principal:
    """The person a bearer token names; 401 for any token that is not good, 503 when the
    identity provider's keys cannot be had."""
    if not token:
        raise Unauthenticated("A bearer token is required.", code="missing_token")
    claims = await validator.validate(token)
    principal = await org_service.load_principal(session, claims[validator.subject_claim])
    if principal is None:
        raise Unauthenticated("The token names no active person.", code="unknown_subject")
    return principal


async def _principal(
    request: Request,
    session: Session,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    token = credentials.credentials if credentials else None
    return await authenticate(runtime(request).validator, session, token)


Caller = Annotated[Principal, Depends(_principal)]
