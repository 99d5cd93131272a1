import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.insights import comments, endorsements, merges, posting, queries, service, timeline
from app.insights.models import InsightStatus
from app.insights.schemas import (
    AssignInput,
    BulkTriageInput,
    BulkTriageOut,
    CommentCreate,
    CommentOut,
    DeclineInput,
    EndorsementCreate,
    EndorsementOut,
    EventOut,
    InsightCreate,
    InsightFilters,
    InsightOut,
    MergeInput,
    ResolveInput,
)
from app.loop import followup
from app.loop.schemas import InsightDetail, MyInsightOut
from app.org.taxonomy import InsightKind
from app.platform.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from app.themes import similar
from app.themes.schemas import PostedInsight
from app.web.caller import Caller, UncheckedCaller, current_caller, reader
from app.web.etags import IfMatch, expected_version, set_etag
from app.web.routes import ApiRoute
from app.web.unit_of_work import AUDIT_RECORDED, Session, audit_rider, runtime

router = APIRouter(tags=["insights"], route_class=ApiRoute)

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


def _filters(
    status_: Annotated[list[InsightStatus] | None, Query(alias="status")] = None,
    kind: Annotated[list[InsightKind] | None, Query()] = None,
    journey_stage: Annotated[list[str] | None, Query()] = None,
    unit_id: Annotated[uuid.UUID | None, Query(description="Only this unit's subtree.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text search.")] = None,
) -> InsightFilters:
    return InsightFilters(
        status=status_, kind=kind, journey_stage=journey_stage, unit_id=unit_id, q=q
    )


Filters = Annotated[InsightFilters, Depends(_filters)]


@router.post(
    "/insights",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": PostedInsight, "description": "Already posted with this id."}},
)
async def post_insight(
    request: Request,
    body: InsightCreate,
    session: Session,
    caller: UncheckedCaller,
    response: Response,
    with_similar: Annotated[
        bool,
        Query(
            alias="similar",
            description="List the open insights most like this one (the answer's `similar`).",
        ),
    ] = True,
) -> PostedInsight:
    """Post an insight. The first active routing rule that matches it (kind, journey stage,
    tags, customer impact, unit) sets its deadlines and the unit whose managers own it (the
    nearest unit at or above the rule's target that has managers); when none matches, the
    nearest unit with managers at or above where it happened owns it, with the organisation's
    deadlines. Its timeline's `routed` event names the rule and why it matched. A retry with
    the same `id` returns the stored insight (200). The answer lists the open insights most
    like it, in any language, that you may read, so that you can back one instead."""
    running = runtime(request)
    cached = posting.Cached(
        directories=running.directories,
        refresh=reader(request, session),
        audit=audit_rider(request),
        audited=AUDIT_RECORDED,
    )
    insight, created = await posting.create_insight(session, caller, body, cached)
    caller = current_caller(request, caller)
    found = None
    if with_similar:
        embedder = runtime(request).embedder
        assert embedder is not None
        if created:
            found, rerouted = await similar.similar_on_posting(
                session, caller, insight.id, insight.text, insight.language, embedder
            )
            insight = rerouted or insight
        else:
            found = await similar.similar_to_insight(
                session, caller, insight.id, model=embedder.name, open_only=True
            )
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/insights/{insight.id}"
    set_etag(response, insight.version)
    return PostedInsight(**insight.model_dump(), similar=found)


@router.post("/insights/bulk")
async def triage_insights(body: BulkTriageInput, session: Session, caller: Caller) -> BulkTriageOut:
    """Acknowledge, assign or decline up to 100 insights. Each item succeeds or fails on its
    own, with the error code a single call would give; the answer is 200 either way."""
    return await service.triage(session, caller, body)


@router.get("/inbox")
async def list_inbox(
    session: Session,
    caller: Caller,
    filters: Filters,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> Page[InsightOut]:
    """Insights routed to the caller's units: overdue first, then newest; open ones by default."""
    return await queries.list_insights(
        session, caller, scope="inbox", filters=filters, limit=limit, cursor=cursor
    )


@router.get("/insights")
async def list_insights(
    session: Session,
    caller: Caller,
    filters: Filters,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> Page[InsightOut]:
    """Every insight the caller may read, newest first."""
    return await queries.list_insights(
        session, caller, scope="visible", filters=filters, limit=limit, cursor=cursor
    )


@router.get("/me/insights")
async def list_my_insights(
    session: Session,
    caller: Caller,
    status_: Annotated[list[InsightStatus] | None, Query(alias="status")] = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> Page[MyInsightOut]:
    """The caller's own insights with their status, actions and latest answer."""
    return await followup.my_insights(
        session, caller, filters=InsightFilters(status=status_), limit=limit, cursor=cursor
    )


@router.get("/insights/{insight_id}")
async def get_insight(
    insight_id: uuid.UUID, session: Session, caller: Caller, response: Response
) -> InsightDetail:
    """The insight as it is now, with what followed it; its version is the ETag."""
    return await _detail(session, caller, response, insight_id)


async def _detail(
    session: Session, caller: Caller, response: Response, insight_id: uuid.UUID
) -> InsightDetail:
    """The insight as it is now, with what followed it, and its version as the ETag."""
    insight = await followup.insight_detail(session, caller, insight_id)
    set_etag(response, insight.version)
    return insight


async def _transition(
    session: Session,
    caller: Caller,
    response: Response,
    insight_id: uuid.UUID,
    target: InsightStatus,
    note: str | None,
    if_match: str | None,
) -> InsightDetail:
    await service.change_status(
        session,
        caller,
        insight_id,
        target,
        note=note,
        expected_version=expected_version(if_match),
    )
    return await _detail(session, caller, response, insight_id)


@router.post("/insights/{insight_id}/acknowledge")
async def acknowledge_insight(
    insight_id: uuid.UUID,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> InsightDetail:
    """Tell the reporter their insight was seen and is owned."""
    return await _transition(
        session, caller, response, insight_id, InsightStatus.ACKNOWLEDGED, None, if_match
    )


@router.post("/insights/{insight_id}/start")
async def start_insight(
    insight_id: uuid.UUID,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> InsightDetail:
    """Mark the insight in progress. 409 `invalid_status_transition` from a status that does
    not allow it; with If-Match, 412 `version_mismatch` when it changed."""
    return await _transition(
        session, caller, response, insight_id, InsightStatus.IN_PROGRESS, None, if_match
    )


@router.post("/insights/{insight_id}/resolve")
async def resolve_insight(
    insight_id: uuid.UUID,
    body: ResolveInput,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> InsightDetail:
    """Resolve the insight with what was done. 409 `invalid_status_transition` from a status
    that does not allow it; with If-Match, 412 `version_mismatch` when it changed."""
    return await _transition(
        session, caller, response, insight_id, InsightStatus.RESOLVED, body.resolution, if_match
    )


@router.post("/insights/{insight_id}/decline")
async def decline_insight(
    insight_id: uuid.UUID,
    body: DeclineInput,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> InsightDetail:
    """Decline the insight with a reason the reporter sees. 409 `invalid_status_transition`
    from a closed status; with If-Match, 412 `version_mismatch` when it changed."""
    return await _transition(
        session, caller, response, insight_id, InsightStatus.DECLINED, body.reason, if_match
    )


@router.post("/insights/{insight_id}/assign")
async def assign_insight(
    insight_id: uuid.UUID,
    body: AssignInput,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> InsightDetail:
    """Hand an open insight to the managers of another unit, with fresh deadlines."""
    await service.assign_insight(
        session, caller, insight_id, body, expected_version=expected_version(if_match)
    )
    return await _detail(session, caller, response, insight_id)


@router.get("/insights/{insight_id}/timeline")
async def get_timeline(insight_id: uuid.UUID, session: Session, caller: Caller) -> list[EventOut]:
    """Every change to the insight, oldest first."""
    return await timeline.timeline(session, caller, insight_id)


@router.get("/insights/{insight_id}/comments")
async def list_comments(
    insight_id: uuid.UUID, session: Session, caller: Caller
) -> list[CommentOut]:
    """The thread between the reporter and the managers, oldest first; 403 `not_in_thread`
    for a reader who is not part of it."""
    return await comments.list_comments(session, caller, insight_id)


@router.post("/insights/{insight_id}/comments", status_code=status.HTTP_201_CREATED)
async def post_comment(
    insight_id: uuid.UUID, body: CommentCreate, session: Session, caller: Caller
) -> CommentOut:
    """Add to the thread between the reporter and the managers (a confidential reporter
    stays unnamed)."""
    return await comments.add_comment(session, caller, insight_id, body)


@router.post(
    "/insights/{insight_id}/endorsements",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": EndorsementOut, "description": "You already backed it."}},
)
async def endorse_insight(
    insight_id: uuid.UUID,
    body: EndorsementCreate,
    session: Session,
    caller: Caller,
    response: Response,
) -> EndorsementOut:
    """ "I see this too": back a colleague's insight from your unit. Once per person."""
    endorsement, created = await endorsements.endorse(session, caller, insight_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return endorsement


@router.get("/insights/{insight_id}/endorsements")
async def list_endorsements(
    insight_id: uuid.UUID, session: Session, caller: Caller
) -> list[EndorsementOut]:
    """Who backed it and from where; the endorsers are named to its managers only."""
    return await endorsements.list_endorsements(session, caller, insight_id)


@router.post("/insights/{insight_id}/merge")
async def merge_insights(
    insight_id: uuid.UUID, body: MergeInput, session: Session, caller: Caller, response: Response
) -> InsightDetail:
    """Fold duplicates into this insight: they leave the inboxes and follow it, and their
    reporters, endorsers and customers are answered with it."""
    await merges.merge_insights(session, caller, insight_id, body)
    return await _detail(session, caller, response, insight_id)
