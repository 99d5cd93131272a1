"""Who manages webhooks, and which addresses they may send to."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.org.models import Role
from app.org.principal import Principal
from app.platform.errors import Forbidden, InvalidInput

LOOPBACK_HOSTS = {"localhost", "127.0.0.1"}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def require_admin(actor: Principal) -> None:
    """Webhooks carry the whole organisation's timeline: administrators only."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators manage webhooks.", code="not_an_admin")


def check_url(url: str, *, allow_loopback: bool) -> None:
    """Refuse a target the platform must not call: not HTTPS, or an internal address written
    out. Names are resolved again at every delivery (`check_address`), since DNS changes."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        raise InvalidInput("The webhook URL needs a host and no credentials.", code="invalid_url")
    loopback = allow_loopback and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise InvalidInput("Webhook URLs must use https.", code="webhook_url_not_https")
    if loopback:
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise InvalidInput("The webhook URL names an internal host.", code="webhook_url_internal")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    check_address(address, allow_loopback=False)


async def check_resolved(url: str, *, allow_loopback: bool) -> None:
    """Resolve the host now and refuse it when any address it names is internal: a name in
    the hosts file, or a number the resolver reads as an address (`2130706433`, `0x7f.1`,
    `127.1`). A name that does not resolve yet is let through; every delivery resolves it
    again before connecting."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if allow_loopback and host in LOOPBACK_HOSTS:
            continue
        check_address(address, allow_loopback=False)


def check_address(address: IPAddress, *, allow_loopback: bool) -> None:
    """Only public addresses, so that a subscription cannot probe the platform's own network
    (cloud metadata, databases, admin consoles)."""
    if allow_loopback and address.is_loopback:
        return
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if not address.is_global:
        raise InvalidInput(
            f"The webhook target {address} is not a public address.", code="webhook_url_internal"
        )
