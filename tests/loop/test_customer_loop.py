"""The customer loop: a consented contact at posting, telling the customer with proof of
delivery, and erasing the contact on request while the insight stays."""

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import CustomerContact, EventType, InsightEvent
from app.loop.channels import CustomerMessage, DeliveryReport, channel_from
from app.loop.models import DeliveryStatus
from app.platform import request_ids
from app.web.runtime import Runtime
from tests.factories import World
from tests.insights.test_api import post_insight

API = "/api/v1"
NAME, ADDRESS = "Liisa Asiakas", "liisa.asiakas@example.fi"
CONTACT = {"name": NAME, "channel": "email", "address": ADDRESS, "consent": True}


class Confirming:
    """A channel that confirms delivery at once, keeping what it delivered."""

    def __init__(self) -> None:
        self.delivered: list[CustomerMessage] = []

    async def send(self, message: CustomerMessage) -> DeliveryReport:
        self.delivered.append(message)
        return DeliveryReport(DeliveryStatus.DELIVERED)


class Refusing:
    async def send(self, message: CustomerMessage) -> DeliveryReport:
        return DeliveryReport(DeliveryStatus.FAILED, "mailbox unavailable")


class HandingOver:
    async def send(self, message: CustomerMessage) -> DeliveryReport:
        return DeliveryReport(DeliveryStatus.SENT)


async def _tell_customer(
    client: httpx.AsyncClient, world: World, who: str, iid: str, message: str = "Kiitos!"
) -> httpx.Response:
    return await client.post(
        f"{API}/insights/{iid}/communications",
        json={"message": message, "audience": "customer"},
        headers=await world.auth(who),
    )


async def _with_contact(client: httpx.AsyncClient, world: World, **contact: Any) -> dict[str, Any]:
    return await post_insight(
        client,
        world,
        "anna",
        kind="customer_story",
        text="Asiakas odotti palautusta kaksi viikkoa.",
        customer_contact={**CONTACT, **contact},
    )


async def test_contact_needs_consent_and_a_reachable_address(
    client: httpx.AsyncClient, world: World
) -> None:
    anna = await world.auth("anna")
    for contact in (
        {k: v for k, v in CONTACT.items() if k != "consent"},
        {**CONTACT, "consent": False},
        {**CONTACT, "address": "not an address"},
        {**CONTACT, "channel": "sms", "address": "call me"},
        {**CONTACT, "channel": "in_app"},
    ):
        response = await client.post(
            f"{API}/insights",
            json={
                "kind": "idea",
                "text": "Asiakas toivoi kotiinkuljetusta.",
                "customer_contact": contact,
            },
            headers=anna,
        )
        assert (response.status_code, response.json()["code"]) == (422, "validation_error"), contact


async def test_managers_reach_the_customer_and_delivery_is_recorded(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    channel = Confirming()
    runtime.customer_channel = channel
    insight = await _with_contact(client, world, consent_text="Saa ottaa yhteyttä.")
    iid = insight["id"]
    contact = insight["customer_contact"]
    assert (contact["name"], contact["address"], contact["channel"]) == (NAME, ADDRESS, "email")
    assert contact["told_at"] is None
    assert contact["owner"] is None
    # Due by the organisation's default: 72 hours after posting.
    assert contact["due_at"] > insight["created_at"]

    mia_view = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))).json()
    assert mia_view["customer_contact"]["address"] == ADDRESS
    # HR reads the insight, but does not reach customers.
    hanna_view = await client.get(f"{API}/insights/{iid}", headers=await world.auth("hanna"))
    assert hanna_view.json()["customer_contact"]["channel"] == "email"
    assert NAME not in hanna_view.text and ADDRESS not in hanna_view.text

    # The reporter's loop and the customer's are separate.
    told = await _tell_customer(client, world, "mia", iid, "Palautus on nyt käsitelty.")
    assert told.status_code == 201, told.text
    message = told.json()
    assert (message["audience"], message["channel"], message["status"]) == (
        "customer",
        "email",
        "delivered",
    )
    assert message["sent_at"] is not None and message["delivered_at"] is not None
    assert [(m.address, m.text) for m in channel.delivered] == [
        (ADDRESS, "Palautus on nyt käsitelty.")
    ]
    after = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))).json()
    assert after["customer_contact"]["told_at"] is not None
    assert after["customer_contact"]["owner"]["display_name"] == "Mia"
    assert after["loop_closed_at"] is None
    assert [a["audience"] for a in after["answers"]] == ["customer"]
    # The reporter is not shown the message to the customer.
    anna_view = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("anna"))).json()
    assert anna_view["answers"] == []
    timeline = (
        await client.get(f"{API}/insights/{iid}/timeline", headers=await world.auth("mia"))
    ).json()
    assert timeline[-1]["type"] == "customer_told"
    assert timeline[-1]["data"]["status"] == "delivered"
    assert ADDRESS not in json.dumps(timeline)


async def test_delivery_states_sent_and_failed(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = (await _with_contact(client, world, channel="sms", address="+358 40 123 4567"))["id"]
    runtime.customer_channel = Refusing()
    failed = (await _tell_customer(client, world, "mia", iid)).json()
    assert (failed["channel"], failed["status"]) == ("sms", "failed")
    assert failed["failure_reason"] == "mailbox unavailable"
    assert failed["failed_at"] is not None and failed["delivered_at"] is None
    detail = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))).json()
    assert detail["customer_contact"]["told_at"] is None

    runtime.customer_channel = HandingOver()
    sent = (await _tell_customer(client, world, "mia", iid, "Uusi yritys.")).json()
    assert (sent["status"], sent["delivered_at"]) == ("sent", None)
    assert sent["sent_at"] is not None


async def test_customer_loop_owner_and_deadline(client: httpx.AsyncClient, world: World) -> None:
    iid = (await _with_contact(client, world))["id"]
    mia = await world.auth("mia")
    changed = await client.put(
        f"{API}/insights/{iid}/customer-loop",
        json={"owner_id": str(world.people["rita"].id), "due_at": "2030-01-02T09:00:00+00:00"},
        headers=mia,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["owner"]["display_name"] == "Rita"
    assert changed.json()["due_at"].startswith("2030-01-02T09:00:00")
    not_manager = await client.put(
        f"{API}/insights/{iid}/customer-loop",
        json={"owner_id": str(world.people["max"].id)},
        headers=mia,
    )
    assert (not_manager.status_code, not_manager.json()["code"]) == (
        422,
        "owner_not_insight_manager",
    )
    by_reporter = await client.put(
        f"{API}/insights/{iid}/customer-loop", json={}, headers=await world.auth("anna")
    )
    assert by_reporter.status_code == 403


async def test_no_contact_no_customer_message(client: httpx.AsyncClient, world: World) -> None:
    iid = (await post_insight(client, world, "anna"))["id"]
    told = await _tell_customer(client, world, "mia", iid)
    assert (told.status_code, told.json()["code"]) == (409, "no_customer_contact")


async def test_erasure_removes_the_contact_for_good_and_keeps_the_insight(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    iid = (await _with_contact(client, world))["id"]
    outsider = await client.delete(
        f"{API}/insights/{iid}/customer-contact", headers=await world.auth("ben")
    )
    assert outsider.status_code == 404
    colleague = await client.delete(
        f"{API}/insights/{iid}/customer-contact", headers=await world.auth("aku")
    )
    assert (colleague.status_code, colleague.json()["code"]) == (403, "not_contact_keeper")

    erased = await client.delete(
        f"{API}/insights/{iid}/customer-contact", headers=await world.auth("anna")
    )
    assert erased.status_code == 204, erased.text
    again = await client.delete(
        f"{API}/insights/{iid}/customer-contact", headers=await world.auth("mia")
    )
    assert again.status_code == 204

    row = await session.scalar(select(CustomerContact).where(CustomerContact.insight_id == iid))
    assert row is not None
    assert (row.name, row.address) == (None, None)
    assert row.erased_at is not None and row.consented_at is not None

    events = list(
        await session.scalars(
            select(InsightEvent).where(
                InsightEvent.insight_id == iid,
                InsightEvent.type == EventType.CUSTOMER_CONTACT_ERASED,
            )
        )
    )
    # Nothing but the request id that made it (which the timeline never shows).
    assert [request_ids.unstamped(e.data) for e in events] == [{}]
    assert all(len(e.data[request_ids.EVENT_KEY]) == 32 for e in events)

    responses = []
    for who, path in (
        ("mia", f"/insights/{iid}"),
        ("mia", "/inbox"),
        ("mia", f"/insights/{iid}/timeline"),
        ("anna", f"/insights/{iid}"),
        ("anna", "/me/insights"),
        ("hanna", "/insights"),
    ):
        response = await client.get(f"{API}{path}", headers=await world.auth(who))
        assert response.status_code == 200, response.text
        responses.append(response.text)
    assert not any(NAME in text or ADDRESS in text for text in responses)
    detail = json.loads(responses[0])
    assert detail["text"] == "Asiakas odotti palautusta kaksi viikkoa."
    assert detail["customer_contact"]["erased_at"] is not None
    assert detail["customer_contact"]["name"] is None

    told = await _tell_customer(client, world, "mia", iid)
    assert (told.status_code, told.json()["code"]) == (409, "customer_contact_erased")


async def test_merged_duplicates_customers_are_told_with_the_parent(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    channel = Confirming()
    runtime.customer_channel = channel
    parent = (await post_insight(client, world, "aku", text="Palautukset jonottavat."))["id"]
    child = (await _with_contact(client, world))["id"]
    merged = await client.post(
        f"{API}/insights/{parent}/merge",
        json={"insight_ids": [child]},
        headers=await world.auth("mia"),
    )
    assert merged.status_code == 200, merged.text
    told = await _tell_customer(client, world, "mia", parent, "Palautukset nopeutuvat.")
    assert told.status_code == 201, told.text
    assert [m.address for m in channel.delivered] == [ADDRESS]
    child_view = (
        await client.get(f"{API}/insights/{child}", headers=await world.auth("mia"))
    ).json()
    assert child_view["customer_contact"]["told_at"] is not None


async def test_without_a_channel_sms_and_phone_await_a_person_who_marks_them_delivered(
    client: httpx.AsyncClient, world: World
) -> None:
    # The runtime's channel with neither SMTP nor an SMS gateway configured.
    for channel, address in (("sms", "+358 40 123 4567"), ("phone", "040 123 4567")):
        iid = (await _with_contact(client, world, channel=channel, address=address))["id"]
        told = await _tell_customer(client, world, "mia", iid)
        assert told.status_code == 201, told.text
        message = told.json()
        assert (message["channel"], message["status"]) == (channel, "awaiting_person")
        assert message["sent_at"] is None and message["delivered_at"] is None
        mia = await world.auth("mia")
        detail = (await client.get(f"{API}/insights/{iid}", headers=mia)).json()
        assert detail["customer_contact"]["told_at"] is None
        assert detail["answers"][0]["status"] == "awaiting_person"

        mark = f"{API}/communications/{message['id']}/delivered"
        # The reporter reads the insight but does not act on it; another store does not see it.
        by_reporter = await client.post(mark, headers=await world.auth("anna"))
        assert (by_reporter.status_code, by_reporter.json()["code"]) == (
            403,
            "not_insight_manager",
        )
        assert (await client.post(mark, headers=await world.auth("max"))).status_code == 404
        missing = f"{API}/communications/{uuid.uuid4()}/delivered"
        assert (await client.post(missing, headers=mia)).status_code == 404

        marked = await client.post(mark, headers=mia)
        assert marked.status_code == 200, marked.text
        assert marked.json()["status"] == "delivered"
        assert marked.json()["delivered_at"] is not None
        again = await client.post(mark, headers=mia)
        assert (again.status_code, again.json()["delivered_at"]) == (
            200,
            marked.json()["delivered_at"],
        )
        detail = (await client.get(f"{API}/insights/{iid}", headers=mia)).json()
        assert detail["customer_contact"]["told_at"] is not None
        timeline = (await client.get(f"{API}/insights/{iid}/timeline", headers=mia)).json()
        assert [e["data"]["status"] for e in timeline if e["type"] == "customer_told"] == [
            "awaiting_person",
            "delivered",
        ]


async def test_only_a_message_awaiting_a_person_is_marked_by_hand(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    runtime.customer_channel = channel_from(email=True, sms=False)
    iid = (await _with_contact(client, world))["id"]
    queued = (await _tell_customer(client, world, "mia", iid)).json()
    assert queued["status"] == "queued"
    marked = await client.post(
        f"{API}/communications/{queued['id']}/delivered", headers=await world.auth("mia")
    )
    assert (marked.status_code, marked.json()["code"]) == (409, "not_awaiting_person")
