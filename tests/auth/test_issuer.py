"""The built-in issuer as the mobile app meets it: authorization code with PKCE, then
rotating refresh tokens."""

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from app.platform import clock
from app.web.runtime import Runtime
from tests.factories import DEMO_PASSWORD, World

CLIENT = "insight-app"
APP_REDIRECT = "insight://oauth/callback"
# Every person the factories build has it.
PASSWORD = DEMO_PASSWORD


@pytest.fixture
def frozen() -> Iterator[None]:
    """Time stands still until the test moves it, and runs again afterwards."""
    clock.freeze(clock.now())
    try:
        yield
    finally:
        clock.freeze(None)


@dataclass
class Authorization:
    """What the app holds between the browser's redirect and the token request."""

    code: str
    verifier: str
    state: str
    nonce: str
    redirect_uri: str


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _hidden_fields(page: str) -> dict[str, str]:
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    return {unescape(name): unescape(value) for name, value in fields}


def _request(verifier: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": APP_REDIRECT,
        "scope": "openid profile email offline_access",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return {**params, **overrides}


async def authorize(
    client: httpx.AsyncClient,
    email: str = "anna@kauppa.test",
    **overrides: str,
) -> Authorization:
    """Opens the login form as a browser would, submits it, and follows nothing: the
    redirect goes to the app."""
    verifier = secrets.token_urlsafe(48)
    params = _request(verifier, **overrides)
    form = await client.get("/oauth/authorize", params=params)
    assert form.status_code == 200, form.text
    assert form.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in form.headers["content-security-policy"]
    fields = _hidden_fields(form.text)
    assert fields == params
    submitted = await client.post(
        "/oauth/authorize", data={**fields, "email": email, "password": PASSWORD}
    )
    assert submitted.status_code == 303, submitted.text
    location = submitted.headers["location"]
    assert location.startswith(params["redirect_uri"] + "?")
    answer = _query(location)
    assert answer["state"] == params["state"]
    assert answer["iss"] == "http://testserver"
    return Authorization(
        code=answer["code"],
        verifier=verifier,
        state=params["state"],
        nonce=params["nonce"],
        redirect_uri=params["redirect_uri"],
    )


async def redeem(
    client: httpx.AsyncClient, authorization: Authorization, **overrides: str
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": CLIENT,
        "code": authorization.code,
        "redirect_uri": authorization.redirect_uri,
        "code_verifier": authorization.verifier,
        **overrides,
    }
    return await client.post("/oauth/token", data=form)


async def refresh(client: httpx.AsyncClient, token: str, **overrides: str) -> httpx.Response:
    form = {"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": token}
    return await client.post("/oauth/token", data={**form, **overrides})


def assert_oauth_error(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["error"] == error


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {access_token}"})


async def test_sign_in_use_refresh_and_detect_reuse(
    client: httpx.AsyncClient, world: World
) -> None:
    tokens = await redeem(client, await authorize(client))
    assert tokens.status_code == 200, tokens.text
    assert tokens.headers["cache-control"] == "no-store"
    first = tokens.json()
    assert first["token_type"] == "Bearer"
    assert first["expires_in"] == 30 * 60
    assert first["scope"] == "openid profile email offline_access"

    mine = await me(client, first["access_token"])
    assert mine.status_code == 200, mine.text
    assert mine.json()["email"] == "anna@kauppa.test"

    renewed = await refresh(client, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await me(client, second["access_token"])).status_code == 200

    # The old token again: someone copied it. The whole sign-in ends, for both holders.
    assert_oauth_error(await refresh(client, first["refresh_token"]), "invalid_grant")
    assert_oauth_error(await refresh(client, second["refresh_token"]), "invalid_grant")


async def test_id_token_is_signed_for_the_app_and_carries_the_nonce(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    authorization = await authorize(client)
    body = (await redeem(client, authorization)).json()
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    keys = KeySet.import_key_set((await client.get("/oauth/jwks")).json())
    id_token = jwt.decode(body["id_token"], keys, algorithms=["ES256"])
    claims = id_token.claims
    assert claims["iss"] == discovery["issuer"] == runtime.settings.issuer
    assert claims["aud"] == CLIENT
    assert claims["sub"] == world.people["anna"].subject
    assert claims["nonce"] == authorization.nonce
    assert claims["email"] == "anna@kauppa.test"
    assert claims["name"] == "Anna"
    # An ID token is for the app, never a key to the API.
    assert (await me(client, body["id_token"])).status_code == 401


async def test_discovery_points_at_working_endpoints(client: httpx.AsyncClient) -> None:
    discovery = (await client.get("/.well-known/openid-configuration")).json()
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    for endpoint in ("jwks_uri", "authorization_endpoint"):
        path = urlsplit(discovery[endpoint]).path
        assert (await client.get(path)).status_code != 404, endpoint
    token_path = urlsplit(discovery["token_endpoint"]).path
    assert_oauth_error(await client.post(token_path, data={}), "invalid_request")


async def test_wrong_code_verifier_is_refused(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize(client)
    for verifier in (secrets.token_urlsafe(48), "short", ""):
        wrong = await redeem(client, authorization, code_verifier=verifier)
        assert_oauth_error(wrong, "invalid_request" if not verifier else "invalid_grant")
    # A guess does not burn the code: the app holding the real verifier still gets in.
    assert (await redeem(client, authorization)).status_code == 200


async def test_code_is_single_use_and_a_replay_revokes_its_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    authorization = await authorize(client)
    first = await redeem(client, authorization)
    assert first.status_code == 200
    assert_oauth_error(await redeem(client, authorization), "invalid_grant")
    assert_oauth_error(await refresh(client, first.json()["refresh_token"]), "invalid_grant")


async def test_expired_code_is_refused(
    client: httpx.AsyncClient, world: World, runtime: Runtime, frozen: None
) -> None:
    authorization = await authorize(client)
    lifetime = timedelta(seconds=runtime.settings.authorization_code_seconds)
    clock.freeze(clock.now() + lifetime + timedelta(seconds=1))
    assert_oauth_error(await redeem(client, authorization), "invalid_grant")


async def test_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, world: World, runtime: Runtime, frozen: None
) -> None:
    body = (await redeem(client, await authorize(client))).json()
    clock.freeze(clock.now() + timedelta(days=runtime.settings.refresh_token_days, seconds=1))
    assert_oauth_error(await refresh(client, body["refresh_token"]), "invalid_grant")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("redirect_uri", "http://127.0.0.1:8765/callback"),
        ("client_id", "someone-else"),
        ("code", "not-a-code"),
    ],
)
async def test_code_bound_to_its_request(
    client: httpx.AsyncClient, world: World, field: str, value: str
) -> None:
    authorization = await authorize(client)
    response = await redeem(client, authorization, **{field: value})
    assert_oauth_error(response, "invalid_client" if field == "client_id" else "invalid_grant")


async def test_refresh_token_only_with_offline_access(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await redeem(client, await authorize(client, scope="openid"))).json()
    assert "refresh_token" not in body
    assert "id_token" in body
    assert (await me(client, body["access_token"])).status_code == 200


async def test_refresh_may_narrow_the_scope_but_not_widen_it(
    client: httpx.AsyncClient, world: World
) -> None:
    body = (await redeem(client, await authorize(client, scope="openid offline_access"))).json()
    widened = await refresh(client, body["refresh_token"], scope="openid email")
    assert_oauth_error(widened, "invalid_scope")
    narrowed = await refresh(client, body["refresh_token"], scope="offline_access")
    assert narrowed.status_code == 200, narrowed.text
    assert narrowed.json()["scope"] == "offline_access"
    assert "id_token" not in narrowed.json()
    # The rotated token still holds the whole grant.
    again = await refresh(client, narrowed.json()["refresh_token"])
    assert again.json()["scope"] == "openid offline_access"


async def test_deactivated_person_cannot_refresh(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = (await redeem(client, await authorize(client, email="ben@kauppa.test"))).json()
    world.people["ben"].active = False
    await session.commit()
    assert_oauth_error(await refresh(client, body["refresh_token"]), "invalid_grant")


async def test_wrong_password_shows_the_form_again(client: httpx.AsyncClient, world: World) -> None:
    verifier = secrets.token_urlsafe(48)
    params = _request(verifier)
    for email, password in (("anna@kauppa.test", "wrong"), ("nobody@kauppa.test", "x")):
        page = await client.post(
            "/oauth/authorize", data={**params, "email": email, "password": password}
        )
        assert page.status_code == 400
        assert "location" not in page.headers
        assert "The e-mail or password is wrong." in page.text
        assert _hidden_fields(page.text) == params
        assert f'value="{email}"' in page.text


async def test_deactivated_person_cannot_sign_in(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    world.people["olli"].active = False
    await session.commit()
    params = _request(secrets.token_urlsafe(48))
    page = await client.post(
        "/oauth/authorize",
        data={**params, "email": "olli@pankki.test", "password": PASSWORD},
    )
    assert page.status_code == 400
    assert "location" not in page.headers


async def test_an_email_in_two_organisations_asks_which(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    await org_service.create_person(
        session,
        org_id=world.pankki.id,
        email="anna@kauppa.test",
        display_name="Anna Pankista",
        home_unit_id=world.pankki.root.id,
        password=PASSWORD,
    )
    await session.commit()
    params = _request(secrets.token_urlsafe(48))
    credentials = {"email": "anna@kauppa.test", "password": PASSWORD}
    page = await client.post("/oauth/authorize", data={**params, **credentials})
    assert page.status_code == 400
    slugs = re.findall(r'<option value="([^"]+)">', page.text)
    assert sorted(slug.split("-")[0] for slug in slugs) == ["kauppa", "pankki"]
    pankki = next(s for s in slugs if s.startswith("pankki-"))
    chosen = await client.post(
        "/oauth/authorize", data={**params, **credentials, "organisation": pankki}
    )
    assert chosen.status_code == 303, chosen.text


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": "http://127.0.0.1:8765/other"},
        {"redirect_uri": "http://127.0.0.1:notaport/callback"},
        {"redirect_uri": ""},
    ],
)
async def test_unregistered_client_or_redirect_gets_an_error_page(
    client: httpx.AsyncClient, overrides: dict[str, str]
) -> None:
    params = _request(secrets.token_urlsafe(48), **overrides)
    for response in (
        await client.get("/oauth/authorize", params=params),
        await client.post(
            "/oauth/authorize",
            data={**params, "email": "anna@kauppa.test", "password": PASSWORD},
        ),
    ):
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "Cannot sign in" in response.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin"}, "invalid_scope"),
    ],
)
async def test_bad_request_from_a_registered_client_is_answered_by_redirect(
    client: httpx.AsyncClient, overrides: dict[str, str], error: str
) -> None:
    params = _request(secrets.token_urlsafe(48), **overrides)
    response = await client.get("/oauth/authorize", params=params)
    assert response.status_code == 302
    answer = _query(response.headers["location"])
    assert answer["error"] == error
    assert answer["state"] == params["state"]
    assert "code" not in answer


async def test_loopback_redirect_may_use_any_port(client: httpx.AsyncClient, world: World) -> None:
    authorization = await authorize(client, redirect_uri="http://127.0.0.1:51234/callback")
    assert (await redeem(client, authorization)).status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "client_id": CLIENT}, "unsupported_grant_type"),
        ({"client_id": CLIENT}, "invalid_request"),
        ({"grant_type": "refresh_token", "client_id": CLIENT}, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "x"}, "invalid_client"),
        (
            {"grant_type": "refresh_token", "client_id": CLIENT, "refresh_token": "x"},
            "invalid_grant",
        ),
        ({"grant_type": "authorization_code", "client_id": CLIENT}, "invalid_request"),
    ],
)
async def test_token_endpoint_errors_follow_rfc_6749(
    client: httpx.AsyncClient, form: dict[str, Any], error: str
) -> None:
    assert_oauth_error(await client.post("/oauth/token", data=form), error)
