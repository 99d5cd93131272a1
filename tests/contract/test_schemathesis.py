"""schemathesis against the running API, once per role: the REST API from its OpenAPI
document and the GraphQL API from its published schema. Every generated request must get
an answer its contract allows: no server error, only documented status codes and content
types, and bodies that match the documented schemas."""

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.main import create_app
from app.platform.db import create_engine
from app.platform.settings import Settings
from app.tables import metadata
from app.web.runtime import Runtime
from tests.factories import World
from tests.servers import serving

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
# One person per role, and someone of another organisation.
ROLES = {
    "frontline": "anna",
    "manager": "mia",
    "hr": "hanna",
    "admin": "aaro",
    "other_organisation": "pekka",
}
# Every check schemathesis has, with the statuses of tests/contract/schemathesis.toml.
REST_CHECKS = "all"
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
COUNTED = re.compile(r"(\d+) generated")


@dataclasses.dataclass
class Served:
    url: str
    world: World


@pytest.fixture
async def served(
    committed: tuple[World, async_sessionmaker[AsyncSession]], settings: Settings, database_url: str
) -> AsyncIterator[Served]:
    """The platform in a real HTTP server on loopback, over the committed world."""
    world, _ = committed
    settings = settings.model_copy(
        update={
            "rate_limit_person_per_minute": 0,
            "rate_limit_org_per_minute": 0,
            "inprocess_worker": False,
        }
    )
    engine = create_engine(database_url, pool_size=2)
    # Tokens signed with keys the server reads from the database (committed ones).
    world = dataclasses.replace(world, runtime=Runtime.build(settings, engine=engine))
    try:
        with serving(create_app(settings), lifespan="on", timeout=30) as url:
            yield Served(url, world)
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(metadata.tables["idempotency_keys"]))
        await engine.dispose()


def _run(arguments: list[str], env: dict[str, str] | None = None) -> tuple[int, int, str]:
    assert shutil.which(str(ST)), "schemathesis is installed with the dev extras"
    # The command line is this module's own: the server's URL, a token and options.
    done = subprocess.run(  # noqa: S603
        [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            *arguments,
            "--generation-deterministic",
            "--no-color",
            "-w",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    output = done.stdout + done.stderr
    counted = COUNTED.findall(output)
    return done.returncode, int(counted[-1]) if counted else 0, output


@pytest.mark.parametrize("role", ROLES)
async def test_rest_api_holds_its_contract(served: Served, role: str) -> None:
    token = await served.world.token(ROLES[role])
    code, cases, output = _run(
        [
            f"{served.url}/openapi.json",
            "--include-path-regex",
            "^/api/",
            "-H",
            f"Authorization: Bearer {token}",
            "-n",
            "8",
            "--checks",
            REST_CHECKS,
            "--phases",
            "examples,fuzzing",
        ]
    )
    print(f"REST as {role}: {cases} cases")
    assert code == 0, output[-6000:]
    assert cases >= 300, output[-2000:]


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
async def test_graphql_api_holds_its_contract(served: Served, role: str) -> None:
    headers = []
    if role != "anonymous":
        headers = ["-H", f"Authorization: Bearer {await served.world.token(ROLES[role])}"]
    code, cases, output = _run(
        [
            "graphql/schema.graphql",
            "--url",
            f"{served.url}/graphql",
            *headers,
            "-n",
            "5",
            # Every check; schemathesis' own server-error check counts every GraphQL error
            # as the server's, so `no_server_error_in_graphql` (tests/contract/st_hooks.py)
            # reads each error's status instead.
            "--checks",
            "all",
            "--exclude-checks",
            "not_a_server_error",
            "--phases",
            "examples,fuzzing",
        ],
        env={"SCHEMATHESIS_HOOKS": "tests.contract.st_hooks"},
    )
    print(f"GraphQL as {role}: {cases} cases")
    assert code == 0, output[-6000:]
    assert cases >= 40, output[-2000:]
