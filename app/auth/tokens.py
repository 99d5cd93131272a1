"""Bearer token validation (built-in or external OpenID issuer) and the built-in issuer's keys."""

import asyncio
import base64
import json
import logging
import math
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, Key, KeySet
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.models import SigningKey
from app.platform import clock
from app.platform.errors import DomainError, Unauthenticated

log = logging.getLogger(__name__)

# Symmetric and "none" algorithms are never accepted: a public key must never verify an HMAC.
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "EdDSA",
)
BUILTIN_ALGORITHM = "ES256"
LEEWAY_SECONDS = 30
# A flood of tokens naming unknown keys must not become a flood of fetches, and a provider
# that is down must not make every request wait for a timeout: at most one such fetch per
# interval.
REFETCH_INTERVAL_SECONDS = 10.0
# Any constant shared by every process: the first processes to start must agree on one key.
_KEY_CREATION_LOCK = 0x1A5167


class IssuerUnavailable(DomainError):
    """The identity provider's keys cannot be had: our side's fault, not the caller's token."""

    status = 503
    code = "issuer_unavailable"
    title = "Identity provider unavailable"


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError) as exc:
        raise Unauthenticated("The token is malformed.", code="invalid_token") from exc
    if not isinstance(header, dict):
        raise Unauthenticated("The token is malformed.", code="invalid_token")
    return header


class KeySource(Protocol):
    async def keys(self, *, refresh: bool) -> KeySet: ...


class TokenValidator:
    """Checks signature, issuer, audience and lifetime; follows key rotation by refetching
    the key set when a token names a key it does not know. `subject_claim` names the person."""

    def __init__(
        self, *, issuer: str, audience: str, keys: KeySource, subject_claim: str = "sub"
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self.key_source = keys
        self.subject_claim = subject_claim
        essential: jwt.ClaimsOption = {"essential": True}
        self.registry = jwt.JWTClaimsRegistry(
            now=lambda: int(clock.now().timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp=essential,
            **{subject_claim: essential},
        )

    async def validate(self, token: str) -> dict[str, Any]:
        """The token's claims, with a string under `subject_claim`; Unauthenticated otherwise."""
        header = _header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise Unauthenticated("The token's algorithm is not accepted.", code="invalid_token")
        kid = header.get("kid")
        key_set = await self.key_source.keys(refresh=False)
        if not isinstance(kid, str) or not _has_kid(key_set, kid):
            key_set = await self.key_source.keys(refresh=True)
        try:
            decoded = jwt.decode(token, key_set, algorithms=list(ALLOWED_ALGORITHMS))
        except JoseError as exc:
            raise Unauthenticated(
                "The token's signature is not valid.", code="invalid_token"
            ) from exc
        except ValueError as exc:
            raise Unauthenticated("The token is malformed.", code="invalid_token") from exc
        try:
            self.registry.validate(decoded.claims)
        except JoseError as exc:
            code = "token_expired" if exc.error == "expired_token" else "invalid_token"
            raise Unauthenticated(f"The token is not valid: {exc.error}.", code=code) from exc
        if not isinstance(decoded.claims[self.subject_claim], str):
            raise Unauthenticated("The token names no subject.", code="invalid_token")
        return decoded.claims


def _has_kid(key_set: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in key_set.keys)


def _signing_keys(document: object) -> KeySet:
    """The verification keys of a JWKS; keys for encryption, symmetric keys and keys this
    library cannot read are skipped, so one odd entry cannot hide the good ones."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS has no key list")
    keys: list[Key] = []
    for entry in document["keys"]:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        if entry.get("kty") == "oct":
            continue
        try:
            keys.append(JWKRegistry.import_key(entry))
        except (JoseError, ValueError, TypeError) as exc:
            log.warning("skipping a key the identity provider publishes: %s", exc)
    if not keys:
        raise ValueError("the JWKS has no signing key")
    return KeySet(keys)


class RemoteKeys:
    """An external issuer's keys, found through its discovery document and cached. A token
    with an unknown key id refetches at once (the provider rotated), at most once per
    REFETCH_INTERVAL_SECONDS; while the provider is unreachable the cached keys still serve."""

    def __init__(
        self,
        issuer: str,
        *,
        cache_seconds: int,
        client: Callable[[], httpx.AsyncClient] = httpx.AsyncClient,
    ) -> None:
        self.issuer = issuer
        self.cache_seconds = cache_seconds
        self.client = client
        self._lock = asyncio.Lock()
        self._key_set: KeySet | None = None
        self._jwks_uri: str | None = None
        self._fresh_until = -math.inf
        self._forced_at = -math.inf
        self._retry_after = -math.inf

    async def keys(self, *, refresh: bool) -> KeySet:
        if self._due(refresh):
            async with self._lock:
                # Requests that queued behind a fetch use its result instead of fetching again.
                if self._due(refresh):
                    if refresh:
                        self._forced_at = time.monotonic()
                    await self._fetch()
        if self._key_set is None:
            raise IssuerUnavailable("The identity provider's keys cannot be fetched.")
        return self._key_set

    def _due(self, refresh: bool) -> bool:
        now = time.monotonic()
        if now < self._retry_after:
            return False
        if self._key_set is None or now >= self._fresh_until:
            return True
        return refresh and now - self._forced_at >= REFETCH_INTERVAL_SECONDS

    async def _fetch(self) -> None:
        try:
            async with self.client() as http:
                if self._jwks_uri is None:
                    self._jwks_uri = await self._discover(http)
                response = await http.get(self._jwks_uri)
                response.raise_for_status()
                key_set = _signing_keys(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("cannot fetch the keys of %s: %s", self.issuer, exc)
            # A provider that moved its JWKS is found again through discovery next time.
            self._jwks_uri = None
            self._retry_after = time.monotonic() + REFETCH_INTERVAL_SECONDS
            return
        self._key_set = key_set
        self._fresh_until = time.monotonic() + self.cache_seconds

    async def _discover(self, http: httpx.AsyncClient) -> str:
        response = await http.get(f"{self.issuer.rstrip('/')}/.well-known/openid-configuration")
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError("the discovery document is not an object")
        # OpenID Connect Discovery §4.3: the issuer must be identical, or tokens' `iss`
        # would never match the configured one.
        if document.get("issuer") != self.issuer:
            raise ValueError(f"the discovery document names issuer {document.get('issuer')!r}")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError("the discovery document has no jwks_uri")
        return jwks_uri


class BuiltinKeys:
    """The built-in issuer's keys, kept in PostgreSQL so every process signs and verifies
    with the same ones."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cache_seconds: int = 60) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self._key_set: KeySet | None = None
        self._signing: ECKey | None = None
        self._fetched_at = -math.inf
        self._forced_at = -math.inf

    async def keys(self, *, refresh: bool) -> KeySet:
        now = time.monotonic()
        forced = refresh and now - self._forced_at >= REFETCH_INTERVAL_SECONDS
        if forced or self._key_set is None or now - self._fetched_at > self.cache_seconds:
            if forced:
                self._forced_at = now
            await self._load()
        assert self._key_set is not None
        return self._key_set

    async def signing_key(self) -> ECKey:
        if self._signing is None:
            await self._load()
        assert self._signing is not None
        return self._signing

    async def public_jwks(self) -> dict[str, Any]:
        key_set = await self.keys(refresh=False)
        return {"keys": [key.as_dict(private=False) for key in key_set.keys]}

    async def _load(self) -> None:
        async with self.sessions() as session:
            rows = await _active_signing_keys(session)
            if not rows:
                await session.execute(select(func.pg_advisory_xact_lock(_KEY_CREATION_LOCK)))
                rows = await _active_signing_keys(session) or [await create_signing_key(session)]
                await session.commit()
        signing, *older = (ECKey.import_key(row.private_jwk) for row in rows)
        self._key_set = KeySet([signing, *older])
        self._signing = signing
        self._fetched_at = time.monotonic()


async def _active_signing_keys(session: AsyncSession) -> list[SigningKey]:
    """Newest first: the first one signs."""
    return list(
        await session.scalars(
            select(SigningKey)
            .where(SigningKey.retired_at.is_(None))
            .order_by(SigningKey.created_at.desc())
        )
    )


async def create_signing_key(session: AsyncSession) -> SigningKey:
    """A new key, which becomes the one that signs; older keys still verify until retired."""
    kid = uuid.uuid4().hex
    key = ECKey.generate_key(
        "P-256", parameters={"kid": kid, "use": "sig", "alg": BUILTIN_ALGORITHM}
    )
    row = SigningKey(kid=kid, private_jwk=key.as_dict(private=True), created_at=clock.now())
    session.add(row)
    await session.flush()
    return row


async def sign(keys: BuiltinKeys, claims: dict[str, Any], *, typ: str) -> str:
    """A JWT signed with the built-in issuer's current key."""
    key = await keys.signing_key()
    return jwt.encode({"alg": BUILTIN_ALGORITHM, "kid": key.kid, "typ": typ}, claims, key)


async def issue_access_token(
    keys: BuiltinKeys,
    *,
    issuer: str,
    audience: str,
    subject: str,
    lifetime_seconds: int,
    scope: str = "openid profile",
    extra: dict[str, Any] | None = None,
) -> str:
    now = int(clock.now().timestamp())
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "scope": scope,
        **(extra or {}),
    }
    # RFC 9068: the type tells an access token from an ID token signed by the same key.
    return await sign(keys, claims, typ="at+jwt")
