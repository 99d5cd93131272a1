"""Object-level isolation over GraphQL: every field and mutation that takes an id answers a
manager of another store and a user of another organisation exactly as it answers a random
missing id – null for queries, `not_found` for mutations."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.gql.client import GraphQL, codes, gid
from tests.surveys.support import LIKERT_KEYS, survey_body

Ids = dict[str, str]

UNIT_QUERY = "query Unit($id: ID!) { unit(id: $id) { id name kind } }"


@dataclass(frozen=True)
class Probe:
    name: str
    operation: str
    variables: Callable[[Ids], dict[str, Any]]
    # Units are shared within an organisation: only another organisation must not see them.
    org_wide: bool = False
    # Who may reach the targets, to show the probe is not refused for everyone.
    owner: str = "mia"
    # Routing rules are for administrators (others are refused whatever the id): another
    # organisation's administrator is the one who must not find them.
    admin_only: bool = False

    @property
    def is_query(self) -> bool:
        return self.operation in (
            "Node",
            "Insight",
            "Action",
            "RoutingRule",
            "Webhook",
            UNIT_QUERY,
        )

    @property
    def probers(self) -> list[str]:
        if self.admin_only:
            return ["pekka"]
        return ["oona", "pekka"] if self.org_wide else ["max", "oona", "pekka", "ben"]


PROBES = [
    Probe("node(insight)", "Node", lambda ids: {"id": ids["Insight"]}),
    Probe("node(action)", "Node", lambda ids: {"id": ids["Action"]}),
    Probe("node(unit)", "Node", lambda ids: {"id": ids["Unit"]}, org_wide=True),
    Probe("insight", "Insight", lambda ids: {"id": ids["Insight"]}),
    Probe("action", "Action", lambda ids: {"id": ids["Action"]}),
    Probe("unit", UNIT_QUERY, lambda ids: {"id": ids["Unit"]}, org_wide=True),
    Probe(
        "acknowledgeInsight", "AcknowledgeInsight", lambda ids: {"input": {"id": ids["Insight"]}}
    ),
    Probe("startInsight", "StartInsight", lambda ids: {"input": {"id": ids["Insight"]}}),
    Probe(
        "resolveInsight",
        "ResolveInsight",
        lambda ids: {"input": {"id": ids["Insight"], "resolution": "Tehty."}},
    ),
    Probe(
        "declineInsight",
        "DeclineInsight",
        lambda ids: {"input": {"id": ids["Insight"], "reason": "Ei."}},
    ),
    Probe(
        "addComment",
        "AddComment",
        lambda ids: {"input": {"insightId": ids["Insight"], "body": "Kommentti."}},
    ),
    Probe(
        "tellReporter",
        "TellReporter",
        lambda ids: {"input": {"insightId": ids["Insight"], "message": "Kerrottu."}},
    ),
    Probe(
        "createAction",
        "CreateAction",
        lambda ids: {"input": {"title": "Toimenpide", "insightIds": [ids["Insight"]]}},
    ),
    Probe(
        "updateAction",
        "UpdateAction",
        lambda ids: {"input": {"id": ids["Action"], "outcome": "Valmis."}},
    ),
    Probe(
        "linkActionInsights",
        "LinkActionInsights",
        lambda ids: {"input": {"actionId": ids["Action"], "insightIds": [ids["Insight"]]}},
    ),
    Probe(
        "endorseInsight",
        "EndorseInsight",
        lambda ids: {"input": {"insightId": ids["Insight"]}},
        owner="aku",
    ),
    Probe(
        "mergeInsights",
        "MergeInsights",
        # Into itself: refused for its managers, so it is the lookup that answers the others.
        lambda ids: {"input": {"parentId": ids["Insight"], "insightIds": [ids["Insight"]]}},
    ),
    Probe(
        "eraseCustomerContact",
        "EraseCustomerContact",
        lambda ids: {"input": {"insightId": ids["Insight"]}},
    ),
    Probe(
        "updateCustomerLoop",
        "UpdateCustomerLoop",
        lambda ids: {"input": {"insightId": ids["Insight"], "dueAt": "2030-01-01T12:00:00Z"}},
    ),
    Probe(
        "acknowledgeCommunication",
        "AcknowledgeCommunication",
        lambda ids: {"input": {"id": ids["Communication"]}},
        owner="anna",
    ),
    Probe(
        "markCommunicationDelivered",
        "MarkCommunicationDelivered",
        lambda ids: {"input": {"id": ids["Communication"]}},
    ),
    Probe(
        "assignInsight",
        "AssignInsight",
        lambda ids: {"input": {"id": ids["Insight"], "unitId": ids["Unit"]}},
    ),
    Probe(
        "node(routingRule)",
        "Node",
        lambda ids: {"id": ids["RoutingRule"]},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "routingRule",
        "RoutingRule",
        lambda ids: {"id": ids["RoutingRule"]},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "updateRoutingRule",
        "UpdateRoutingRule",
        lambda ids: {"input": {"id": ids["RoutingRule"], "name": "Oma"}},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "deleteRoutingRule",
        "DeleteRoutingRule",
        lambda ids: {"input": {"id": ids["RoutingRule"]}},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "node(webhook)",
        "Node",
        lambda ids: {"id": ids["Webhook"]},
        owner="aaro",
        admin_only=True,
    ),
    Probe("webhook", "Webhook", lambda ids: {"id": ids["Webhook"]}, owner="aaro", admin_only=True),
    Probe(
        "updateWebhook",
        "UpdateWebhook",
        lambda ids: {"input": {"id": ids["Webhook"], "description": "Oma"}},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "rotateWebhookSecret",
        "RotateWebhookSecret",
        lambda ids: {"input": {"id": ids["Webhook"]}},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "deleteWebhook",
        "DeleteWebhook",
        lambda ids: {"input": {"id": ids["Webhook"]}},
        owner="aaro",
        admin_only=True,
    ),
    Probe(
        "markNotificationRead",
        "MarkNotificationRead",
        lambda ids: {"input": {"id": ids["Notification"]}},
        owner="anna",
    ),
    # Surveys and waves are the organisation's: another organisation must not find them.
    Probe("node(survey)", "Node", lambda ids: {"id": ids["Survey"]}, org_wide=True, owner="hanna"),
    Probe("node(wave)", "Node", lambda ids: {"id": ids["Wave"]}, org_wide=True, owner="hanna"),
    Probe(
        "waveResults",
        "WaveResults",
        lambda ids: {"waveId": ids["Wave"]},
        org_wide=True,
        owner="hanna",
    ),
    Probe(
        "waveComments",
        "WaveComments",
        lambda ids: {"waveId": ids["Wave"]},
        org_wide=True,
        owner="hanna",
    ),
    Probe(
        "answerSurvey",
        "AnswerSurvey",
        lambda ids: {
            "input": {
                "waveId": ids["Wave"],
                "likert": [{"key": k, "value": 3} for k in LIKERT_KEYS],
                "enps": 7,
            }
        },
        org_wide=True,
        owner="anna",
    ),
    Probe(
        "openWave",
        "OpenWave",
        lambda ids: {"input": {"surveyId": ids["Survey"], "label": "Toinen"}},
        owner="hanna",
        admin_only=True,
    ),
    Probe(
        "closeWave",
        "CloseWave",
        lambda ids: {"input": {"waveId": ids["Wave"]}},
        owner="hanna",
        admin_only=True,
    ),
]


async def _targets(gql: GraphQL) -> Ids:
    """Ids of things that belong to Anna's store: an insight, an action, an answer, a notice;
    and a routing rule and a webhook of her organisation."""
    posted = await gql.data(
        "anna",
        "PostInsight",
        input={
            "kind": "IDEA",
            "text": "Salainen idea kassalle.",
            "customerContact": {
                "name": "Asiakas",
                "channel": "SMS",
                "address": "+358401234567",
                "consent": True,
            },
        },
    )
    iid = posted["postInsight"]["insight"]["id"]
    action = await gql.data(
        "mia", "CreateAction", input={"title": "Toimenpide", "insightIds": [iid]}
    )
    told = await gql.data("mia", "TellReporter", input={"insightId": iid, "message": "Vastaus."})
    notes = await gql.data("anna", "Notifications")
    rules = await gql.data("aaro", "RoutingRules")
    hook = await gql.data("aaro", "CreateWebhook", input={"url": "https://hooks.example.com/in"})
    body = survey_body([gql.world.units["root"].id])
    survey = await gql.data(
        "hanna",
        "CreateSurvey",
        input={
            "name": body["name"],
            "items": [
                {
                    "key": i["key"],
                    "kind": i["kind"].upper(),
                    "factor": i.get("factor"),
                    "textFi": i["text_fi"],
                    "textEn": i["text_en"],
                }
                for i in body["items"]
            ],
            "targetUnitIds": [gid("Unit", u) for u in body["target_unit_ids"]],
        },
    )
    survey_id = survey["createSurvey"]["survey"]["id"]
    wave = await gql.data("hanna", "OpenWave", input={"surveyId": survey_id, "label": "Kierros"})
    return {
        "Survey": survey_id,
        "Wave": wave["openWave"]["wave"]["id"],
        "RoutingRule": rules["routingRules"][0]["id"],
        "Webhook": hook["createWebhook"]["webhook"]["id"],
        "Insight": iid,
        "Action": action["createAction"]["action"]["id"],
        "Communication": told["tellReporter"]["communication"]["id"],
        "Notification": notes["notifications"]["edges"][0]["node"]["id"],
        "Unit": gid("Unit", gql.world.units["store_a"].id),
    }


async def _answer(gql: GraphQL, who: str, probe: Probe, ids: Ids) -> dict[str, Any]:
    if probe.operation == UNIT_QUERY:
        return await gql.document(who, UNIT_QUERY, probe.variables(ids))
    return await gql.run(who, probe.operation, **probe.variables(ids))


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
async def test_out_of_reach_ids_look_missing(probe: Probe, gql: GraphQL) -> None:
    targets = await _targets(gql)
    missing = {name: gid(name, uuid.uuid4()) for name in targets}
    for prober in probe.probers:
        baseline = await _answer(gql, prober, probe, missing)
        probed = await _answer(gql, prober, probe, targets)
        assert probed == baseline, prober
        if prober in ("max", "oona") or probe.admin_only:
            if probe.is_query:
                assert "errors" not in probed, probed
                assert next(iter(probed["data"].values())) is None
            else:
                assert codes(probed) == ["not_found"], probed

    reached = await _answer(gql, probe.owner, probe, targets)
    assert "not_found" not in codes(reached), reached


async def test_another_stores_action_takes_no_links(gql: GraphQL) -> None:
    targets = await _targets(gql)
    posted = await gql.data("ben", "PostInsight", input={"kind": "IDEA", "text": "Oma idea."})
    own = posted["postInsight"]["insight"]["id"]
    for action_id in (targets["Action"], gid("Action", uuid.uuid4())):
        linked = await gql.run(
            "max", "LinkActionInsights", input={"actionId": action_id, "insightIds": [own]}
        )
        assert codes(linked) == ["not_found"]
        assert linked["errors"][0]["message"] == "No such action."


async def test_lists_and_search_stay_in_scope(gql: GraphQL) -> None:
    await gql.data(
        "anna", "PostInsight", input={"kind": "COMPLAINT", "text": "Zyxwvut-kassa kaatuu aamuisin."}
    )
    store_a = gid("Unit", gql.world.units["store_a"].id)
    listing = """
        query Insights($filter: InsightFilter) {
          insights(filter: $filter) { edges { node { id } } }
        }
    """
    for prober in ("max", "ben", "oona", "pekka"):
        for filter in ({}, {"q": "Zyxwvut"}, {"unitId": store_a}):
            listed = await gql.document(prober, listing, {"filter": filter})
            assert listed == {"data": {"insights": {"edges": []}}}, (prober, filter)
        mine = await gql.data(prober, "MyInsights")
        assert mine["myInsights"]["edges"] == []
    for manager in ("max", "oona"):
        inbox = await gql.data(manager, "Inbox", filter={"unitId": store_a})
        assert inbox["inbox"]["edges"] == []
    for reader in ("mia", "rita", "hanna", "aaro"):
        found = await gql.document(reader, listing, {"filter": {"q": "Zyxwvut"}})
        assert len(found["data"]["insights"]["edges"]) == 1, reader


async def test_another_organisations_units_and_people_are_unknown(gql: GraphQL) -> None:
    targets = await _targets(gql)
    mia = gid("Person", gql.world.people["mia"].id)
    for unit, owner in (
        (targets["Unit"], mia),
        (gid("Unit", uuid.uuid4()), gid("Person", uuid.uuid4())),
    ):
        posted = await gql.run(
            "oona", "PostInsight", input={"kind": "IDEA", "text": "Hei.", "unitId": unit}
        )
        assert codes(posted) == ["unknown_unit"]
        created = await gql.run(
            "oona",
            "CreateAction",
            input={"title": "x", "ownerId": owner, "insightIds": [targets["Insight"]]},
        )
        assert codes(created) == ["unknown_person"]
