"""Routing rules in GraphQL: where new insights go (administrators)."""

import uuid
from datetime import datetime
from typing import Self

import strawberry

from app.gql.arguments import expected, given
from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import global_id, optional_uuid_of, uuid_of, uuids_of
from app.gql.relay import Node, found
from app.insights.schemas import InsightKind
from app.org.gql import Unit
from app.org.schemas import UnitRef
from app.org.taxonomy import ImpactLevel
from app.routing import schemas
from app.routing import service as routing_service

# The hour fields came first; a deadline may now be any number of minutes.
HOURS_DEPRECATED = "Whole hours only; use the minutes field."


def _unit(ref: UnitRef | None) -> Unit | None:
    return Unit.from_pydantic(ref) if ref is not None else None


# Hand-written, as are the two below: their descriptions are not those of REST.
@strawberry.type(description="What a routing rule matches; empty lists and nulls match anything.")
class RuleMatch:
    kinds: list[InsightKind]
    journey_stages: list[str]
    tags: list[str] = strawberry.field(description="Any one of them is enough.")
    min_customer_impact: ImpactLevel | None
    unit: Unit | None = strawberry.field(description="Only insights of this unit's subtree.")
    theme_id: strawberry.ID | None = strawberry.field(
        description="Only insights of this theme, checked when an insight joins it."
    )


@strawberry.type(description="Whose managers own what a rule routes.")
class RuleTarget:
    levels_up: int | None = strawberry.field(
        description="Start this many levels above the insight's unit, then take the nearest "
        "unit with managers."
    )
    unit: Unit | None = strawberry.field(description="A named unit, such as Logistics.")


@strawberry.type(description="Where new insights go and how long their owners have to act.")
class RoutingRule(Node):
    name: str
    position: int = strawberry.field(description="Rules are tried from 0 up; the first match wins.")
    active: bool
    match: RuleMatch
    target: RuleTarget
    ack_minutes: int = strawberry.field(description="Minutes to acknowledge.")
    respond_minutes: int = strawberry.field(description="Minutes to respond.")
    ack_hours: int = strawberry.field(
        description="ackMinutes rounded up to whole hours.", deprecation_reason=HOURS_DEPRECATED
    )
    respond_hours: int = strawberry.field(
        description="respondMinutes rounded up to whole hours.",
        deprecation_reason=HOURS_DEPRECATED,
    )
    version: int = strawberry.field(
        description="Grows with every change; pass it as `expectedVersion` to change safely."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_pydantic(cls, out: schemas.RoutingRuleOut) -> Self:
        return cls(
            id=global_id("RoutingRule", out.id),
            name=out.name,
            position=out.position,
            active=out.active,
            match=RuleMatch(
                kinds=out.match.kinds,
                journey_stages=out.match.journey_stages,
                tags=out.match.tags,
                min_customer_impact=out.match.min_customer_impact,
                unit=_unit(out.match.unit),
                theme_id=global_id("Theme", out.match.theme_id) if out.match.theme_id else None,
            ),
            target=RuleTarget(levels_up=out.target.levels_up, unit=_unit(out.target.unit)),
            ack_minutes=out.ack_minutes,
            respond_minutes=out.respond_minutes,
            ack_hours=out.ack_hours,
            respond_hours=out.respond_hours,
            version=out.version,
            created_at=out.created_at,
            updated_at=out.updated_at,
        )


@strawberry.input(description="Every condition given must hold; left out, it matches anything.")
class RuleMatchInput:
    kinds: list[InsightKind] | None = strawberry.UNSET
    journey_stages: list[str] | None = strawberry.UNSET
    tags: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="Any one of them is enough."
    )
    min_customer_impact: ImpactLevel | None = strawberry.UNSET
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Only insights of this unit's subtree."
    )
    theme_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Only insights of this theme, checked when an insight joins it.",
    )

    def to_model(self) -> schemas.RuleMatch:
        sent = given(
            kinds=self.kinds,
            journey_stages=self.journey_stages,
            tags=self.tags,
            min_customer_impact=self.min_customer_impact,
            unit_id=optional_uuid_of("Unit", self.unit_id),
            theme_id=optional_uuid_of("Theme", self.theme_id),
        )
        # A null list means no condition, as an empty one does.
        return schemas.RuleMatch.model_validate({k: v for k, v in sent.items() if v is not None})


@strawberry.input(description="Exactly one of the two.")
class RuleTargetInput:
    levels_up: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Start this many levels above the insight's unit (0: the unit itself), "
        "then take the nearest unit with managers.",
    )
    unit_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A named unit, such as Logistics."
    )

    def to_model(self) -> schemas.RuleTarget:
        return schemas.RuleTarget.model_validate(
            given(levels_up=self.levels_up, unit_id=optional_uuid_of("Unit", self.unit_id))
        )


@strawberry.input
class CreateRoutingRuleInput:
    name: str
    ack_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Minutes to acknowledge (or ackHours)."
    )
    respond_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Minutes to respond (or respondHours)."
    )
    ack_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whole hours to acknowledge.",
        deprecation_reason=HOURS_DEPRECATED,
    )
    respond_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Whole hours to respond.",
        deprecation_reason=HOURS_DEPRECATED,
    )
    active: bool | None = strawberry.UNSET
    position: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="0 is tried first. Left out: just above a final rule that matches "
        "everything, or else last.",
    )
    match: RuleMatchInput | None = strawberry.UNSET
    target: RuleTargetInput | None = strawberry.field(
        default=strawberry.UNSET, description="Left out: the nearest unit with managers."
    )

    def to_model(self) -> schemas.RoutingRuleCreate:
        return schemas.RoutingRuleCreate.model_validate(
            given(
                name=self.name,
                ack_minutes=self.ack_minutes,
                respond_minutes=self.respond_minutes,
                ack_hours=self.ack_hours,
                respond_hours=self.respond_hours,
                active=self.active,
                position=self.position,
                match=self.match.to_model() if self.match else strawberry.UNSET,
                target=self.target.to_model() if self.target else strawberry.UNSET,
            )
        )


@strawberry.input(description="Only the fields sent change; `match` and `target` as a whole.")
class UpdateRoutingRuleInput:
    id: strawberry.ID
    name: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET
    match: RuleMatchInput | None = strawberry.UNSET
    target: RuleTargetInput | None = strawberry.UNSET
    ack_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Minutes to acknowledge."
    )
    respond_minutes: int | None = strawberry.field(
        default=strawberry.UNSET, description="Minutes to respond."
    )
    ack_hours: int | None = strawberry.field(
        default=strawberry.UNSET, deprecation_reason=HOURS_DEPRECATED
    )
    respond_hours: int | None = strawberry.field(
        default=strawberry.UNSET, deprecation_reason=HOURS_DEPRECATED
    )
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Refuse with `version_mismatch` unless the rule is at this version.",
    )

    def to_model(self) -> schemas.RoutingRuleUpdate:
        return schemas.RoutingRuleUpdate.model_validate(
            given(
                name=self.name,
                active=self.active,
                match=self.match.to_model() if self.match else strawberry.UNSET,
                target=self.target.to_model() if self.target else strawberry.UNSET,
                ack_minutes=self.ack_minutes,
                respond_minutes=self.respond_minutes,
                ack_hours=self.ack_hours,
                respond_hours=self.respond_hours,
            )
        )


@strawberry.input
class DeleteRoutingRuleInput:
    id: strawberry.ID


@strawberry.input
class ReorderRoutingRulesInput:
    rule_ids: list[strawberry.ID] = strawberry.field(
        description="Every rule of the organisation, first first."
    )

    def to_model(self) -> schemas.RuleOrder:
        return schemas.RuleOrder(rule_ids=uuids_of("RoutingRule", self.rule_ids))


@strawberry.type
class CreateRoutingRulePayload:
    rule: RoutingRule


@strawberry.type
class UpdateRoutingRulePayload:
    rule: RoutingRule


@strawberry.type
class DeleteRoutingRulePayload:
    deleted_id: strawberry.ID


@strawberry.type
class ReorderRoutingRulesPayload:
    rules: list[RoutingRule]


async def find_rule(info: Info, key: uuid.UUID) -> RoutingRule | None:
    return await found(info.context.read(routing_service.get_rule, key), RoutingRule.from_pydantic)


@strawberry.type
class RoutingQueries:
    @field("Your organisation's routing rules in the order they are tried (administrators).")
    async def routing_rules(self, info: Info) -> list[RoutingRule]:
        rules = await info.context.read(routing_service.list_rules)
        return [RoutingRule.from_pydantic(r) for r in rules]

    @field("A routing rule; null when it is missing or another organisation's.")
    async def routing_rule(self, info: Info, id: strawberry.ID) -> RoutingRule | None:
        return await find_rule(info, uuid_of("RoutingRule", id))


@strawberry.type
class RoutingMutations:
    @mutation("Add a routing rule (administrators).")
    async def create_routing_rule(
        self, info: Info, input: CreateRoutingRuleInput
    ) -> CreateRoutingRulePayload:
        rule = await info.context.write(routing_service.create_rule, input.to_model())
        return CreateRoutingRulePayload(rule=RoutingRule.from_pydantic(rule))

    @mutation("Change a routing rule; insights routed before keep their owners and deadlines.")
    async def update_routing_rule(
        self, info: Info, input: UpdateRoutingRuleInput
    ) -> UpdateRoutingRulePayload:
        rule = await info.context.write(
            routing_service.update_rule,
            uuid_of("RoutingRule", input.id),
            input.to_model(),
            expected_version=expected(input.expected_version),
        )
        return UpdateRoutingRulePayload(rule=RoutingRule.from_pydantic(rule))

    @mutation("Remove a routing rule; the ones after it move up.")
    async def delete_routing_rule(
        self, info: Info, input: DeleteRoutingRuleInput
    ) -> DeleteRoutingRulePayload:
        await info.context.write(routing_service.delete_rule, uuid_of("RoutingRule", input.id))
        return DeleteRoutingRulePayload(deleted_id=input.id)

    @mutation("Put the routing rules in this order; name every rule exactly once.")
    async def reorder_routing_rules(
        self, info: Info, input: ReorderRoutingRulesInput
    ) -> ReorderRoutingRulesPayload:
        rules = await info.context.write(routing_service.reorder_rules, input.to_model())
        return ReorderRoutingRulesPayload(rules=[RoutingRule.from_pydantic(r) for r in rules])
