"""With an external identity provider configured, the platform finds its keys through
discovery, follows key rotation without a restart and refuses keys it was never shown.
The provider is a real HTTP server on the loopback interface."""

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.auth.tokens import RemoteKeys, TokenValidator
from app.org import service as org_service
from app.platform import clock
from app.platform.errors import Unauthenticated
from app.platform.settings import Settings
from tests.factories import World

ME = "/api/v1/me"
SUBJECT = "ext|123"
AUDIENCE = "insight-api"


class Provider:
    """A stand-in OpenID provider: a discovery document and a JWKS. Rotation publishes a new
    key that signs from then on, next to the previous one, as providers do so that tokens
    already out stay good. `available = False` makes it answer 503."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.discovered_issuer = issuer
        self.available = True
        self.jwks_fetches = 0
        self.published: list[RSAKey] = []
        self.rotate()

    def rotate(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"key-{len(self.published)}"})
        self.published = [self.key, *self.published[:1]]

    def token(self, key: RSAKey | None = None, **overrides: Any) -> str:
        key = key or self.key
        now = int(clock.now().timestamp())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": SUBJECT, "iat": now}
        claims |= {"exp": now + 300, **overrides}
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def app(self) -> Starlette:
        async def discovery(request: Request) -> JSONResponse:
            if not self.available:
                return JSONResponse({}, status_code=503)
            return JSONResponse(
                {"issuer": self.discovered_issuer, "jwks_uri": f"{self.issuer}/keys"}
            )

        async def keys(request: Request) -> JSONResponse:
            if not self.available:
                return JSONResponse({}, status_code=503)
            self.jwks_fetches += 1
            return JSONResponse({"keys": [key.as_dict(private=False) for key in self.published]})

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/keys", keys),
            ]
        )


@pytest.fixture
def provider() -> Iterator[Provider]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    provider = Provider(f"http://127.0.0.1:{listener.getsockname()[1]}")
    server = uvicorn.Server(uvicorn.Config(provider.app(), lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the stand-in provider did not start"
        time.sleep(0.01)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def settings(database_url: str, provider: Provider) -> Settings:
    return Settings(database_url=database_url, oidc_issuer=provider.issuer, oidc_audience=AUDIENCE)


@pytest.fixture
async def person(session: AsyncSession, world: World) -> None:
    await org_service.create_person(
        session,
        org_id=world.kauppa.id,
        email="ext@kauppa.test",
        display_name="Ulla Ulkoinen",
        home_unit_id=world.units["store_a"].id,
        subject=SUBJECT,
    )
    await session.commit()


async def get_me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get(ME, headers={"Authorization": f"Bearer {token}"})


async def test_tokens_follow_key_rotation_and_unknown_keys_are_refused(
    client: httpx.AsyncClient, provider: Provider, person: None
) -> None:
    first = await get_me(client, provider.token())
    assert first.status_code == 200, first.text
    assert first.json()["display_name"] == "Ulla Ulkoinen"

    old_key = provider.key
    provider.rotate()
    rotated = await get_me(client, provider.token())
    assert rotated.status_code == 200, rotated.text
    assert (await get_me(client, provider.token(old_key))).status_code == 200
    assert provider.jwks_fetches == 2

    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-unknown"})
    for _ in range(5):
        refused = await get_me(client, provider.token(stranger))
        assert refused.status_code == 401
        assert refused.json()["code"] == "invalid_token"
        assert refused.headers["www-authenticate"] == "Bearer"
    # Tokens naming unknown keys cannot make the platform hammer the provider.
    assert provider.jwks_fetches == 2


async def test_provider_key_under_a_known_kid_is_refused(
    client: httpx.AsyncClient, provider: Provider, person: None
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": provider.key.kid})
    refused = await get_me(client, provider.token(impostor))
    assert refused.status_code == 401
    assert refused.json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    "overrides",
    [{"iss": "https://elsewhere.example"}, {"aud": "another-api"}, {"sub": "ext|unknown"}],
    ids=["issuer", "audience", "subject"],
)
async def test_provider_tokens_with_wrong_claims_are_refused(
    client: httpx.AsyncClient, provider: Provider, person: None, overrides: dict[str, str]
) -> None:
    refused = await get_me(client, provider.token(**overrides))
    assert refused.status_code == 401
    assert refused.json()["code"] in ("invalid_token", "unknown_subject")


async def test_cached_keys_serve_while_the_provider_is_down(
    client: httpx.AsyncClient, provider: Provider, person: None
) -> None:
    assert (await get_me(client, provider.token())).status_code == 200
    provider.available = False
    # An unknown key makes the platform try the provider, in vain; the keys it has still serve.
    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-unknown"})
    refused = await get_me(client, provider.token(stranger))
    assert (refused.status_code, refused.json()["code"]) == (401, "invalid_token")
    assert (await get_me(client, provider.token())).status_code == 200


async def test_unreachable_provider_is_a_503_not_a_bad_token(
    client: httpx.AsyncClient, provider: Provider, person: None
) -> None:
    provider.available = False
    response = await get_me(client, provider.token())
    assert response.status_code == 503
    assert response.json()["code"] == "issuer_unavailable"


async def test_discovery_naming_another_issuer_is_not_trusted(
    client: httpx.AsyncClient, provider: Provider, person: None
) -> None:
    provider.discovered_issuer = "https://attacker.example"
    response = await get_me(client, provider.token(iss="https://attacker.example"))
    assert response.status_code == 503
    assert provider.jwks_fetches == 0


async def test_the_platform_is_not_an_issuer_then(client: httpx.AsyncClient) -> None:
    for path in ("/.well-known/openid-configuration", "/oauth/jwks", "/oauth/authorize"):
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get("/healthz")).status_code == 200


async def test_subject_may_come_from_another_claim(provider: Provider) -> None:
    validator = TokenValidator(
        issuer=provider.issuer,
        audience=AUDIENCE,
        keys=RemoteKeys(provider.issuer, cache_seconds=300),
        subject_claim="oid",
    )
    claims = await validator.validate(provider.token(oid="person-7"))
    assert claims["oid"] == "person-7"
    with pytest.raises(Unauthenticated):
        await validator.validate(provider.token())
