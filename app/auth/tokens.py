"""Bearer token validation (built-in or external OpenID issuer) and the built-in issuer's keys."""

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.auth.models import SigningKey
from app.errors import Unauthenticated

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
    the key set once when a token names a key it does not know."""

    def __init__(self, *, issuer: str, audience: str, keys: KeySource) -> None:
        self.issuer = issuer
        self.audience = audience
        self.key_source = keys
        self.registry = jwt.JWTClaimsRegistry(
            now=lambda: int(clock.now().timestamp()),
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    async def validate(self, token: str) -> dict[str, Any]:
        header = _header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise Unauthenticated("The token's algorithm is not accepted.", code="invalid_token")
        kid = header.get("kid")
        key_set = await self.key_source.keys(refresh=False)
        if kid is None or not _has_kid(key_set, kid):
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
        return decoded.claims


def _has_kid(key_set: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in key_set.keys)


class RemoteKeys:
    """An external issuer's keys, found through its discovery document and cached."""

    def __init__(
        self,
        issuer: str,
        *,
        cache_seconds: int,
        client: Callable[[], httpx.AsyncClient] = httpx.AsyncClient,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.cache_seconds = cache_seconds
        self.client = client
        self._key_set: KeySet | None = None
        self._fetched_at = 0.0
        self._jwks_uri: str | None = None
        # A flood of tokens with unknown key ids must not turn into a flood of fetches.
        self.min_refresh_seconds = 10.0

    async def keys(self, *, refresh: bool) -> KeySet:
        age = time.monotonic() - self._fetched_at
        stale = self._key_set is None or age > self.cache_seconds
        if stale or (refresh and age > self.min_refresh_seconds):
            await self._fetch()
        assert self._key_set is not None
        return self._key_set

    async def _fetch(self) -> None:
        try:
            async with self.client() as http:
                if self._jwks_uri is None:
                    discovery = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                    discovery.raise_for_status()
                    document = discovery.json()
                    if document.get("issuer", "").rstrip("/") != self.issuer:
                        raise Unauthenticated(
                            "The identity provider's discovery document names another issuer.",
                            code="issuer_unavailable",
                        )
                    self._jwks_uri = document["jwks_uri"]
                response = await http.get(self._jwks_uri)
                response.raise_for_status()
                self._key_set = KeySet.import_key_set(response.json())
                self._fetched_at = time.monotonic()
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            if self._key_set is None:
                raise Unauthenticated(
                    "The identity provider cannot be reached.", code="issuer_unavailable"
                ) from exc


class BuiltinKeys:
    """The built-in issuer's keys, kept in PostgreSQL so every process signs and verifies
    with the same ones."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cache_seconds: int = 60) -> None:
        self.sessions = sessions
        self.cache_seconds = cache_seconds
        self._key_set: KeySet | None = None
        self._signing: ECKey | None = None
        self._fetched_at = 0.0

    async def keys(self, *, refresh: bool) -> KeySet:
        if (
            refresh
            or self._key_set is None
            or time.monotonic() - self._fetched_at > self.cache_seconds
        ):
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
            rows = list(
                await session.scalars(
                    select(SigningKey)
                    .where(SigningKey.retired_at.is_(None))
                    .order_by(SigningKey.created_at.desc())
                )
            )
            if not rows:
                rows = [await create_signing_key(session)]
                await session.commit()
        keys = [ECKey.import_key(row.private_jwk) for row in rows]
        self._key_set = KeySet(keys)  # type: ignore[arg-type]
        self._signing = keys[0]
        self._fetched_at = time.monotonic()


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
    key = await keys.signing_key()
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
    return jwt.encode({"alg": BUILTIN_ALGORITHM, "kid": key.kid, "typ": "at+jwt"}, claims, key)
