"""The `insight` command as a person starts it: the address it serves is the address it
tells clients, and it starts without warnings."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app import cli
from app.main import create_app
from app.platform.settings import Settings
from app.web.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent


def _served(monkeypatch: pytest.MonkeyPatch, *argv: str) -> Settings:
    """The settings `insight serve` would run with, given `argv`."""
    served: list[Settings] = []

    def serve(settings: Settings, url: str, seed_demo: bool, processes: int = 1) -> None:
        served.append(settings)

    monkeypatch.setattr(cli, "_serve", serve)
    cli.main(["serve", *argv])
    return served[0]


@pytest.fixture
def no_address_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("INSIGHT_PUBLIC_URL", "INSIGHT_HOST", "INSIGHT_PORT", "INSIGHT_OIDC_ISSUER"):
        monkeypatch.delenv(name, raising=False)
    # No .env of the developer's: the settings are the environment's alone.
    monkeypatch.chdir(tmp_path)


async def _discovery(
    settings: Settings, database_url: str, engine: AsyncEngine, sessions: Any
) -> dict[str, Any]:
    runtime = Runtime.build(settings.model_copy(update={"database_url": database_url}), engine)
    runtime.sessions = sessions
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        response = await client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.usefixtures("no_address_settings")
async def test_discovery_names_the_port_served(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    settings = _served(monkeypatch, "--port", "8101")
    assert (settings.host, settings.port) == ("127.0.0.1", 8101)
    discovery = await _discovery(settings, database_url, engine, sessions)
    assert discovery["issuer"] == "http://127.0.0.1:8101"
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        assert discovery[endpoint].startswith("http://127.0.0.1:8101/"), endpoint


@pytest.mark.usefixtures("no_address_settings")
async def test_public_url_wins_over_the_address_served(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    monkeypatch.setenv("INSIGHT_PUBLIC_URL", "https://insight.example/")
    settings = _served(monkeypatch, "--host", "0.0.0.0", "--port", "8101")  # noqa: S104
    discovery = await _discovery(settings, database_url, engine, sessions)
    assert discovery["issuer"] == "https://insight.example"
    assert discovery["token_endpoint"].startswith("https://insight.example/")


@pytest.mark.usefixtures("no_address_settings")
def test_the_environment_names_the_address_for_every_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `insight token` signs with the issuer of a server started with the same environment.
    monkeypatch.setenv("INSIGHT_PORT", "8102")
    assert Settings().issuer == "http://127.0.0.1:8102"
    assert _served(monkeypatch).issuer == "http://127.0.0.1:8102"
    # Every interface is reached through loopback on this machine.
    everywhere = "0.0.0.0"  # noqa: S104 (where the server listens in a container)
    assert _served(monkeypatch, "--host", everywhere).issuer == "http://127.0.0.1:8102"
    assert _served(monkeypatch, "--host", "::").issuer == "http://[::1]:8102"
    assert Settings().model_copy(update={"port": 9000}).issuer == "http://127.0.0.1:9000"


def _quiet(*argv: str) -> subprocess.CompletedProcess[str]:
    # As on a server or in a container: no XDG_RUNTIME_DIR, every warning shown.
    environment = {**os.environ, "PYTHONWARNINGS": "default"}
    environment.pop("XDG_RUNTIME_DIR", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, *argv],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_starts_without_warnings() -> None:
    result = _quiet("-m", "app.cli", "--help")
    assert result.returncode == 0, result.stderr
    assert "usage: insight" in result.stdout
    assert result.stderr == ""
    # Every command that runs the embedded PostgreSQL loads its module first.
    loaded = _quiet("-c", "from app.platform.db import _embedded_servers; _embedded_servers()")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stderr == ""
