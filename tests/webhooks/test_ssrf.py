"""SSRF: a webhook can never make the platform call into its own network – not by an
address written out, not by a number or name the resolver turns into an internal address,
and not by a redirect from a public receiver."""

import ipaddress
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.webhooks import delivery
from app.webhooks.service import Outgoing
from tests.factories import World
from tests.servers import serving

API = "/api/v1"


def _hostname_inside() -> list[str]:
    """This machine's own name, when the hosts file points it inside (as it usually does)."""
    name = socket.gethostname()
    try:
        address = ipaddress.ip_address(socket.gethostbyname(name))
    except (OSError, ValueError):
        return []
    return [] if address.is_global else [name]


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f000001",  # and in hexadecimal
        "127.1",  # the short form
        "0177.0.0.1",  # octal
        "0.0.0.0",  # noqa: S104 (a target to refuse, not an address to bind)
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::ffff:a9fe:a9fe]",  # the cloud metadata address, mapped
        "[fe80::1]",  # link-local
        "100.64.0.1",  # carrier-grade NAT
        "198.18.0.1",  # benchmarking networks
        *_hostname_inside(),
    ],
)
async def test_internal_targets_in_disguise_are_refused(
    client: httpx.AsyncClient, world: World, host: str
) -> None:
    aaro = await world.auth("aaro")
    made = await client.post(f"{API}/webhooks", json={"url": f"https://{host}/in"}, headers=aaro)
    assert (made.status_code, made.json()["code"]) == (422, "webhook_url_internal"), made.text
    # Nor can an existing subscription be pointed there.
    hook = await client.post(
        f"{API}/webhooks", json={"url": "https://hooks.example.com/in"}, headers=aaro
    )
    moved = await client.patch(
        f"{API}/webhooks/{hook.json()['webhook']['id']}",
        json={"url": f"https://{host}/in"},
        headers=aaro,
    )
    assert (moved.status_code, moved.json()["code"]) == (422, "webhook_url_internal")


class _Redirector:
    """A receiver that answers every delivery with a redirect into the internal network,
    and notes whether anything followed it."""

    def __init__(self) -> None:
        self.followed = 0
        self.url = ""

    async def hook(self, request: Request) -> Response:
        return Response(status_code=307, headers={"location": self.url.replace("/hook", "/inside")})

    async def inside(self, request: Request) -> Response:
        self.followed += 1
        return Response(status_code=204)


@pytest.fixture
def redirector() -> Iterator[_Redirector]:
    target = _Redirector()
    app = Starlette(
        routes=[
            Route("/hook", target.hook, methods=["POST"]),
            Route("/inside", target.inside, methods=["GET", "POST"]),
        ]
    )
    with serving(app) as url:
        target.url = f"{url}/hook"
        yield target


async def test_a_redirect_is_never_followed(redirector: _Redirector) -> None:
    outgoing = Outgoing(
        org_id=uuid.uuid4(),
        delivery_id=uuid.uuid4(),
        message_id="msg_1",
        url=redirector.url,
        secret="whsec_" + "a" * 32,
        body=b"{}",
        attempt=1,
    )
    async with delivery.new_client() as http:
        # The receiver is on loopback, which only this test allows.
        result = await delivery.send(http, outgoing, allow_loopback=True)
    assert result.status_code == 307
    assert not result.succeeded
    assert redirector.followed == 0


async def test_a_name_that_turns_internal_is_refused_at_delivery() -> None:
    outgoing = Outgoing(
        org_id=uuid.uuid4(),
        delivery_id=uuid.uuid4(),
        message_id="msg_2",
        url="https://2130706433:9/in",
        secret="whsec_" + "a" * 32,
        body=b"{}",
        attempt=1,
    )
    async with delivery.new_client() as http:
        result = await delivery.send(http, outgoing, allow_loopback=False)
    assert result.status_code is None
    assert result.error is not None and "not a public address" in result.error
