"""A protected endpoint answers every bad bearer token with 401 problem details, a stable
code and a Bearer challenge; health and the issuer's own endpoints need no token."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.tokens import issue_access_token
from app.platform import clock
from app.web.runtime import Runtime
from tests.factories import World

ME = "/api/v1/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(runtime: Runtime, subject: str, **overrides: Any) -> dict[str, Any]:
    now = int(clock.now().timestamp())
    claims = {
        "iss": runtime.settings.issuer,
        "aud": runtime.settings.oidc_audience,
        "sub": subject,
        "iat": now,
        "exp": now + 300,
    }
    return {**claims, **overrides}


async def _kid(runtime: Runtime) -> str:
    assert runtime.builtin_keys is not None
    kid = (await runtime.builtin_keys.signing_key()).kid
    assert kid is not None
    return kid


async def _token(runtime: Runtime, subject: str, **overrides: Any) -> str:
    assert runtime.builtin_keys is not None
    key = await runtime.builtin_keys.signing_key()
    return jwt.encode({"alg": "ES256", "kid": key.kid}, _claims(runtime, subject, **overrides), key)


def assert_rejected(response: httpx.Response, code: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_a_good_token_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(ME, headers=await world.auth("anna"))
    assert response.status_code == 200, response.text
    assert response.json()["display_name"] == "Anna"


async def test_missing_token(client: httpx.AsyncClient, world: World) -> None:
    assert_rejected(await client.get(ME), "missing_token")


async def test_expired_token(client: httpx.AsyncClient, world: World, runtime: Runtime) -> None:
    assert runtime.builtin_keys is not None
    started = clock.now()
    try:
        clock.freeze(started - timedelta(hours=1))
        token = await issue_access_token(
            runtime.builtin_keys,
            issuer=runtime.settings.issuer,
            audience=runtime.settings.oidc_audience,
            subject=world.people["anna"].subject,
            lifetime_seconds=600,
        )
    finally:
        clock.freeze(None)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "token_expired")


async def test_token_signed_by_another_key_with_the_same_kid(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    impostor = ECKey.generate_key("P-256", parameters={"kid": await _kid(runtime)})
    token = jwt.encode(
        {"alg": "ES256", "kid": impostor.kid},
        _claims(runtime, world.people["anna"].subject),
        impostor,
    )
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "invalid_token")


async def test_unsigned_token(client: httpx.AsyncClient, world: World, runtime: Runtime) -> None:
    header = {"alg": "none", "kid": await _kid(runtime), "typ": "JWT"}
    claims = _claims(runtime, world.people["anna"].subject)
    for signature in ("", _b64(b"x")):
        token = ".".join(
            [_b64(json.dumps(header).encode()), _b64(json.dumps(claims).encode()), signature]
        )
        response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert_rejected(response, "invalid_token")


async def test_hmac_token_keyed_with_the_public_key(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    """Algorithm confusion: the published key used as an HMAC secret."""
    published = (await client.get("/oauth/jwks")).json()["keys"][0]
    public_pem = ECKey.import_key(published).as_pem(private=False)
    header = {"alg": "HS256", "kid": published["kid"], "typ": "JWT"}
    claims = _claims(runtime, world.people["anna"].subject)
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    for secret in (public_pem, json.dumps(published).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64(mac)}"
        response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
        assert_rejected(response, "invalid_token")


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://elsewhere.example"},
        {"aud": "another-api"},
        {"aud": ["another-api", "a-third-api"]},
        {"nbf": int(clock.now().timestamp()) + 3600},
        {"sub": 12345},
    ],
    ids=["issuer", "audience", "audience-list", "not-yet-valid", "non-string-subject"],
)
async def test_token_with_wrong_claims(
    client: httpx.AsyncClient, world: World, runtime: Runtime, overrides: dict[str, Any]
) -> None:
    token = await _token(runtime, world.people["anna"].subject, **overrides)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "invalid_token")


async def test_audience_list_naming_the_api_is_accepted(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    audiences = ["another-api", runtime.settings.oidc_audience]
    token = await _token(runtime, world.people["anna"].subject, aud=audiences)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("claim", ["exp", "sub", "iss", "aud"])
async def test_token_missing_an_essential_claim(
    client: httpx.AsyncClient, world: World, runtime: Runtime, claim: str
) -> None:
    claims = _claims(runtime, world.people["anna"].subject)
    del claims[claim]
    assert runtime.builtin_keys is not None
    key = await runtime.builtin_keys.signing_key()
    token = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "invalid_token")


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "e30.e30.", "Zm9v.e30.e30"])
async def test_malformed_token(client: httpx.AsyncClient, world: World, token: str) -> None:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "invalid_token")


async def test_token_for_a_deactivated_person(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    headers = await world.auth("ben")
    assert (await client.get(ME, headers=headers)).status_code == 200
    world.people["ben"].active = False
    await session.commit()
    assert_rejected(await client.get(ME, headers=headers), "unknown_subject")


async def test_token_for_an_unknown_subject(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    token = await _token(runtime, "insight|nobody")
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert_rejected(response, "unknown_subject")


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/.well-known/openid-configuration", "/oauth/jwks"],
)
async def test_public_endpoints_need_no_token(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
