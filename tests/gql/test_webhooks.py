"""Webhooks over GraphQL: the same rules and log as over REST."""

from datetime import UTC, datetime, timedelta

from app.platform import clock
from app.webhooks import delivery
from tests.gql.client import GraphQL, codes
from tests.webhooks.receiver import running_receiver

NINE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_an_administrator_manages_a_webhook_and_reads_its_log(gql: GraphQL) -> None:
    gql.world.runtime.settings = gql.world.runtime.settings.model_copy(
        update={"webhook_allow_loopback": True}
    )
    refused = await gql.run("mia", "CreateWebhook", input={"url": "https://hooks.example.com/"})
    assert codes(refused) == ["not_an_admin"]
    unsafe = await gql.run("aaro", "CreateWebhook", input={"url": "https://10.0.0.1/"})
    assert codes(unsafe) == ["webhook_url_internal"]

    clock.freeze(NINE)
    try:
        with running_receiver() as receiver:
            made = await gql.data(
                "aaro",
                "CreateWebhook",
                input={"url": receiver.url, "eventTypes": ["POSTED"], "description": "CRM"},
            )
            hook = made["createWebhook"]["webhook"]
            assert made["createWebhook"]["secret"].startswith("whsec_")
            await gql.data("anna", "PostInsight", input={"kind": "IDEA", "text": "Idea."})
            sessions = gql.world.runtime.sessions
            async with delivery.new_client() as http:
                await delivery.deliver_round(sessions, http, allow_loopback=True)
                clock.freeze(NINE + timedelta(seconds=5))
                await delivery.deliver_round(sessions, http, allow_loopback=True)
    finally:
        clock.freeze(None)

    shown = await gql.data("aaro", "Webhook", id=hook["id"])
    (entry,) = shown["webhook"]["deliveries"]
    assert entry["eventType"] == "posted"
    assert entry["state"] == "SUCCEEDED"
    assert [a["statusCode"] for a in entry["attempts"]] == [500, 204]

    paused = await gql.data("aaro", "UpdateWebhook", input={"id": hook["id"], "active": False})
    assert paused["updateWebhook"]["webhook"]["active"] is False
    rotated = await gql.data("aaro", "RotateWebhookSecret", input={"id": hook["id"]})
    assert rotated["rotateWebhookSecret"]["secret"] != made["createWebhook"]["secret"]
    assert [w["id"] for w in (await gql.data("aaro", "Webhooks"))["webhooks"]] == [hook["id"]]
    assert (await gql.data("pekka", "Webhooks"))["webhooks"] == []
    await gql.data("aaro", "DeleteWebhook", input={"id": hook["id"]})
    assert (await gql.data("aaro", "Webhook", id=hook["id"]))["webhook"] is None
