"""Text that PostgreSQL cannot store (the NUL character) is refused before anything runs,
whether it comes in the variables or in a string written in the document itself.

The error is the one REST gives for NUL in a body or a parameter: `validation_error`
(status 422) with an entry per place, typed `nul_character`; a place in the variables
reads `["variables", "input", "text"]`, one in the document names its field, argument
and input fields, e.g. `["postInsight", "input", "text"]`, and the error's `locations`
point at the string.
"""

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    ListValueNode,
    ObjectFieldNode,
    StringValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

from app.web.json_body import NUL_CHARACTER, InvalidJson, Location, field_error, nul_errors


class _Literals(Visitor):
    """Finds the strings with NUL written in a document, and where they are."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[StringValueNode, Location]] = []

    def enter_string_value(
        self, node: StringValueNode, key: Any, parent: Any, path: Any, ancestors: Any
    ) -> None:
        if "\x00" not in node.value:
            return
        location: list[str | int] = []
        # `path[at]` is the key from `chain[at]` to the next node on the way to this one.
        chain = [*ancestors, parent]
        for at, ancestor in enumerate(chain):
            if isinstance(ancestor, FieldNode):
                location.append((ancestor.alias or ancestor.name).value)
            elif isinstance(ancestor, ArgumentNode | ObjectFieldNode):
                location.append(ancestor.name.value)
            elif isinstance(ancestor, VariableDefinitionNode):
                location.append(ancestor.variable.name.value)
            elif isinstance(ancestor, ListValueNode) and at + 1 < len(path):
                location.append(path[at + 1])
        self.found.append((node, tuple(location)))


def _literal_nuls(document: DocumentNode) -> list[tuple[StringValueNode, Location]]:
    literals = _Literals()
    visit(document, literals)
    return literals.found


class RefuseNulCharacters(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        errors = nul_errors(context.variables or {}, ("variables",))
        nodes: list[StringValueNode] = []
        # A string can hold NUL as written or through an escape (\u0000, \u{0}).
        query = context.query
        may_hold_nul = query is None or "\x00" in query or "\\u" in query
        if context.graphql_document is not None and may_hold_nul:
            for node, location in _literal_nuls(context.graphql_document):
                nodes.append(node)
                errors.append(field_error("nul_character", location, NUL_CHARACTER))
        if errors:
            context.pre_execution_errors = [
                GraphQLError(
                    NUL_CHARACTER,
                    nodes=nodes or None,
                    original_error=InvalidJson(errors, NUL_CHARACTER),
                )
            ]
        yield
