"""Routing rules, reassignment and bulk triage over GraphQL: the REST scenarios, same codes."""

import uuid

from tests.gql.client import GraphQL, codes, gid


async def test_rules_round_trip(gql: GraphQL) -> None:
    [default] = (await gql.data("aaro", "RoutingRules"))["routingRules"]
    assert (default["position"], default["target"]["levelsUp"]) == (0, 0)

    south = gid("Unit", gql.world.units["south"].id)
    created = await gql.data(
        "aaro",
        "CreateRoutingRule",
        input={
            "name": "Delivery complaints to the region",
            "match": {
                "kinds": ["COMPLAINT"],
                "journeyStages": ["delivery"],
                "tags": ["Logistics"],
                "minCustomerImpact": "MEDIUM",
            },
            "target": {"unitId": south},
            "ackMinutes": 15,
            "respondMinutes": 24 * 60,
        },
    )
    rule = created["createRoutingRule"]["rule"]
    assert rule["position"] == 0  # above the catch-all default
    assert (rule["ackMinutes"], rule["respondMinutes"]) == (15, 1440)
    assert rule["match"]["tags"] == ["logistics"]
    assert rule["target"] == {"levelsUp": None, "unit": {"id": south, "name": "South"}}

    posted = await gql.data(
        "anna",
        "PostInsight",
        input={
            "kind": "COMPLAINT",
            "text": "Kotiinkuljetus myöhästyi kolme tuntia.",
            "journeyStage": "delivery",
            "customerImpact": "HIGH",
            "tags": ["logistics"],
        },
    )
    insight = posted["postInsight"]["insight"]
    assert insight["ownerUnit"]["id"] == south
    assert insight["tags"] == ["logistics"]
    detail = (await gql.data("rita", "Insight", id=insight["id"]))["insight"]
    routed = next(e for e in detail["timeline"] if e["type"] == "ROUTED")
    assert routed["data"]["rule"] == "Delivery complaints to the region"
    assert detail["escalationLevel"] == 0

    updated = await gql.data(
        "aaro",
        "UpdateRoutingRule",
        input={"id": rule["id"], "active": False, "target": {"levelsUp": 1}},
    )
    assert updated["updateRoutingRule"]["rule"]["active"] is False
    assert updated["updateRoutingRule"]["rule"]["target"] == {"levelsUp": 1, "unit": None}

    stale = await gql.run(
        "aaro",
        "UpdateRoutingRule",
        input={"id": rule["id"], "name": "Lost", "expectedVersion": rule["version"]},
    )
    assert codes(stale) == ["version_mismatch"]

    order = [default["id"], rule["id"]]
    reordered = await gql.data("aaro", "ReorderRoutingRules", input={"ruleIds": order})
    assert [r["id"] for r in reordered["reorderRoutingRules"]["rules"]] == order
    fetched = await gql.data("aaro", "RoutingRule", id=rule["id"])
    assert fetched["routingRule"]["position"] == 1

    deleted = await gql.data("aaro", "DeleteRoutingRule", input={"id": rule["id"]})
    assert deleted["deleteRoutingRule"]["deletedId"] == rule["id"]
    assert (await gql.data("aaro", "RoutingRule", id=rule["id"]))["routingRule"] is None


OLD_CLIENT = """
mutation Old($input: CreateRoutingRuleInput!) {
  createRoutingRule(input: $input) { rule { ackHours respondHours ackMinutes respondMinutes } }
}
"""


async def test_clients_that_send_hours_still_work(gql: GraphQL) -> None:
    hours = await gql.document(
        "aaro", OLD_CLIENT, {"input": {"name": "Hours", "ackHours": 2, "respondHours": 24}}
    )
    assert hours == {
        "data": {
            "createRoutingRule": {
                "rule": {
                    "ackHours": 2,
                    "respondHours": 24,
                    "ackMinutes": 120,
                    "respondMinutes": 1440,
                }
            }
        }
    }
    # A deadline in minutes reads, in the deprecated hour fields, rounded up.
    minutes = await gql.document(
        "aaro", OLD_CLIENT, {"input": {"name": "Minutes", "ackMinutes": 15, "respondMinutes": 61}}
    )
    assert minutes["data"]["createRoutingRule"]["rule"] == {
        "ackHours": 1,
        "respondHours": 2,
        "ackMinutes": 15,
        "respondMinutes": 61,
    }
    for refused in (
        {"name": "x", "respondMinutes": 60},  # no deadline to acknowledge
        {"name": "x", "ackMinutes": 30, "ackHours": 1, "respondMinutes": 60},  # disagree
    ):
        result = await gql.document("aaro", OLD_CLIENT, {"input": refused})
        assert codes(result) == ["validation_error"], refused


async def test_rules_are_for_administrators(gql: GraphQL) -> None:
    [default] = (await gql.data("aaro", "RoutingRules"))["routingRules"]
    assert codes(await gql.run("mia", "RoutingRules")) == ["not_an_admin"]
    assert codes(await gql.run("hanna", "RoutingRule", id=default["id"])) == ["not_an_admin"]
    refused = await gql.run(
        "mia", "CreateRoutingRule", input={"name": "x", "ackHours": 1, "respondHours": 2}
    )
    assert codes(refused) == ["not_an_admin"]
    both = await gql.run(
        "aaro",
        "CreateRoutingRule",
        input={
            "name": "x",
            "ackHours": 1,
            "respondHours": 2,
            "target": {"levelsUp": 1, "unitId": gid("Unit", gql.world.units["south"].id)},
        },
    )
    assert codes(both) == ["validation_error"]
    late = await gql.run(
        "aaro", "CreateRoutingRule", input={"name": "x", "ackHours": 5, "respondHours": 2}
    )
    assert codes(late) == ["deadlines_out_of_order"]


async def test_assign_and_triage(gql: GraphQL) -> None:
    ids = []
    for n in range(2):
        posted = await gql.data("anna", "PostInsight", input={"kind": "IDEA", "text": f"Idea {n}."})
        ids.append(posted["postInsight"]["insight"]["id"])
    south = gid("Unit", gql.world.units["south"].id)

    assigned = await gql.data(
        "mia", "AssignInsight", input={"id": ids[0], "unitId": south, "note": "Alueelle."}
    )
    assert assigned["assignInsight"]["insight"]["ownerUnit"]["id"] == south
    refused = await gql.run("anna", "AssignInsight", input={"id": ids[1], "unitId": south})
    assert codes(refused) == ["not_insight_manager"]
    stale = await gql.run(
        "mia", "AssignInsight", input={"id": ids[0], "unitId": south, "expectedVersion": 1}
    )
    assert codes(stale) == ["version_mismatch"]

    missing = gid("Insight", uuid.uuid4())
    triaged = await gql.data(
        "mia", "TriageInsights", input={"operation": "ACKNOWLEDGE", "insightIds": [*ids, missing]}
    )
    result = triaged["triageInsights"]
    assert (result["succeeded"], result["failed"]) == (2, 1)
    assert [(r["insightId"], r["ok"], r["status"]) for r in result["results"]] == [
        (ids[0], True, "ACKNOWLEDGED"),
        (ids[1], True, "ACKNOWLEDGED"),
        (missing, False, None),
    ]
    assert result["results"][2]["error"] == {
        "code": "not_found",
        "status": 404,
        "message": "No such insight.",
    }
    again = await gql.data(
        "mia", "TriageInsights", input={"operation": "DECLINE", "insightIds": ids, "reason": "Ei."}
    )
    assert [r["status"] for r in again["triageInsights"]["results"]] == ["DECLINED", "DECLINED"]
    twice = await gql.data(
        "mia", "TriageInsights", input={"operation": "DECLINE", "insightIds": ids, "reason": "Ei."}
    )
    assert [r["error"]["code"] for r in twice["triageInsights"]["results"]] == [
        "invalid_status_transition",
        "invalid_status_transition",
    ]
    no_unit = await gql.run(
        "mia", "TriageInsights", input={"operation": "ASSIGN", "insightIds": ids}
    )
    assert codes(no_unit) == ["validation_error"]
