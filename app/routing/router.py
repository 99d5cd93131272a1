import uuid

from fastapi import APIRouter, Response, status

from app.routing import service
from app.routing.schemas import RoutingRuleCreate, RoutingRuleOut, RoutingRuleUpdate, RuleOrder
from app.web.caller import Caller
from app.web.etags import IfMatch, expected_version, set_etag
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session

router = APIRouter(tags=["routing"], route_class=ApiRoute)


@router.get("/routing-rules")
async def list_routing_rules(session: Session, caller: Caller) -> list[RoutingRuleOut]:
    """The organisation's routing rules in the order they are tried (administrators only)."""
    return await service.list_rules(session, caller)


@router.post("/routing-rules", status_code=status.HTTP_201_CREATED)
async def create_routing_rule(
    body: RoutingRuleCreate, session: Session, caller: Caller, response: Response
) -> RoutingRuleOut:
    """Add a rule. Without `position` it goes just above a final catch-all rule, or last."""
    rule = await service.create_rule(session, caller, body)
    response.headers["Location"] = f"/api/v1/routing-rules/{rule.id}"
    set_etag(response, rule.version)
    return rule


@router.put("/routing-rules/order")
async def reorder_routing_rules(
    body: RuleOrder, session: Session, caller: Caller
) -> list[RoutingRuleOut]:
    """Put the rules in this order; the list must name every rule exactly once."""
    return await service.reorder_rules(session, caller, body)


@router.get("/routing-rules/{rule_id}")
async def get_routing_rule(
    rule_id: uuid.UUID, session: Session, caller: Caller, response: Response
) -> RoutingRuleOut:
    """One routing rule; its version is the ETag."""
    rule = await service.get_rule(session, caller, rule_id)
    set_etag(response, rule.version)
    return rule


@router.patch("/routing-rules/{rule_id}")
async def update_routing_rule(
    rule_id: uuid.UUID,
    body: RoutingRuleUpdate,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> RoutingRuleOut:
    """Change the fields sent. Insights routed before keep their owners and deadlines."""
    rule = await service.update_rule(
        session, caller, rule_id, body, expected_version=expected_version(if_match)
    )
    set_etag(response, rule.version)
    return rule


@router.delete("/routing-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_routing_rule(rule_id: uuid.UUID, session: Session, caller: Caller) -> None:
    """Remove a rule; the ones after it move up. With no active rule left, insights go to the
    managers of the nearest unit that has any."""
    await service.delete_rule(session, caller, rule_id)
