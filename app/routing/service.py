"""Routing rules: which managers own a new insight, by when they must act, and what happens
when they do not (the insight climbs one level up the unit tree)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.org import service as org_service
from app.org.models import JourneyStage, Organisation, Person, RoleGrant, Unit
from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.org.taxonomy import IMPACT_LEVELS
from app.platform import clock
from app.platform.db import table
from app.platform.errors import InvalidInput, NotFound, PreconditionFailed
from app.routing import policies
from app.routing.directory import Directory, UnitEntry
from app.routing.models import RoutingRule
from app.routing.policies import Facts
from app.routing.schemas import (
    RoutingRuleCreate,
    RoutingRuleOut,
    RoutingRuleUpdate,
    RuleMatch,
    RuleMatchOut,
    RuleOrder,
    RuleTarget,
    RuleTargetOut,
)


def _is_catch_all(rule: RoutingRule) -> bool:
    return not (
        rule.match_kinds
        or rule.match_journey_stages
        or rule.match_tags
        or rule.match_min_impact is not None
        or rule.match_unit_id is not None
    )


def _out(rule: RoutingRule, names: dict[uuid.UUID, str]) -> RoutingRuleOut:
    def ref(unit_id: uuid.UUID | None) -> UnitRef | None:
        return UnitRef(id=unit_id, name=names[unit_id]) if unit_id is not None else None

    return RoutingRuleOut(
        id=rule.id,
        name=rule.name,
        position=rule.position,
        active=rule.active,
        match=RuleMatchOut(
            kinds=rule.match_kinds,
            journey_stages=rule.match_journey_stages,
            tags=rule.match_tags,
            min_customer_impact=None
            if rule.match_min_impact is None
            else IMPACT_LEVELS[rule.match_min_impact],
            unit=ref(rule.match_unit_id),
            theme_id=rule.match_theme_id,
        ),
        target=RuleTargetOut(levels_up=rule.target_levels_up, unit=ref(rule.target_unit_id)),
        ack_minutes=rule.ack_minutes,
        respond_minutes=rule.respond_minutes,
        ack_hours=_whole_hours(rule.ack_minutes),
        respond_hours=_whole_hours(rule.respond_minutes),
        version=rule.version,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


async def _outs(
    session: AsyncSession, org_id: uuid.UUID, rules: Iterable[RoutingRule]
) -> list[RoutingRuleOut]:
    rules = list(rules)
    units = {u for r in rules for u in (r.match_unit_id, r.target_unit_id) if u is not None}
    names = await org_service.unit_names(session, org_id, units)
    return [_out(rule, names) for rule in rules]


async def _ordered(
    session: AsyncSession, org_id: uuid.UUID, *, lock: bool = False
) -> list[RoutingRule]:
    """The organisation's rules in the order they are tried.

    With `lock`, the organisation row is locked first, so rule changes of one organisation
    happen one at a time and positions stay dense; posting is not blocked, as NO KEY UPDATE
    does not conflict with the key-share locks that inserting insights takes.
    """
    if lock:
        await session.execute(
            select(Organisation.id).where(Organisation.id == org_id).with_for_update(key_share=True)
        )
    query = (
        select(RoutingRule)
        .where(RoutingRule.org_id == org_id)
        .order_by(RoutingRule.position, RoutingRule.created_at, RoutingRule.id)
    )
    return list(await session.scalars(query))


def _renumber(rules: list[RoutingRule], now: datetime) -> None:
    for position, rule in enumerate(rules):
        if rule.position != position:
            rule.position = position
            _touch(rule, now)


def _touch(rule: RoutingRule, now: datetime) -> None:
    rule.updated_at = now
    rule.version += 1


async def _check_match(session: AsyncSession, actor: Principal, match: RuleMatch) -> None:
    if match.journey_stages:
        known = set(
            await session.scalars(
                select(JourneyStage.key).where(
                    JourneyStage.org_id == actor.org_id,
                    JourneyStage.key.in_(match.journey_stages),
                )
            )
        )
        unknown = sorted(set(match.journey_stages) - known)
        if unknown:
            raise InvalidInput(
                f"Unknown journey stage: {', '.join(unknown)}.",
                code="unknown_journey_stage",
            )
    if match.unit_id is not None:
        await _check_unit(session, actor, match.unit_id)
    if match.theme_id is not None:
        found = await session.scalar(
            _ACTIVE_THEME, {"org_id": actor.org_id, "theme_id": match.theme_id}
        )
        if not found:
            raise InvalidInput("The theme does not exist or is not active.", code="unknown_theme")


# Themes sit above routing (they are made from routed insights), so routing names their
# table rather than importing it.
_ACTIVE_THEME = text(
    "SELECT EXISTS (SELECT FROM themes WHERE org_id = :org_id AND id = :theme_id "
    "AND status = 'active')"
)


async def _check_unit(session: AsyncSession, actor: Principal, unit_id: uuid.UUID) -> None:
    try:
        await org_service.get_unit(session, actor, unit_id)
    except NotFound:
        raise InvalidInput("The unit does not exist.", code="unknown_unit") from None


def _apply_match(rule: RoutingRule, match: RuleMatch) -> None:
    rule.match_kinds = [k.value for k in match.kinds]
    rule.match_journey_stages = list(dict.fromkeys(match.journey_stages))
    rule.match_tags = list(match.tags)
    rule.match_min_impact = (
        None
        if match.min_customer_impact is None
        else IMPACT_LEVELS.index(match.min_customer_impact)
    )
    rule.match_unit_id = match.unit_id
    rule.match_theme_id = match.theme_id


def _apply_target(rule: RoutingRule, target: RuleTarget) -> None:
    rule.target_levels_up = target.levels_up
    rule.target_unit_id = target.unit_id


def _whole_hours(minutes: int) -> int:
    """The deprecated hour fields: a deadline rounded up to whole hours."""
    return -(-minutes // 60)


def _check_deadlines(ack_minutes: int, respond_minutes: int) -> None:
    if respond_minutes < ack_minutes:
        raise InvalidInput(
            "The deadline to respond cannot come before the deadline to acknowledge.",
            code="deadlines_out_of_order",
        )


async def list_rules(session: AsyncSession, actor: Principal) -> list[RoutingRuleOut]:
    """Every rule of the caller's organisation, in the order they are tried."""
    policies.require_admin(actor)
    return await _outs(session, actor.org_id, await _ordered(session, actor.org_id))


async def _rule(
    session: AsyncSession, actor: Principal, rule_id: uuid.UUID, *, lock: bool = False
) -> RoutingRule:
    rule = await session.get(
        RoutingRule, (actor.org_id, rule_id), with_for_update=True if lock else None
    )
    if rule is None:
        raise NotFound("No such routing rule.")
    return rule


async def get_rule(session: AsyncSession, actor: Principal, rule_id: uuid.UUID) -> RoutingRuleOut:
    policies.require_admin(actor)
    rule = await _rule(session, actor, rule_id)
    return (await _outs(session, actor.org_id, [rule]))[0]


async def create_rule(
    session: AsyncSession, actor: Principal, data: RoutingRuleCreate
) -> RoutingRuleOut:
    """Add a rule at `position`; left out, just above a final catch-all rule, else last."""
    policies.require_admin(actor)
    ack_minutes, respond_minutes = data.deadline_minutes()
    _check_deadlines(ack_minutes, respond_minutes)
    await _check_match(session, actor, data.match)
    if data.target.unit_id is not None:
        await _check_unit(session, actor, data.target.unit_id)
    rules = await _ordered(session, actor.org_id, lock=True)
    now = clock.now()
    rule = RoutingRule(
        org_id=actor.org_id,
        id=uuid.uuid4(),
        name=data.name.strip(),
        active=data.active,
        ack_minutes=ack_minutes,
        respond_minutes=respond_minutes,
        version=1,
        created_at=now,
        updated_at=now,
    )
    _apply_match(rule, data.match)
    _apply_target(rule, data.target)
    if data.position is not None:
        index = min(data.position, len(rules))
    elif rules and _is_catch_all(rules[-1]):
        index = len(rules) - 1
    else:
        index = len(rules)
    rule.position = index
    rules.insert(index, rule)
    session.add(rule)
    _renumber(rules, now)
    await session.flush()
    return (await _outs(session, actor.org_id, [rule]))[0]


async def update_rule(
    session: AsyncSession,
    actor: Principal,
    rule_id: uuid.UUID,
    data: RoutingRuleUpdate,
    *,
    expected_version: int | None = None,
) -> RoutingRuleOut:
    """Change the fields sent. New insights follow the change; routed ones keep their
    owners and deadlines. 412 `version_mismatch` when `expected_version` is stale."""
    policies.require_admin(actor)
    rule = await _rule(session, actor, rule_id, lock=True)
    if expected_version is not None and expected_version != rule.version:
        raise PreconditionFailed(
            "The routing rule has changed since it was read.", extra={"version": rule.version}
        )
    ack_minutes, respond_minutes = data.deadline_minutes()
    _check_deadlines(ack_minutes or rule.ack_minutes, respond_minutes or rule.respond_minutes)
    if data.match is not None:
        await _check_match(session, actor, data.match)
        _apply_match(rule, data.match)
    if data.target is not None:
        if data.target.unit_id is not None:
            await _check_unit(session, actor, data.target.unit_id)
        _apply_target(rule, data.target)
    if data.name is not None:
        rule.name = data.name.strip()
    if data.active is not None:
        rule.active = data.active
    if ack_minutes is not None:
        rule.ack_minutes = ack_minutes
    if respond_minutes is not None:
        rule.respond_minutes = respond_minutes
    _touch(rule, clock.now())
    await session.flush()
    return (await _outs(session, actor.org_id, [rule]))[0]


async def delete_rule(session: AsyncSession, actor: Principal, rule_id: uuid.UUID) -> None:
    """Remove a rule; the ones after it move up. With no active rule left, insights go to
    the managers of the nearest unit with managers, with the organisation's deadlines."""
    policies.require_admin(actor)
    rules = await _ordered(session, actor.org_id, lock=True)
    rule = next((r for r in rules if r.id == rule_id), None)
    if rule is None:
        raise NotFound("No such routing rule.")
    rules.remove(rule)
    await session.delete(rule)
    _renumber(rules, clock.now())
    await session.flush()


async def reorder_rules(
    session: AsyncSession, actor: Principal, data: RuleOrder
) -> list[RoutingRuleOut]:
    """Put the rules in the given order, which must name each rule exactly once."""
    policies.require_admin(actor)
    rules = await _ordered(session, actor.org_id, lock=True)
    by_id = {rule.id: rule for rule in rules}
    if len(data.rule_ids) != len(set(data.rule_ids)) or set(data.rule_ids) != set(by_id):
        raise InvalidInput(
            "Name every routing rule of the organisation exactly once.",
            code="rule_order_mismatch",
        )
    ordered = [by_id[rule_id] for rule_id in data.rule_ids]
    _renumber(ordered, clock.now())
    await session.flush()
    return await _outs(session, actor.org_id, ordered)


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a new insight goes, by which rule and why."""

    unit_name: str
    # The insight's own unit's path: whoever posts is checked against it.
    unit_path: str
    owner_unit_id: uuid.UUID
    owner_name: str
    manager_ids: list[uuid.UUID]
    # Deadlines in minutes.
    ack_minutes: int
    respond_minutes: int
    # The customer loop's deadline is the organisation's, whichever rule routed it.
    customer_deadline_minutes: int
    rule_id: uuid.UUID | None
    rule_name: str
    reason: dict[str, Any]


_units, _organisations, _rules = table(Unit), table(Organisation), table(RoutingRule)
_grants, _people = table(RoleGrant), table(Person)
_u, _o, _r, _g, _p = _units.c, _organisations.c, _rules.c, _grants.c, _people.c

# The insight's unit and the organisation's active rules, in order, in one round trip.
_UNIT_AND_RULES = (
    select(
        _u.name.label("unit_name"),
        _u.path,
        _u.depth,
        _o.ack_deadline_minutes,
        _o.respond_deadline_minutes,
        _o.customer_deadline_minutes,
        _r.id.label("rule_id"),
        _r.name.label("rule_name"),
        _r.match_kinds,
        _r.match_journey_stages,
        _r.match_tags,
        _r.match_min_impact,
        _r.match_unit_id,
        _r.match_theme_id,
        _r.target_levels_up,
        _r.target_unit_id,
        _r.ack_minutes,
        _r.respond_minutes,
    )
    .select_from(
        _units.join(_organisations, _o.id == _u.org_id).outerjoin(
            _rules, and_(_r.org_id == _u.org_id, _r.active)
        )
    )
    .where(_u.org_id == bindparam("org_id"), _u.id == bindparam("unit_id"))
    .order_by(_r.position, _r.created_at, _r.id)
)


async def route_insight(
    session: AsyncSession,
    org_id: uuid.UUID,
    unit_id: uuid.UUID,
    *,
    kind: str,
    journey_stage: str | None,
    tags: list[str],
    customer_impact: int,
    theme_id: uuid.UUID | None = None,
) -> Routing:
    """Apply the first active rule that matches; without one, the managers of the nearest
    unit with managers and the organisation's deadlines. Two statements, whatever the rules.

    Raises NotFound for a unit outside the organisation.
    """
    rows = (await session.execute(_UNIT_AND_RULES, {"org_id": org_id, "unit_id": unit_id})).all()
    if not rows:
        raise NotFound("No such unit.")
    first = rows[0]
    chain = [uuid.UUID(segment) for segment in first.path.rstrip("/").split("/")]
    facts = Facts(
        kind=kind,
        journey_stage=journey_stage,
        tags=tags,
        customer_impact=customer_impact,
        unit_chain=chain,
        theme_id=theme_id,
    )
    for row in rows:
        if row.rule_id is None:
            break
        matched = policies.matched_conditions(row, facts)
        if matched is None:
            continue
        if row.target_unit_id is not None:
            start, target = row.target_unit_id, {"unit_id": str(row.target_unit_id)}
        else:
            start = chain[max(0, first.depth - row.target_levels_up)]
            target = {"levels_up": row.target_levels_up}
        owners = await org_service.nearest_managers(session, org_id, start)
        return Routing(
            unit_name=first.unit_name,
            unit_path=first.path,
            owner_unit_id=owners.unit_id,
            owner_name=owners.unit_name,
            manager_ids=owners.manager_ids,
            ack_minutes=row.ack_minutes,
            respond_minutes=row.respond_minutes,
            customer_deadline_minutes=first.customer_deadline_minutes,
            rule_id=row.rule_id,
            rule_name=row.rule_name,
            reason={"matched": _readable(matched), "target": target},
        )
    owners = await org_service.nearest_managers(session, org_id, unit_id)
    return Routing(
        unit_name=first.unit_name,
        unit_path=first.path,
        owner_unit_id=owners.unit_id,
        owner_name=owners.unit_name,
        manager_ids=owners.manager_ids,
        ack_minutes=first.ack_deadline_minutes,
        respond_minutes=max(first.respond_deadline_minutes, first.ack_deadline_minutes),
        customer_deadline_minutes=first.customer_deadline_minutes,
        rule_id=None,
        rule_name="No active rule matched",
        reason={"matched": {}, "target": {"levels_up": 0}},
    )


def route_in(
    directory: Directory,
    unit_id: uuid.UUID,
    *,
    kind: str,
    journey_stage: str | None,
    tags: list[str],
    customer_impact: int,
) -> Routing:
    """`route_insight` on a directory held in memory: the same decision, no statement.

    Raises NotFound for a unit the directory does not hold.
    """
    unit = directory.units.get(unit_id)
    if unit is None:
        raise NotFound("No such unit.")
    chain = unit.chain()
    facts = Facts(
        kind=kind,
        journey_stage=journey_stage,
        tags=tags,
        customer_impact=customer_impact,
        unit_chain=chain,
    )
    for row in directory.rules:
        matched = policies.matched_conditions(row, facts)
        if matched is None:
            continue
        if row.target_unit_id is not None:
            start, target = row.target_unit_id, {"unit_id": str(row.target_unit_id)}
        else:
            start = chain[max(0, unit.depth - row.target_levels_up)]
            target = {"levels_up": row.target_levels_up}
        owner, managers = _nearest_managers_in(directory, start)
        return Routing(
            unit_name=unit.name,
            unit_path=unit.path,
            owner_unit_id=owner.id,
            owner_name=owner.name,
            manager_ids=managers,
            ack_minutes=row.ack_minutes,
            respond_minutes=row.respond_minutes,
            customer_deadline_minutes=directory.customer_deadline_minutes,
            rule_id=row.rule_id,
            rule_name=row.rule_name,
            reason={"matched": _readable(matched), "target": target},
        )
    owner, managers = _nearest_managers_in(directory, unit_id)
    return Routing(
        unit_name=unit.name,
        unit_path=unit.path,
        owner_unit_id=owner.id,
        owner_name=owner.name,
        manager_ids=managers,
        ack_minutes=directory.ack_deadline_minutes,
        respond_minutes=max(directory.respond_deadline_minutes, directory.ack_deadline_minutes),
        customer_deadline_minutes=directory.customer_deadline_minutes,
        rule_id=None,
        rule_name="No active rule matched",
        reason={"matched": {}, "target": {"levels_up": 0}},
    )


def _nearest_managers_in(
    directory: Directory, unit_id: uuid.UUID
) -> tuple[UnitEntry, list[uuid.UUID]]:
    """`org_service.nearest_managers` on a directory: the deepest unit at or above
    `unit_id` with active managers, and them; without any, the root and no one."""
    start = directory.units.get(unit_id)
    if start is None:
        raise NotFound("No such unit.")
    chain = [directory.units[i] for i in start.chain() if i in directory.units]
    managed = [entry for entry in chain if entry.managers]
    if managed:
        owner = max(managed, key=lambda entry: entry.depth)
        return owner, list(owner.managers)
    return min(chain, key=lambda entry: entry.depth), []


def _readable(matched: dict[str, Any]) -> dict[str, Any]:
    if "customer_impact" in matched:
        return {**matched, "customer_impact": IMPACT_LEVELS[matched["customer_impact"]].value}
    return matched


async def add_default_rule(session: AsyncSession, org: Organisation) -> None:
    """Give a new organisation the rule it starts with: everything to the managers of the
    nearest unit that has any, with the organisation's deadlines."""
    session.add(RoutingRule.default_for(org, clock.now()))
    await session.flush()
