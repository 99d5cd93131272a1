"""The built-in issuer: the authorization-code flow with PKCE for the platform's public client
(the mobile app) and rotating refresh tokens. Functions flush and never commit.

Errors a client can act on are authlib's OAuth 2.0 errors (RFC 6749 §4.1.2.1, §5.2); an
authorization request that names no registered client or redirect URI raises UnknownClient,
because it must not be answered by redirecting anywhere.
"""

import asyncio
import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    UnsupportedGrantTypeError,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc7636.challenge import (
    CODE_CHALLENGE_PATTERN,
    CODE_VERIFIER_PATTERN,
    compare_s256_code_challenge,
)
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import AuthorizationCode, RefreshToken
from app.auth.schemas import AuthorizationParams, TokenForm, TokenResponse
from app.auth.tokens import BuiltinKeys, issue_access_token, sign
from app.org.models import Organisation, Person
from app.platform import clock
from app.platform.passwords import hash_password, verify_password
from app.platform.settings import Settings

SUPPORTED_SCOPES = ("openid", "profile", "email", "offline_access")
DEFAULT_SCOPE = "openid"
# The column sizes of authorization_codes.
_MAX_NONCE = 255
_MAX_SCOPE = 500


class UnknownClient(Exception):
    """The request names no registered client, or a redirect URI not registered for it."""


class LoginFailed(Exception):
    """The e-mail and password name nobody, or (with `organisations` as slug and name pairs)
    somebody in each of several organisations, and the person must choose one."""

    def __init__(self, message: str, organisations: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.organisations = organisations or []


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """An authorization request that passed every check and may be answered by redirect."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    nonce: str | None

    def as_params(self) -> dict[str, str]:
        """The request again, for the hidden fields of the login form."""
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.state is not None:
            params["state"] = self.state
        if self.nonce is not None:
            params["nonce"] = self.nonce
        return params


def check_authorization_request(
    settings: Settings, params: AuthorizationParams
) -> AuthorizationRequest:
    """The request, checked; UnknownClient before anything else, then OAuth errors that
    carry the redirect URI and state to be answered with."""
    if params.client_id != settings.oauth_client_id:
        raise UnknownClient("The application asking you to sign in is not registered.")
    redirect_uri = params.redirect_uri
    if redirect_uri is None or not _registered(settings.oauth_redirect_uris, redirect_uri):
        raise UnknownClient("The application's return address is not registered.")
    where = {"redirect_uri": redirect_uri, "state": params.state}
    if params.response_type != "code":
        raise UnsupportedResponseTypeError(
            params.response_type, "Only response_type=code is supported.", **where
        )
    if params.code_challenge is None or params.code_challenge_method != "S256":
        raise InvalidRequestError("PKCE with code_challenge_method=S256 is required.", **where)
    if not CODE_CHALLENGE_PATTERN.fullmatch(params.code_challenge):
        raise InvalidRequestError("The code_challenge is malformed.", **where)
    if params.nonce is not None and len(params.nonce) > _MAX_NONCE:
        raise InvalidRequestError("The nonce is too long.", **where)
    scope = params.scope or DEFAULT_SCOPE
    if any(s not in SUPPORTED_SCOPES for s in scope.split()) or len(scope) > _MAX_SCOPE:
        raise InvalidScopeError(f"Supported scopes: {' '.join(SUPPORTED_SCOPES)}.", **where)
    return AuthorizationRequest(
        client_id=params.client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(dict.fromkeys(scope.split())),
        state=params.state,
        code_challenge=params.code_challenge,
        nonce=params.nonce,
    )


def _registered(registered: list[str], uri: str) -> bool:
    if uri in registered:
        return True
    # RFC 8252 §7.3: a native app on the loopback interface gets whichever port is free.
    asked = _loopback(uri)
    return asked is not None and any(_loopback(r) == asked for r in registered)


def _loopback(uri: str) -> tuple[str, str, str, str] | None:
    """The URI without its port, when it is an http URI on the loopback interface."""
    parts = urlsplit(uri)
    try:
        # A port that is not a number raises only when read; such a URI matches nothing.
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "::1"):
        return None
    return parts.hostname, parts.path, parts.query, parts.fragment


def error_location(settings: Settings, error: Any) -> str:
    """Where to send the browser for an authlib OAuth2Error raised with a redirect URI."""
    return _location(settings, error.redirect_uri, error.get_body())


def _location(settings: Settings, redirect_uri: str, params: list[tuple[str, str]]) -> str:
    # RFC 9207: `iss` tells the app which issuer answered, against mix-up attacks.
    location: str = add_params_to_uri(redirect_uri, [*params, ("iss", settings.issuer)])
    return location


async def sign_in(
    session: AsyncSession, *, email: str, password: str, organisation: str | None
) -> Person:
    """The active person with this e-mail and password; LoginFailed otherwise. An e-mail is
    unique only within an organisation, so a match in several asks which one."""
    query = (
        select(Person, Organisation.slug, Organisation.name)
        .join(Organisation, Organisation.id == Person.org_id)
        .where(
            Person.email == email.strip().lower(),
            Person.active.is_(True),
            Person.password_hash.is_not(None),
        )
        .order_by(Organisation.name)
    )
    if organisation:
        query = query.where(Organisation.slug == organisation)
    candidates = (await session.execute(query)).all()
    if not candidates:
        # As slow as a real check, so response times do not tell which e-mails exist.
        await asyncio.to_thread(_verify_decoy, password)
    matches = [
        row
        for row in candidates
        if await asyncio.to_thread(verify_password, password, row.Person.password_hash)
    ]
    if not matches:
        raise LoginFailed("The e-mail or password is wrong.")
    if len(matches) > 1:
        raise LoginFailed(
            "You belong to several organisations: choose one.",
            [(row.slug, row.name) for row in matches],
        )
    person: Person = matches[0].Person
    return person


def _verify_decoy(password: str) -> bool:
    return verify_password(password, _decoy_hash())


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def issue_code(
    session: AsyncSession, settings: Settings, request: AuthorizationRequest, person: Person
) -> str:
    """A single-use authorization code for `person`; the redirect location that carries it."""
    code = secrets.token_urlsafe(32)
    session.add(
        AuthorizationCode(
            code_hash=_digest(code),
            org_id=person.org_id,
            person_id=person.id,
            client_id=request.client_id,
            redirect_uri=request.redirect_uri,
            scope=request.scope,
            code_challenge=request.code_challenge,
            nonce=request.nonce,
            expires_at=clock.now() + timedelta(seconds=settings.authorization_code_seconds),
        )
    )
    await session.flush()
    params = [("code", code)]
    if request.state is not None:
        params.append(("state", request.state))
    return _location(settings, request.redirect_uri, params)


async def grant_tokens(
    session: AsyncSession, settings: Settings, keys: BuiltinKeys, form: TokenForm
) -> TokenResponse:
    """Tokens for an authorization code or a refresh token. A replayed code or refresh
    token revokes every refresh token of its sign-in; the caller must commit that even
    though the request fails."""
    if form.grant_type is None:
        raise InvalidRequestError("grant_type is required.")
    if form.grant_type not in ("authorization_code", "refresh_token"):
        raise UnsupportedGrantTypeError(form.grant_type)
    if form.client_id != settings.oauth_client_id:
        raise InvalidClientError("The client is not registered.")
    if form.grant_type == "authorization_code":
        return await _redeem_code(session, settings, keys, form)
    return await _refresh(session, settings, keys, form)


async def _redeem_code(
    session: AsyncSession, settings: Settings, keys: BuiltinKeys, form: TokenForm
) -> TokenResponse:
    if not form.code or not form.redirect_uri or not form.code_verifier:
        raise InvalidRequestError("code, redirect_uri and code_verifier are required.")
    code_hash = _digest(form.code)
    code = await session.scalar(
        select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash).with_for_update()
    )
    if code is None or code.client_id != form.client_id:
        raise InvalidGrantError("The code is not valid.")
    family_id = _family_of(code_hash)
    if code.used_at is not None:
        # RFC 6749 §4.1.2: a code used twice may have been stolen; what it granted goes.
        await _revoke_family(session, family_id)
        raise InvalidGrantError("The code has already been used.")
    if code.expires_at <= clock.now():
        raise InvalidGrantError("The code has expired.")
    if code.redirect_uri != form.redirect_uri:
        raise InvalidGrantError("The redirect_uri differs from the authorization request's.")
    if not CODE_VERIFIER_PATTERN.fullmatch(form.code_verifier) or not (
        compare_s256_code_challenge(form.code_verifier, code.code_challenge)
    ):
        raise InvalidGrantError("The code_verifier does not match the code_challenge.")
    code.used_at = clock.now()
    person = await session.get(Person, (code.org_id, code.person_id))
    if person is None or not person.active:
        raise InvalidGrantError("The person is no longer active.")
    return await _tokens(
        session,
        settings,
        keys,
        person,
        client_id=code.client_id,
        scope=code.scope,
        granted_scope=code.scope,
        family_id=family_id,
        nonce=code.nonce,
    )


async def _refresh(
    session: AsyncSession, settings: Settings, keys: BuiltinKeys, form: TokenForm
) -> TokenResponse:
    if not form.refresh_token:
        raise InvalidRequestError("refresh_token is required.")
    token = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == _digest(form.refresh_token))
        .with_for_update()
    )
    if token is None or token.client_id != form.client_id:
        raise InvalidGrantError("The refresh token is not valid.")
    if token.revoked_at is not None:
        raise InvalidGrantError("The refresh token has been revoked.")
    if token.used_at is not None:
        # Rotation means only a thief or a confused client presents a used token, and we
        # cannot tell which: the whole sign-in ends, and the person signs in again.
        await _revoke_family(session, token.family_id)
        raise InvalidGrantError("The refresh token has already been used; sign in again.")
    if token.expires_at <= clock.now():
        raise InvalidGrantError("The refresh token has expired.")
    granted = token.scope.split()
    scope = token.scope
    if form.scope is not None:
        if any(s not in granted for s in form.scope.split()):
            raise InvalidScopeError("The scope exceeds what was granted.")
        scope = " ".join(dict.fromkeys(form.scope.split()))
    person = await session.get(Person, (token.org_id, token.person_id))
    if person is None or not person.active:
        await _revoke_family(session, token.family_id)
        raise InvalidGrantError("The person is no longer active.")
    token.used_at = clock.now()
    return await _tokens(
        session,
        settings,
        keys,
        person,
        client_id=token.client_id,
        scope=scope,
        granted_scope=token.scope,
        family_id=token.family_id,
        nonce=None,
    )


async def _tokens(
    session: AsyncSession,
    settings: Settings,
    keys: BuiltinKeys,
    person: Person,
    *,
    client_id: str,
    scope: str,
    granted_scope: str,
    family_id: uuid.UUID,
    nonce: str | None,
) -> TokenResponse:
    """An access token for `scope`; a refresh token when `granted_scope` has offline_access
    (it keeps the whole grant, RFC 6749 §6); an ID token when `scope` has openid."""
    lifetime = settings.access_token_minutes * 60
    access_token = await issue_access_token(
        keys,
        issuer=settings.issuer,
        audience=settings.oidc_audience,
        subject=person.subject,
        lifetime_seconds=lifetime,
        scope=scope,
        extra={"client_id": client_id},
    )
    response = TokenResponse(access_token=access_token, expires_in=lifetime, scope=scope)
    if "offline_access" in granted_scope.split():
        refresh_token = secrets.token_urlsafe(32)
        session.add(
            RefreshToken(
                token_hash=_digest(refresh_token),
                family_id=family_id,
                org_id=person.org_id,
                person_id=person.id,
                client_id=client_id,
                scope=granted_scope,
                expires_at=clock.now() + timedelta(days=settings.refresh_token_days),
            )
        )
        await session.flush()
        response.refresh_token = refresh_token
    if "openid" in scope.split():
        response.id_token = await _id_token(
            settings, keys, person, client_id=client_id, scope=scope, nonce=nonce
        )
    return response


async def _id_token(
    settings: Settings,
    keys: BuiltinKeys,
    person: Person,
    *,
    client_id: str,
    scope: str,
    nonce: str | None,
) -> str:
    now = int(clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": settings.issuer,
        "sub": person.subject,
        "aud": client_id,
        "iat": now,
        "exp": now + settings.access_token_minutes * 60,
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if "profile" in scope.split():
        claims.update(name=person.display_name, locale=person.locale.value)
    if "email" in scope.split():
        claims["email"] = person.email
    return await sign(keys, claims, typ="JWT")


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _family_of(code_hash: str) -> uuid.UUID:
    """A sign-in's refresh-token family is named after its code, so a replayed code can
    find and revoke what it granted without another column."""
    return uuid.UUID(hex=code_hash[:32])
