"""The committed SDL matches the code, and every client operation is valid against it."""

from graphql import OperationDefinitionNode, parse, validate

from app import contracts
from app.gql.schema import schema
from tests.gql.client import OPERATIONS

CLIENT_OPERATIONS = {
    "PostInsight",
    "Inbox",
    "MyInsights",
    "Insight",
    "AcknowledgeInsight",
    "StartInsight",
    "ResolveInsight",
    "DeclineInsight",
    "AddComment",
    "CreateAction",
    "UpdateAction",
    "LinkActionInsights",
    "TellReporter",
    "AcknowledgeCommunication",
    "Notifications",
    "MarkNotificationRead",
    "MarkAllNotificationsRead",
    "Me",
    "Units",
    "Taxonomy",
    "RoutingRules",
    "RoutingRule",
    "CreateRoutingRule",
    "UpdateRoutingRule",
    "DeleteRoutingRule",
    "ReorderRoutingRules",
    "AssignInsight",
    "TriageInsights",
    "InsightAttachments",
    "MyChanges",
}


def test_sdl_snapshot_matches_code() -> None:
    committed = contracts.SDL_PATH.read_text(encoding="utf-8")
    assert committed == contracts.sdl_text(), (
        "graphql/schema.graphql is out of date: run `make snapshots` and commit it."
    )


def test_operations_are_valid_and_named_after_their_files() -> None:
    files = sorted(OPERATIONS.glob("*.graphql"))
    assert {f.stem for f in files} >= CLIENT_OPERATIONS
    for path in files:
        document = parse(path.read_text(encoding="utf-8"))
        assert validate(schema._schema, document) == [], path.name
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        assert [o.name.value for o in operations if o.name] == [path.stem]
