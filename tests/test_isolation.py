"""Object-level isolation, generated from the route table: every REST route that takes an id
answers a manager of another store and a user of another organisation exactly as it answers
a random missing id."""

import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.platform.settings import Settings
from tests.attachments.files import png
from tests.factories import World, add_theme
from tests.surveys.support import answer_body, survey_with_wave

API = "/api/v1"

# A valid body for each route that needs one, so validation cannot answer before access does.
BODIES: dict[str, dict[str, Any]] = {
    "resolve_insight": {"resolution": "Tehty."},
    "decline_insight": {"reason": "Ei."},
    "post_comment": {"body": "Kommentti."},
    "send_communication": {"message": "Kerrottu."},
    "update_action": {"outcome": "Valmis."},
    "link_action_insights": {"insight_ids": [str(uuid.uuid4())]},
    "assign_insight": {"unit_id": str(uuid.uuid4()), "note": "Teille."},
    "update_routing_rule": {"name": "Uusi nimi"},
    "endorse_insight": {"note": "Sama täällä."},
    "merge_insights": {"insight_ids": [str(uuid.uuid4())]},
    "update_customer_loop": {"due_at": "2030-01-01T12:00:00+00:00"},
    "update_webhook": {"description": "Uusi kuvaus"},
    "rename_theme": {"name_fi": "Kassajonot", "name_en": "Till queues"},
    "merge_theme": {"into_theme_id": str(uuid.uuid4())},
    "split_theme": {"insight_ids": [str(uuid.uuid4())]},
    "move_insight_to_theme": {"theme_id": str(uuid.uuid4())},
    "open_wave": {"label": "Joulukuu", "period": "2026-12"},
    "answer_wave": answer_body(comment="Hyvä työpaikka."),
    "import_outcomes": {
        "rows": [{"unit": "Store A", "period": "2026-09", "measure": "nps", "value": 42, "n": 90}]
    },
}


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str


def all_routes() -> list[Route]:
    """Every operation of the published API (under /api/v1)."""
    spec = create_app(Settings(database_url="postgresql://probe@localhost/probe")).openapi()
    return [
        Route(operation["operationId"], method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith(API)
        for method, operation in operations.items()
    ]


def id_routes() -> list[Route]:
    """Every operation of the published API whose path takes an id."""
    return [route for route in all_routes() if re.search(r"\{\w+_id\}", route.path)]


async def _targets(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    """Ids of things that belong to Anna's store: an insight, an action, an answer, a notice,
    a comment, an attachment;
    and a routing rule, a webhook, a survey and an open wave of her organisation."""
    anna, mia = await world.auth("anna"), await world.auth("mia")
    contact = {"name": "Liisa", "channel": "email", "address": "liisa@example.fi", "consent": True}
    insight = await client.post(
        f"{API}/insights",
        json={"kind": "idea", "text": "Salainen idea kassalle.", "customer_contact": contact},
        headers=anna,
    )
    iid = insight.json()["id"]
    action = await client.post(
        f"{API}/actions", json={"title": "Toimenpide", "insight_ids": [iid]}, headers=mia
    )
    told = await client.post(
        f"{API}/insights/{iid}/communications", json={"message": "Vastaus."}, headers=mia
    )
    notes = await client.get(f"{API}/notifications", headers=anna)
    comment = await client.post(
        f"{API}/insights/{iid}/comments", json={"body": "Kuva tulossa."}, headers=anna
    )
    attachment = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"file": ("kuva.png", png(), "image/png")},
        headers=anna,
    )
    themed = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": "Kassajono venyy iltaisin."},
        params={"similar": "false"},
        headers=anna,
    )
    other = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": "Hissi on rikki."},
        params={"similar": "false"},
        headers=anna,
    )
    theme_id = await add_theme(
        world.runtime, world.kauppa.id, [iid, themed.json()["id"]], "kassa, jono"
    )
    other_theme_id = await add_theme(world.runtime, world.kauppa.id, [other.json()["id"]], "hissi")
    aaro = await world.auth("aaro")
    imported = await import_outcomes(client, world, "2026-08")
    rules = await client.get(f"{API}/routing-rules", headers=aaro)
    hook = await client.post(
        f"{API}/webhooks", json={"url": "https://hooks.example.com/in"}, headers=aaro
    )
    survey, wave = await survey_with_wave(client, world, ["root"])
    return {
        "survey_id": survey["id"],
        "wave_id": wave["id"],
        "rule_id": rules.json()[0]["id"],
        "webhook_id": hook.json()["webhook"]["id"],
        "insight_id": iid,
        "action_id": action.json()["id"],
        "communication_id": told.json()["id"],
        "comment_id": comment.json()["id"],
        "attachment_id": attachment.json()["id"],
        "notification_id": notes.json()["items"][0]["id"],
        "unit_id": str(world.units["store_a"].id),
        "person_id": str(world.people["aku"].id),
        "theme_id": theme_id,
        "other_theme_id": other_theme_id,
        "theme_insight_id": themed.json()["id"],
        "import_id": imported,
        "kind": "cx_outcomes",
    }


async def import_outcomes(client: httpx.AsyncClient, world: World, period: str) -> str:
    """The id of an import of Anna's store's NPS in a month, by HR."""
    row = {"unit": "Store A", "period": period, "measure": "nps", "value": 12, "n": 40}
    imported = await client.post(
        f"{API}/imports/cx_outcomes/rows", json={"rows": [row]}, headers=await world.auth("hanna")
    )
    assert imported.status_code == 201, imported.text
    return str(imported.json()["id"])


def _probers(route: Route) -> tuple[str, list[str]]:
    """Who asks for a missing id, and who must find the targets just as missing."""
    if any(
        f"{{{name}}}" in route.path for name in ("rule_id", "webhook_id", "person_id", "import_id")
    ):
        # Rules, webhooks and people's data are for administrators, imports for HR and
        # administrators (others get 403 for any id): another organisation's administrator
        # must not find them.
        return "pekka", ["pekka"]
    if "{theme_id}" in route.path:
        # Themes are for readers (frontline staff get 403 for any id): a manager of another
        # store and another organisation must find them missing.
        return "max", ["max", "oona", "pekka"]
    if "{survey_id}" in route.path or "{wave_id}" in route.path:
        # Surveys and waves are the organisation's (a survey of the whole organisation asks
        # everyone): another organisation's people must find them missing, each in the role
        # that would reach its own.
        if route.name in ("open_wave", "close_wave"):
            return "hanna", ["pekka"]
        if route.name == "answer_wave":
            return "hanna", ["olli", "oona", "pekka"]
        return "hanna", ["oona", "pekka"]
    if "{unit_id}" in route.path:
        # Units are shared within an organisation: only another organisation must not see them.
        return "max", ["oona", "pekka"]
    return "max", ["max", "oona", "pekka", "ben"]


def _call(route: Route, ids: dict[str, str]) -> tuple[str, str, dict[str, Any] | None]:
    path = route.path
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no probe id for {route.path}"
    return route.method, path, BODIES.get(route.name)


@pytest.mark.parametrize("route", id_routes(), ids=lambda r: r.name)
async def test_out_of_scope_ids_look_missing(
    route: Route, client: httpx.AsyncClient, world: World
) -> None:
    targets = await _targets(client, world)
    missing = {name: str(uuid.uuid4()) for name in targets}
    caller, probers = _probers(route)

    method, path, body = _call(route, missing)
    baseline = await client.request(method, path, json=body, headers=await world.auth(caller))
    assert baseline.status_code == 404, baseline.text
    assert baseline.json()["code"] == "not_found"

    method, path, body = _call(route, targets)
    for prober in probers:
        response = await client.request(method, path, json=body, headers=await world.auth(prober))
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), (
            prober,
            response.text,
        )


async def test_lists_and_search_stay_in_scope(client: httpx.AsyncClient, world: World) -> None:
    anna = await world.auth("anna")
    await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Zyxwvut-kassa kaatuu aamuisin."},
        headers=anna,
    )
    store_a = str(world.units["store_a"].id)
    for prober in ("max", "ben", "oona", "pekka"):
        headers = await world.auth(prober)
        for params in ({}, {"q": "Zyxwvut"}, {"unit_id": store_a}):
            listed = await client.get(f"{API}/insights", params=params, headers=headers)
            assert listed.status_code == 200
            assert listed.json()["items"] == [], (prober, params)
        mine = await client.get(f"{API}/me/insights", headers=headers)
        assert mine.json()["items"] == []
    for reader in ("mia", "rita", "hanna", "aaro"):
        found = await client.get(
            f"{API}/insights", params={"q": "Zyxwvut"}, headers=await world.auth(reader)
        )
        assert len(found.json()["items"]) == 1, reader
