"""Webhook subscriptions over REST: administrators only, safe targets only."""

import httpx
import pytest

from app.platform.errors import InvalidInput
from app.web.runtime import Runtime
from app.webhooks import policies
from tests.factories import World

API = "/api/v1"


async def test_an_administrator_manages_subscriptions(
    client: httpx.AsyncClient, world: World
) -> None:
    aaro = await world.auth("aaro")
    created = await client.post(
        f"{API}/webhooks",
        json={"url": "https://hooks.example.com/in", "event_types": ["resolved", "posted"]},
        headers=aaro,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    hook_id = body["webhook"]["id"]
    assert created.headers["location"] == f"/api/v1/webhooks/{hook_id}"
    assert body["secret"].startswith("whsec_")
    assert body["webhook"]["event_types"] == ["posted", "resolved"]

    shown = await client.get(f"{API}/webhooks/{hook_id}", headers=aaro)
    assert "secret" not in shown.json()
    assert [h["id"] for h in (await client.get(f"{API}/webhooks", headers=aaro)).json()] == [
        hook_id
    ]

    paused = await client.patch(
        f"{API}/webhooks/{hook_id}", json={"active": False, "event_types": []}, headers=aaro
    )
    assert (paused.json()["active"], paused.json()["event_types"]) == (False, [])

    rotated = await client.post(f"{API}/webhooks/{hook_id}/rotate-secret", headers=aaro)
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != body["secret"]

    assert (await client.delete(f"{API}/webhooks/{hook_id}", headers=aaro)).status_code == 204
    assert (await client.get(f"{API}/webhooks/{hook_id}", headers=aaro)).status_code == 404


async def test_only_administrators_see_webhooks(client: httpx.AsyncClient, world: World) -> None:
    for who in ("anna", "mia", "hanna"):
        headers = await world.auth(who)
        listed = await client.get(f"{API}/webhooks", headers=headers)
        assert (listed.status_code, listed.json()["code"]) == (403, "not_an_admin")
        made = await client.post(
            f"{API}/webhooks", json={"url": "https://hooks.example.com/in"}, headers=headers
        )
        assert made.status_code == 403


async def test_another_organisations_administrator_sees_none(
    client: httpx.AsyncClient, world: World
) -> None:
    await client.post(
        f"{API}/webhooks",
        json={"url": "https://hooks.example.com/in"},
        headers=await world.auth("aaro"),
    )
    listed = await client.get(f"{API}/webhooks", headers=await world.auth("pekka"))
    assert listed.json() == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.example.com/in", "webhook_url_not_https"),
        ("ftp://hooks.example.com/in", "webhook_url_not_https"),
        ("http://127.0.0.1:8000/in", "webhook_url_not_https"),
        ("https://localhost/in", "webhook_url_internal"),
        ("https://10.1.2.3/in", "webhook_url_internal"),
        ("https://192.168.0.10/in", "webhook_url_internal"),
        ("https://169.254.169.254/latest/meta-data", "webhook_url_internal"),
        ("https://[::1]/in", "webhook_url_internal"),
        ("https://[fd00::1]/in", "webhook_url_internal"),
        ("https://user:pw@hooks.example.com/in", "invalid_url"),
    ],
)
async def test_unsafe_targets_are_refused(
    client: httpx.AsyncClient, world: World, url: str, code: str
) -> None:
    made = await client.post(f"{API}/webhooks", json={"url": url}, headers=await world.auth("aaro"))
    assert (made.status_code, made.json()["code"]) == (422, code)


async def test_loopback_is_allowed_only_when_configured(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"webhook_allow_loopback": True})
    aaro = await world.auth("aaro")
    for url in ("http://127.0.0.1:8765/hook", "http://localhost:8765/hook"):
        made = await client.post(f"{API}/webhooks", json={"url": url}, headers=aaro)
        assert made.status_code == 201, made.text
    private = await client.post(
        f"{API}/webhooks", json={"url": "http://10.0.0.1/hook"}, headers=aaro
    )
    assert private.json()["code"] == "webhook_url_not_https"
    with pytest.raises(InvalidInput):
        policies.check_url("https://10.0.0.1/hook", allow_loopback=True)
