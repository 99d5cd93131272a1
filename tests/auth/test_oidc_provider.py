"""The platform against a real, independent OpenID provider: the npm package oidc-provider,
run by node from tests/oidc_provider (installed by `make install`), on the loopback
interface. Tokens come out of its authorization-code flow with PKCE, signed in through its
development interactions; the platform finds the keys through the provider's discovery
document, as it would in production.

Without node or the installed package the tests are skipped, and fail when CI is "true"."""

import asyncio
import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from app.platform.settings import Settings
from tests.factories import World

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc_provider"
SCRIPT = PROVIDER_DIR / "provider.mjs"
INSTALLED = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"

ME = "/api/v1/me"
CLIENT_ID = "insight-app"
# A loopback redirect URI (RFC 8252 §7.3): nothing listens there, the code is read from the
# Location header.
REDIRECT_URI = "http://127.0.0.1:8765/callback"
# Resource indicators (RFC 8707) are absolute URIs; the provider maps each to an audience.
RESOURCE = "https://insight.test/api"
AUDIENCE = "insight-api"
OTHER_RESOURCE = "https://other.test/api"
OTHER_AUDIENCE = "another-api"
# Short, so that the platform stops trusting a retired key within a test.
JWKS_CACHE_SECONDS = 2

ULLA = "oidc|ulla"
VILLE = "oidc|ville"


def signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"})


@dataclass
class Tokens:
    access_token: str
    id_token: str


class OidcProvider:
    """One oidc-provider process on a fixed loopback port: restarting it with other keys
    keeps its issuer, as a provider rotating its keys does."""

    def __init__(self, node: str, directory: Path) -> None:
        self.node = node
        self.directory = directory
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.log = directory / "provider.log"
        self.keys: list[RSAKey] = []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, keys: list[RSAKey]) -> None:
        """Run the provider with `keys`: the first signs, all are published."""
        assert self.process is None, "the provider is running"
        self.keys = keys
        jwks = self.directory / "jwks.json"
        jwks.write_text(json.dumps({"keys": [key.as_dict(private=True) for key in keys]}))
        command = [
            self.node,
            str(SCRIPT),
            *("--issuer", self.issuer, "--port", str(self.port), "--jwks", str(jwks)),
            *("--client-id", CLIENT_ID, "--redirect-uri", REDIRECT_URI),
            *("--resource", f"{RESOURCE}={AUDIENCE}"),
            *("--resource", f"{OTHER_RESOURCE}={OTHER_AUDIENCE}"),
        ]
        with self.log.open("ab") as log:
            # The command is this module's own: the node found on PATH and the provider script.
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=PROVIDER_DIR, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                self.process = None
                pytest.fail(f"oidc-provider exited:\n{self.log.read_text()}")
            try:
                response = httpx.get(f"{self.issuer}/.well-known/openid-configuration")
                if response.status_code == 200 and response.json()["issuer"] == self.issuer:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"oidc-provider did not start:\n{self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, keys: list[RSAKey]) -> None:
        self.stop()
        self.start(keys)

    async def published_kids(self) -> list[str]:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{self.issuer}/jwks")
        response.raise_for_status()
        return [key["kid"] for key in response.json()["keys"]]

    async def tokens(self, subject: str, resource: str = RESOURCE) -> Tokens:
        """Sign in as `subject` through the authorization-code flow with PKCE, as the mobile
        app does, and exchange the code for tokens for `resource`."""
        verifier = secrets.token_urlsafe(48)
        challenge = _b64encode(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(16)
        async with httpx.AsyncClient(base_url=self.issuer) as http:
            response = await http.get(
                "/auth",
                params={
                    "client_id": CLIENT_ID,
                    "response_type": "code",
                    "redirect_uri": REDIRECT_URI,
                    "scope": "openid insight",
                    "resource": resource,
                    "state": state,
                    "code_challenge": challenge,
                    "code_challenge_method": "S256",
                },
            )
            # Redirects to the sign-in form, then the consent form, then back to the client.
            for _ in range(10):
                assert response.status_code in (200, 302, 303), response.text
                if response.status_code == 200:
                    response = await _submit_form(http, response, subject)
                    continue
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(REDIRECT_URI):
                    break
                response = await http.get(location)
            else:
                pytest.fail("the authorization request did not come back to the client")
            callback = parse_qs(urlsplit(location).query)
            assert callback["state"] == [state], callback
            assert callback["iss"] == [self.issuer], callback
            response = await http.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": callback["code"][0],
                    "redirect_uri": REDIRECT_URI,
                    "client_id": CLIENT_ID,
                    "code_verifier": verifier,
                    "resource": resource,
                },
            )
        assert response.status_code == 200, response.text
        body = response.json()
        return Tokens(access_token=body["access_token"], id_token=body["id_token"])


async def _submit_form(
    http: httpx.AsyncClient, page: httpx.Response, subject: str
) -> httpx.Response:
    """Fill in the provider's sign-in form (any login is accepted and becomes `sub`) or
    confirm its consent form."""
    action = re.search(r'<form[^>]* action="([^"]+)"', page.text)
    prompt = re.search(r'name="prompt" value="([^"]+)"', page.text)
    assert action is not None, page.text
    assert prompt is not None, page.text
    form = {"prompt": prompt[1]}
    if prompt[1] == "login":
        form |= {"login": subject, "password": "any"}
    return await http.post(urljoin(str(page.url), html.unescape(action[1])), data=form)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _part(token: str, index: int) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(_b64decode(token.split(".")[index]))
    return decoded


def header(token: str) -> dict[str, Any]:
    return _part(token, 0)


def claims(token: str) -> dict[str, Any]:
    return _part(token, 1)


def _encode_json(document: dict[str, Any]) -> str:
    return _b64encode(json.dumps(document).encode())


@pytest.fixture(scope="module")
def node() -> str:
    """The node executable, with oidc-provider installed next to the provider script."""
    executable = shutil.which("node")
    if executable is None:
        reason = "node is not on PATH: the tests against oidc-provider need Node.js and npm"
    elif not INSTALLED.is_file():
        reason = (
            f"oidc-provider is not installed in {PROVIDER_DIR}: run `make install` with npm "
            "on PATH (it runs `npm ci --prefix tests/oidc_provider`)"
        )
    else:
        return executable
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def provider(node: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    running = OidcProvider(node, tmp_path_factory.mktemp("oidc-provider"))
    running.start([signing_key("provider-key-1")])
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def settings(database_url: str, provider: OidcProvider) -> Settings:
    return Settings(
        database_url=database_url,
        oidc_issuer=provider.issuer,
        oidc_audience=AUDIENCE,
        oidc_jwks_cache_seconds=JWKS_CACHE_SECONDS,
    )


@pytest.fixture
async def people(session: AsyncSession, world: World) -> None:
    """Ulla in Kauppa and Ville in Pankki, each known by the subject the provider gives."""
    await org_service.create_person(
        session,
        org_id=world.kauppa.id,
        email="ulla@kauppa.test",
        display_name="Ulla Ulkoinen",
        home_unit_id=world.units["store_a"].id,
        subject=ULLA,
    )
    await org_service.create_person(
        session,
        org_id=world.pankki.id,
        email="ville@pankki.test",
        display_name="Ville Vieras",
        home_unit_id=world.units["p_branch"].id,
        subject=VILLE,
    )
    await session.commit()


async def get_me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "invalid_token"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_provider_tokens_name_the_right_person(
    client: httpx.AsyncClient, provider: OidcProvider, people: None, world: World
) -> None:
    ulla = (await provider.tokens(ULLA)).access_token
    assert header(ulla) == {"alg": "RS256", "typ": "at+jwt", "kid": "provider-key-1"}
    issued = claims(ulla)
    assert (issued["iss"], issued["aud"], issued["sub"]) == (provider.issuer, AUDIENCE, ULLA)

    me = await get_me(client, ulla)
    assert me.status_code == 200, me.text
    assert (me.json()["display_name"], me.json()["email"]) == ("Ulla Ulkoinen", "ulla@kauppa.test")
    assert me.json()["org_id"] == str(world.kauppa.id)

    me = await get_me(client, (await provider.tokens(VILLE)).access_token)
    assert me.status_code == 200, me.text
    assert (me.json()["display_name"], me.json()["org_id"]) == (
        "Ville Vieras",
        str(world.pankki.id),
    )


async def test_provider_tokens_for_unknown_people_are_refused(
    client: httpx.AsyncClient, provider: OidcProvider, people: None
) -> None:
    response = await get_me(client, (await provider.tokens("oidc|nobody")).access_token)
    assert response.status_code == 401
    assert response.json()["code"] == "unknown_subject"


def _swap_subject(token: str, provider: OidcProvider) -> str:
    """Ulla's token made to name Ville, in another organisation; the signature is kept."""
    head, _, signature = token.split(".")
    return f"{head}.{_encode_json(claims(token) | {'sub': VILLE})}.{signature}"


def _flip_signature(token: str, provider: OidcProvider) -> str:
    head, payload, signature = token.split(".")
    flipped = bytearray(_b64decode(signature))
    flipped[len(flipped) // 2] ^= 0x01
    return f"{head}.{payload}.{_b64encode(bytes(flipped))}"


def _alg_none(token: str, provider: OidcProvider) -> str:
    return f"{_encode_json({'alg': 'none', 'typ': 'at+jwt'})}.{token.split('.')[1]}."


def _hmac_with_public_key(token: str, provider: OidcProvider) -> str:
    """HS256 keyed with the provider's published public key, for a verifier that would take
    the key for a shared secret."""
    public = provider.keys[0].as_pem(private=False)
    head = _encode_json({"alg": "HS256", "typ": "at+jwt", "kid": header(token)["kid"]})
    signing_input = f"{head}.{token.split('.')[1]}"
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def _signed_by(key: RSAKey, token: str) -> str:
    """The token's claims, signed by `key` and naming its kid."""
    return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, claims(token), key)


def _unpublished_key(token: str, provider: OidcProvider) -> str:
    return _signed_by(signing_key("never-published"), token)


def _unpublished_key_under_published_kid(token: str, provider: OidcProvider) -> str:
    return _signed_by(signing_key(header(token)["kid"]), token)


FORGERIES: dict[str, Callable[[str, OidcProvider], str]] = {
    "subject-swapped": _swap_subject,
    "signature-flipped": _flip_signature,
    "alg-none": _alg_none,
    "hs256-with-public-key": _hmac_with_public_key,
    "unpublished-key": _unpublished_key,
    "unpublished-key-published-kid": _unpublished_key_under_published_kid,
}


@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
async def test_tampered_provider_tokens_are_refused(
    client: httpx.AsyncClient,
    provider: OidcProvider,
    people: None,
    forge: Callable[[str, OidcProvider], str],
) -> None:
    genuine = (await provider.tokens(ULLA)).access_token
    assert (await get_me(client, genuine)).status_code == 200
    assert_refused(await get_me(client, forge(genuine, provider)))


async def test_provider_tokens_for_another_audience_are_refused(
    client: httpx.AsyncClient, provider: OidcProvider, people: None
) -> None:
    other = (await provider.tokens(ULLA, resource=OTHER_RESOURCE)).access_token
    assert claims(other)["aud"] == OTHER_AUDIENCE
    assert header(other)["kid"] == provider.keys[0].kid
    assert_refused(await get_me(client, other))


async def test_provider_id_tokens_are_not_access_tokens(
    client: httpx.AsyncClient, provider: OidcProvider, people: None
) -> None:
    id_token = (await provider.tokens(ULLA)).id_token
    assert (claims(id_token)["sub"], claims(id_token)["aud"]) == (ULLA, CLIENT_ID)
    assert_refused(await get_me(client, id_token))


class TestKeyRotation:
    """The provider restarts with other keys while the platform keeps running."""

    @pytest.fixture
    def provider(self, node: str, tmp_path: Path) -> Iterator[OidcProvider]:
        """A provider of the test's own, since the test restarts it."""
        running = OidcProvider(node, tmp_path)
        running.start([signing_key("old-key")])
        try:
            yield running
        finally:
            running.stop()

    async def test_new_keys_are_followed_and_retired_keys_refused(
        self, client: httpx.AsyncClient, provider: OidcProvider, people: None
    ) -> None:
        old = provider.keys[0]
        old_token = (await provider.tokens(ULLA)).access_token
        assert header(old_token)["kid"] == "old-key"
        assert (await get_me(client, old_token)).status_code == 200

        # The new key signs from now on; the old one is still published.
        new = signing_key("new-key")
        await asyncio.to_thread(provider.restart, [new, old])
        assert await provider.published_kids() == ["new-key", "old-key"]
        new_token = (await provider.tokens(ULLA)).access_token
        assert header(new_token)["kid"] == "new-key"
        me = await get_me(client, new_token)
        assert me.status_code == 200, me.text
        assert me.json()["display_name"] == "Ulla Ulkoinen"
        assert (await get_me(client, old_token)).status_code == 200

        # The old key is retired: once the platform's cached key set expires, tokens it
        # signed are refused and the new key's still pass.
        await asyncio.to_thread(provider.restart, [new])
        assert await provider.published_kids() == ["new-key"]
        await asyncio.sleep(JWKS_CACHE_SECONDS + 0.5)
        assert_refused(await get_me(client, old_token))
        assert (await get_me(client, new_token)).status_code == 200
