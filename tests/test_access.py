"""Function-level authorisation, generated from the route table: every operation of the
published API is declared below with the roles that may call it, and each role is tried
on each operation. A role that may not call an operation gets 403 (or 404 where the
object is out of its sight) and nothing happens; a role that may call it is never
turned away. An operation added without a declaration fails here until someone says who
may call it."""

import uuid
from typing import Any

import httpx
import pytest

from tests.factories import World
from tests.surveys.support import survey_body
from tests.test_isolation import BODIES, Route, _call, _targets, all_routes, import_outcomes

API = "/api/v1"
# One person per role, in Anna's store or above it.
ROLES = {"frontline": "anna", "hr": "hanna", "manager": "mia", "admin": "aaro"}
EVERYONE = frozenset(ROLES)
ACTORS = frozenset({"manager", "admin"})
OFFICERS = frozenset({"hr", "admin"})
READERS = frozenset({"manager", "hr", "admin"})
ADMIN = frozenset({"admin"})
# The uploader only (Anna): the others see the attachment but may not remove it.
UPLOADER = frozenset({"frontline"})

ACCESS: dict[str, frozenset[str]] = {
    "get_me": EVERYONE,
    "list_my_changes": EVERYONE,
    "list_my_insights": EVERYONE,
    "export_my_data": EVERYONE,
    "list_notifications": EVERYONE,
    "read_all_notifications": EVERYONE,
    "read_notification": frozenset({"frontline"}),
    "get_taxonomy": EVERYONE,
    "list_units": EVERYONE,
    "get_unit": EVERYONE,
    "post_insight": EVERYONE,
    "sync_batch": EVERYONE,
    "list_insights": EVERYONE,
    "get_insight": EVERYONE,
    "get_timeline": EVERYONE,
    "list_comments": EVERYONE,
    "post_comment": frozenset({"frontline", "manager", "admin"}),
    "list_endorsements": EVERYONE,
    # Anyone but the reporter (Anna) may back an insight they can read.
    "endorse_insight": frozenset({"hr", "manager", "admin"}),
    "get_attachment": EVERYONE,
    "get_attachment_content": EVERYONE,
    "get_attachment_thumbnail": EVERYONE,
    "delete_attachment": UPLOADER,
    "upload_insight_attachment": frozenset({"frontline", "manager", "admin"}),
    "upload_comment_attachment": UPLOADER,
    "acknowledge_communication": frozenset({"frontline"}),
    "erase_customer_contact": frozenset({"frontline", "manager", "admin"}),
    "list_inbox": ACTORS,
    "acknowledge_insight": ACTORS,
    "start_insight": ACTORS,
    "resolve_insight": ACTORS,
    "decline_insight": ACTORS,
    "assign_insight": ACTORS,
    "send_communication": ACTORS,
    "triage_insights": ACTORS,
    "merge_insights": ACTORS,
    "update_customer_loop": ACTORS,
    "mark_communication_delivered": ACTORS,
    "create_action": ACTORS,
    "get_action": EVERYONE,
    "update_action": ACTORS,
    "link_action_insights": ACTORS,
    "get_listening_metrics": READERS,
    "get_listening_chart": READERS,
    "get_listening_chart_png": READERS,
    "list_routing_rules": ADMIN,
    "get_routing_rule": ADMIN,
    "create_routing_rule": ADMIN,
    "update_routing_rule": ADMIN,
    "delete_routing_rule": ADMIN,
    "reorder_routing_rules": ADMIN,
    "list_webhooks": ADMIN,
    "get_webhook": ADMIN,
    "create_webhook": ADMIN,
    "update_webhook": ADMIN,
    "delete_webhook": ADMIN,
    "rotate_webhook_secret": ADMIN,
    "list_webhook_deliveries": ADMIN,
    "list_audit": ADMIN,
    "export_person": OFFICERS,
    "erase_person": ADMIN,
    "get_retention": OFFICERS,
    "set_retention": ADMIN,
    "get_anonymity": OFFICERS,
    "set_anonymity": ADMIN,
    "list_themes": READERS,
    "get_theme_settings": READERS,
    "list_clustering_runs": READERS,
    "start_clustering_run": ACTORS,
    "list_theme_reach": READERS,
    "list_theme_priorities": READERS,
    "get_journey_matrix": READERS,
    "get_journey_heat_map": READERS,
    "get_journey_heat_map_png": READERS,
    "get_status_times": READERS,
    "get_theme_reach": READERS,
    "get_theme_trend_chart": READERS,
    "get_theme_trend_chart_png": READERS,
    "get_theme": READERS,
    "rename_theme": ACTORS,
    "merge_theme": ACTORS,
    "split_theme": ACTORS,
    "list_theme_decisions": READERS,
    "move_insight_to_theme": ACTORS,
    "import_outcomes": OFFICERS,
    "list_imports": OFFICERS,
    "get_import": OFFICERS,
    "delete_import": OFFICERS,
    # Whoever may read the insight, or is about to post one.
    "similar_insights": EVERYONE,
    "similar_to_draft": EVERYONE,
    "create_survey": OFFICERS,
    "list_surveys": READERS,
    "get_survey": READERS,
    "get_survey_settings": OFFICERS,
    "set_survey_settings": ADMIN,
    "open_wave": OFFICERS,
    "list_waves": READERS,
    "get_wave": READERS,
    "close_wave": OFFICERS,
    # Everyone whose home unit the survey asks (here the whole organisation), once.
    "list_open_waves": EVERYONE,
    "answer_wave": EVERYONE,
    "get_wave_results": READERS,
    "list_wave_comments": READERS,
    "get_wave_response_rates": READERS,
    "get_linkage": READERS,
    "get_linkage_drivers": READERS,
    "get_linkage_scatter": READERS,
    "get_linkage_scatter_png": READERS,
    "get_linkage_lags": READERS,
    "get_linkage_lags_png": READERS,
    "get_linkage_drivers_chart": READERS,
    "get_linkage_drivers_png": READERS,
}


def _bodies(ids: dict[str, str], world: World) -> dict[str, Any]:
    """Valid bodies for the operations without an id in their path."""
    return {
        "post_insight": {"kind": "idea", "text": "Uusi idea."},
        "sync_batch": {
            "items": [
                {"type": "insight", "id": str(uuid.uuid4()), "kind": "idea", "text": "Jonossa."}
            ]
        },
        "create_action": {"title": "Korjaus", "insight_ids": [ids["insight_id"]]},
        "triage_insights": {"operation": "acknowledge", "insight_ids": [ids["insight_id"]]},
        "create_routing_rule": {"name": "Kiireelliset", "ack_hours": 4, "respond_hours": 24},
        "reorder_routing_rules": {"rule_ids": [ids["rule_id"]]},
        "create_webhook": {"url": "https://hooks.example.com/other"},
        "set_retention": {"retention_days": 365},
        "set_anonymity": {"confidential_unit_min_people": 5},
        "merge_insights": {"insight_ids": [ids["second_insight_id"]]},
        "link_action_insights": {"insight_ids": [ids["second_insight_id"]]},
        "assign_insight": {"unit_id": str(world.units["store_a"].id), "note": "Teille."},
        "merge_theme": {"into_theme_id": ids["other_theme_id"]},
        "split_theme": {"insight_ids": [ids["theme_insight_id"]]},
        "move_insight_to_theme": {"theme_id": ids["other_theme_id"]},
        "similar_to_draft": {"text": "Kassajono venyy taas."},
        "create_survey": survey_body([world.units["root"].id]),
        "set_survey_settings": {"min_group": 5},
    }


def _operations() -> list[Route]:
    return all_routes()


def test_every_operation_is_declared() -> None:
    names = {route.name for route in _operations()}
    assert names - ACCESS.keys() == set(), "declare who may call these operations"
    assert ACCESS.keys() - names == set(), "these operations no longer exist"


@pytest.mark.parametrize("route", _operations(), ids=lambda r: r.name)
async def test_each_role_is_let_in_or_turned_away(
    route: Route, client: httpx.AsyncClient, world: World
) -> None:
    ids = await _targets(client, world)
    second = await client.post(
        f"{API}/insights",
        json={"kind": "idea", "text": "Toinen idea kassalle."},
        headers=await world.auth("anna"),
    )
    ids["second_insight_id"] = second.json()["id"]
    bodies = {**BODIES, **_bodies(ids, world)}
    allowed = ACCESS[route.name]
    seen: dict[str, int] = {}
    # Those turned away go first, so that nothing they do could be undone by the others.
    for month, role in enumerate(sorted(ROLES, key=lambda r: r in allowed), 1):
        if route.name == "delete_import":
            # Each gets an import of their own to delete.
            ids["import_id"] = await import_outcomes(client, world, f"2025-{month:02d}")
        method, path, _ = _call(route, ids)
        files = None
        if route.name.startswith("upload_"):
            from tests.attachments.files import png

            files = {"file": ("kuva.png", png(), "image/png")}
        response = await client.request(
            method,
            path,
            json=None if files else bodies.get(route.name),
            files=files,
            headers=await world.auth(ROLES[role]),
        )
        seen[role] = response.status_code
        assert response.status_code < 500, (role, response.text)
        assert response.status_code != 422, (role, "give a valid body", response.text)
        if role in allowed:
            assert response.status_code not in (401, 403, 404), (role, response.text)
        else:
            assert response.status_code in (403, 404), (role, response.text)
    print(route.name, seen)
