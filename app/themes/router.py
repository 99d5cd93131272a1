import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime

from app.themes import journey, reports, runs, service, similar
from app.themes.charts import journey_canvas, trend_canvas
from app.themes.embedder import Embedder
from app.themes.report_schemas import (
    JourneyMatrix,
    StatusTimes,
    ThemePriority,
    ThemeReach,
    ThemeReportQuery,
)
from app.themes.schemas import (
    ClusteringRunOut,
    DraftText,
    SimilarInsights,
    SplitOut,
    ThemeDecisionOut,
    ThemeMergeInput,
    ThemeMoveInput,
    ThemeName,
    ThemeOut,
    ThemeSettingsOut,
    ThemeSplitInput,
)
from app.themes.settings import theme_settings
from app.web.caller import Caller
from app.web.etags import IfMatch, expected_version, set_etag
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["themes"], route_class=ApiRoute)

SimilarLimit = Annotated[int, Query(ge=1, le=20, description="At most this many.")]


def _embedder(request: Request) -> Embedder:
    embedder = runtime(request).embedder
    assert embedder is not None
    return embedder


@router.get("/themes")
async def list_themes(session: Session, caller: Caller) -> list[ThemeOut]:
    """The organisation's themes that hold an insight you may read, largest first: what many
    insights say together, across units and languages. Managers, HR and administrators."""
    return await service.list_themes(session, caller)


@router.get("/themes/settings")
async def get_theme_settings(
    request: Request, session: Session, caller: Caller
) -> ThemeSettingsOut:
    """How themes are made here: the embedder, whether similar insights are found by
    pgvector's index or by exact search, the thresholds, and the embedding backlog."""
    return await theme_settings(session, caller, _embedder(request))


@router.get("/themes/runs")
async def list_clustering_runs(session: Session, caller: Caller) -> list[ClusteringRunOut]:
    """The latest re-clusterings of the organisation's themes, with their progress."""
    return await runs.list_runs(session, caller)


@router.post(
    "/themes/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={200: {"model": ClusteringRunOut, "description": "One is already under way."}},
)
async def start_clustering_run(
    session: Session, caller: Caller, response: Response
) -> ClusteringRunOut:
    """Re-cluster the organisation's themes now (a worker starts it within a minute; follow
    its progress at GET /themes/runs). Managers' names, merges, splits and moves are kept.
    While one is queued or running, that one is returned (200). Managers and administrators."""
    run, created = await runs.request_run(session, caller)
    if not created:
        response.status_code = status.HTTP_200_OK
    return run


UnitId = Annotated[
    uuid.UUID | None,
    Query(description="The unit whose subtree is counted; by default your whole reading scope."),
]
From = Annotated[
    AwareDatetime | None,
    Query(alias="from", description="Insights posted at or after this; by default 90 days ago."),
]
To = Annotated[
    AwareDatetime | None, Query(alias="to", description="…and before this; by default now.")
]


def _report_query(unit_id: UnitId = None, start: From = None, end: To = None) -> ThemeReportQuery:
    return ThemeReportQuery(unit_id=unit_id, start=start, end=end)


# The unit and period every theme report is over.
Report = Annotated[ThemeReportQuery, Depends(_report_query)]
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "The chart as SVG."}
}
_PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "The chart as a PNG image."}
}


@router.get("/themes/reach")
async def list_theme_reach(
    session: Session,
    caller: Caller,
    query: Report,
) -> list[ThemeReach]:
    """How widely each theme holds in a unit's subtree over a period: insights, distinct
    reporters (fewer than 3 is never given as a number), units and stores, customers
    affected, endorsements, impact, first and last seen, and a weekly trend; with the
    breadth label: anecdotal, local or systemic (the rule is in the schema)."""
    return await reports.theme_reach(session, caller, query)


@router.get("/themes/priorities")
async def list_theme_priorities(
    session: Session,
    caller: Caller,
    query: Report,
) -> list[ThemePriority]:
    """Themes ranked for attention by reach, impact, trend and the age of what is still
    open; each score explained term by term (value, weight, contribution, why)."""
    return await reports.theme_priorities(session, caller, query)


@router.get("/themes/journey")
async def get_journey_matrix(
    session: Session,
    caller: Caller,
    query: Report,
) -> JourneyMatrix:
    """Journey stage × theme counts, the same by unit, and each theme's dominant stages:
    where in the customer journey the frontline sees each problem."""
    return await journey.journey_matrix(session, caller, query)


@router.get("/themes/journey.svg", response_class=Response, responses=_SVG)
async def get_journey_heat_map(
    session: Session,
    caller: Caller,
    query: Report,
) -> Response:
    """The journey-stage × theme heat map, embeddable in a dashboard."""
    matrix = await journey.journey_matrix(session, caller, query)
    return Response(journey_canvas(matrix).to_svg(), media_type="image/svg+xml")


@router.get("/themes/journey.png", response_class=Response, responses=_PNG)
async def get_journey_heat_map_png(
    session: Session,
    caller: Caller,
    query: Report,
) -> Response:
    """The journey-stage × theme heat map as a PNG image."""
    matrix = await journey.journey_matrix(session, caller, query)
    return Response(journey_canvas(matrix).to_png(), media_type="image/png")


@router.get("/themes/status-times")
async def get_status_times(
    session: Session,
    caller: Caller,
    query: Report,
) -> StatusTimes:
    """Where insights wait: time spent new, acknowledged and in progress, by journey stage
    and by theme; and where actions stall (open, overdue, median open age)."""
    return await journey.status_times(session, caller, query)


@router.get("/themes/{theme_id}/reach")
async def get_theme_reach(
    theme_id: uuid.UUID,
    session: Session,
    caller: Caller,
    query: Report,
) -> ThemeReach:
    """One theme's reach over a period (see GET /themes/reach)."""
    return await reports.theme_reach_of(session, caller, theme_id, query)


@router.get("/themes/{theme_id}/trend.svg", response_class=Response, responses=_SVG)
async def get_theme_trend_chart(
    theme_id: uuid.UUID,
    session: Session,
    caller: Caller,
    query: Report,
) -> Response:
    """A theme's insights per week, embeddable in a dashboard."""
    reach = await reports.theme_reach_of(session, caller, theme_id, query)
    return Response(trend_canvas(reach).to_svg(), media_type="image/svg+xml")


@router.get("/themes/{theme_id}/trend.png", response_class=Response, responses=_PNG)
async def get_theme_trend_chart_png(
    theme_id: uuid.UUID,
    session: Session,
    caller: Caller,
    query: Report,
) -> Response:
    """A theme's insights per week as a PNG image."""
    reach = await reports.theme_reach_of(session, caller, theme_id, query)
    return Response(trend_canvas(reach).to_png(), media_type="image/png")


@router.get("/themes/{theme_id}")
async def get_theme(
    theme_id: uuid.UUID, session: Session, caller: Caller, response: Response
) -> ThemeOut:
    """One theme: its names, labels and dominant journey stages."""
    theme = await service.get_theme(session, caller, theme_id)
    set_etag(response, theme.version)
    return theme


@router.patch("/themes/{theme_id}")
async def rename_theme(
    theme_id: uuid.UUID,
    body: ThemeName,
    session: Session,
    caller: Caller,
    response: Response,
    if_match: IfMatch = None,
) -> ThemeOut:
    """Name a theme in Finnish and English. The names outlive every re-clustering."""
    theme = await service.rename_theme(
        session, caller, theme_id, body, expected_version=expected_version(if_match)
    )
    set_etag(response, theme.version)
    return theme


@router.post("/themes/{theme_id}/merge")
async def merge_theme(
    theme_id: uuid.UUID,
    body: ThemeMergeInput,
    session: Session,
    caller: Caller,
    if_match: IfMatch = None,
) -> ThemeOut:
    """Fold this theme into another: its insights move there for good, routing rules that
    name it name the other. Returns the theme that absorbed it."""
    return await service.merge_themes(
        session, caller, theme_id, body, expected_version=expected_version(if_match)
    )


@router.post("/themes/{theme_id}/split", status_code=status.HTTP_201_CREATED)
async def split_theme(
    request: Request,
    theme_id: uuid.UUID,
    body: ThemeSplitInput,
    session: Session,
    caller: Caller,
    if_match: IfMatch = None,
) -> SplitOut:
    """Take some of a theme's insights into a new theme of their own, for good."""
    return await service.split_theme(
        session,
        caller,
        theme_id,
        body,
        model=_embedder(request).name,
        expected_version=expected_version(if_match),
    )


@router.get("/themes/{theme_id}/decisions")
async def list_theme_decisions(
    theme_id: uuid.UUID, session: Session, caller: Caller
) -> list[ThemeDecisionOut]:
    """What managers decided about a theme (renamed, merged, split, moved), newest first."""
    return await service.theme_decisions(session, caller, theme_id)


@router.put("/insights/{insight_id}/theme")
async def move_insight_to_theme(
    insight_id: uuid.UUID, body: ThemeMoveInput, session: Session, caller: Caller
) -> ThemeOut:
    """Put an insight you may act on into a theme, for good: re-clustering leaves it there."""
    return await service.move_insight(session, caller, insight_id, body)


@router.get("/insights/{insight_id}/similar")
async def similar_insights(
    request: Request,
    insight_id: uuid.UUID,
    session: Session,
    caller: Caller,
    limit: SimilarLimit = similar.DEFAULT_LIMIT,
) -> SimilarInsights:
    """The insights nearest in meaning to this one, open or closed, in any language, among
    those you may read; each with its similarity and a `likely_duplicate` flag."""
    return await similar.similar_to_insight(
        session, caller, insight_id, model=_embedder(request).name, limit=limit
    )


@router.post("/insights/similar")
async def similar_to_draft(
    request: Request, body: DraftText, session: Session, caller: Caller
) -> SimilarInsights:
    """Before posting: the open insights nearest in meaning to a text, in any language, that
    you may read, so that you can back one ("me too") instead of repeating it."""
    return await similar.similar_to_text(
        session, caller, body.text, _embedder(request), limit=body.limit
    )
