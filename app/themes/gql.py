"""Themes and similar insights in GraphQL, over the same services as REST."""

import uuid
from datetime import datetime
from typing import Annotated, Self

import strawberry
from strawberry.scalars import JSON

from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import global_id, uuid_of
from app.gql.relay import Node
from app.insights.gql_types import Insight
from app.platform.errors import NotFound
from app.themes import journey, reports, runs, service, similar
from app.themes import schemas as out
from app.themes.embedder import Embedder
from app.themes.gql_types import JourneyMatrix, StatusTimes, ThemePriority, ThemeReach
from app.themes.report_schemas import ThemeReportQuery
from app.themes.schemas import RunState, ThemeStatus
from app.themes.settings import theme_settings


def _embedder(info: Info) -> Embedder:
    embedder = info.context.runtime.embedder
    assert embedder is not None
    return embedder


@strawberry.type(description="A journey stage and its share of a theme's insights.")
class StageShare:
    journey_stage: str | None
    insights: int
    share: float


@strawberry.type(description="What many insights say together, across units and languages.")
class Theme(Node):
    status: ThemeStatus
    name_fi: str = strawberry.field(description="The manager's Finnish name, else the label.")
    name_en: str = strawberry.field(description="The manager's English name, else the label.")
    label_fi: str = strawberry.field(description="Made from the insights' own words.")
    label_en: str
    named_by_manager: bool
    merged_into_id: strawberry.ID | None
    curated: bool = strawberry.field(
        description="A manager renamed, merged, split or moved insights into it."
    )
    insights: int = strawberry.field(description="Insights in it across the organisation.")
    dominant_stages: list[StageShare]
    version: int
    created_at: datetime
    updated_at: datetime
    key: strawberry.Private[uuid.UUID]

    @classmethod
    def from_pydantic(cls, theme: out.ThemeOut) -> Self:
        return cls(
            id=global_id("Theme", theme.id),
            status=theme.status,
            name_fi=theme.name_fi,
            name_en=theme.name_en,
            label_fi=theme.label_fi,
            label_en=theme.label_en,
            named_by_manager=theme.named_by_manager,
            merged_into_id=(
                global_id("Theme", theme.merged_into_id) if theme.merged_into_id else None
            ),
            curated=theme.curated,
            insights=theme.insights,
            dominant_stages=[
                StageShare(journey_stage=s.journey_stage, insights=s.insights, share=s.share)
                for s in theme.dominant_stages
            ],
            version=theme.version,
            created_at=theme.created_at,
            updated_at=theme.updated_at,
            key=theme.id,
        )


async def find_theme(info: Info, key: uuid.UUID) -> Theme | None:
    try:
        return Theme.from_pydantic(await info.context.read(service.get_theme, key))
    except NotFound:
        return None


@strawberry.type(description="An insight near in meaning to another, or to a draft.")
class SimilarInsight:
    insight: Insight
    similarity: float = strawberry.field(description="Cosine similarity, -1 to 1.")
    likely_duplicate: bool


@strawberry.type(description="The insights nearest in meaning that the caller may read.")
class SimilarInsights:
    items: list[SimilarInsight]
    search: str = strawberry.field(description="`pgvector` or `exact`: the same answers.")
    pending: bool = strawberry.field(
        description="True while the insight waits for its vector: ask again in a moment."
    )

    @classmethod
    def from_pydantic(cls, found: out.SimilarInsights) -> Self:
        return cls(
            items=[
                SimilarInsight(
                    insight=Insight.from_pydantic(item.insight),
                    similarity=item.similarity,
                    likely_duplicate=item.likely_duplicate,
                )
                for item in found.items
            ],
            search=found.search,
            pending=found.pending,
        )


@strawberry.type(description="A re-clustering of the organisation's themes and its progress.")
class ClusteringRun:
    id: strawberry.ID
    state: RunState
    step: str | None
    done: int
    total: int
    result: JSON | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_pydantic(cls, run: out.ClusteringRunOut) -> Self:
        return cls(
            id=strawberry.ID(str(run.id)),
            state=run.state,
            step=run.step,
            done=run.done,
            total=run.total,
            result=JSON(run.result) if run.result is not None else None,
            error=run.error,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


@strawberry.type(description="How themes are made in this deployment.")
class ThemeSettings:
    embedder: str
    dimensions: int
    search: str
    likely_duplicate_similarity: float
    assign_similarity: float
    embedding_backlog: int


def _report_query(
    unit_id: strawberry.ID | None, start: datetime | None, end: datetime | None
) -> ThemeReportQuery:
    return ThemeReportQuery(
        unit_id=uuid_of("Unit", unit_id) if unit_id is not None else None, start=start, end=end
    )


@strawberry.type
class ThemeQueries:
    @field(
        "The organisation's themes that hold an insight you may read, largest first "
        "(managers, HR, administrators)."
    )
    async def themes(self, info: Info) -> list[Theme]:
        return [Theme.from_pydantic(t) for t in await info.context.read(service.list_themes)]

    @field("One theme; null when it is missing or out of your reach.")
    async def theme(self, info: Info, id: strawberry.ID) -> Theme | None:
        return await find_theme(info, uuid_of("Theme", id))

    @field("The latest re-clusterings of the organisation's themes, newest first.")
    async def theme_runs(self, info: Info) -> list[ClusteringRun]:
        return [ClusteringRun.from_pydantic(r) for r in await info.context.read(runs.list_runs)]

    @field("How themes are made here: embedder, search method, thresholds, backlog.")
    async def theme_settings(self, info: Info) -> ThemeSettings:
        found = await info.context.read(theme_settings, _embedder(info))
        return ThemeSettings(**found.model_dump())

    @field(
        "How widely each theme holds in a unit's subtree over [from, to) (by default your "
        "reading scope, the last 90 days): reporters (fewer than 3 never as a number), units, "
        "stores, customers, endorsements, impact, a weekly trend and the breadth label."
    )
    async def theme_reach(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[ThemeReach]:
        query = _report_query(unit_id, from_, to)
        found = await info.context.read(reports.theme_reach, query)
        return [ThemeReach.from_pydantic(r) for r in found]

    @field("Themes ranked for attention, each score explained term by term.")
    async def theme_priorities(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[ThemePriority]:
        query = _report_query(unit_id, from_, to)
        found = await info.context.read(reports.theme_priorities, query)
        return [ThemePriority.from_pydantic(p) for p in found]

    @field("Journey stage × theme counts, by unit too, and each theme's dominant stages.")
    async def journey_matrix(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> JourneyMatrix:
        query = _report_query(unit_id, from_, to)
        return JourneyMatrix.from_pydantic(await info.context.read(journey.journey_matrix, query))

    @field("Where insights wait and actions stall, by journey stage and by theme.")
    async def theme_status_times(
        self,
        info: Info,
        unit_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> StatusTimes:
        query = _report_query(unit_id, from_, to)
        return StatusTimes.from_pydantic(await info.context.read(journey.status_times, query))

    @field(
        "Before posting: the open insights nearest in meaning to a text, in any language, "
        "that you may read."
    )
    async def similar_to_text(
        self, info: Info, text: str, first: int = similar.DEFAULT_LIMIT
    ) -> SimilarInsights:
        draft = out.DraftText(text=text, limit=first)
        found = await info.context.read(
            similar.similar_to_text, draft.text, _embedder(info), limit=draft.limit
        )
        return SimilarInsights.from_pydantic(found)


@strawberry.input
class RenameThemeInput:
    theme_id: strawberry.ID
    name_fi: str
    name_en: str
    expected_version: int | None = None


@strawberry.input
class MergeThemesInput:
    theme_id: strawberry.ID = strawberry.field(description="The theme folded into the other.")
    into_theme_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class SplitThemeInput:
    theme_id: strawberry.ID
    insight_ids: list[strawberry.ID]
    name_fi: str | None = None
    name_en: str | None = None
    expected_version: int | None = None


@strawberry.input
class MoveInsightToThemeInput:
    insight_id: strawberry.ID
    theme_id: strawberry.ID


@strawberry.type
class ThemePayload:
    theme: Theme


@strawberry.type
class SplitThemePayload:
    theme: Theme
    new_theme: Theme


@strawberry.type
class StartThemeRunPayload:
    run: ClusteringRun
    created: bool = strawberry.field(description="False when one was already under way.")


@strawberry.type
class ThemeMutations:
    @mutation("Name a theme in Finnish and English; the names outlive re-clustering.")
    async def rename_theme(self, info: Info, input: RenameThemeInput) -> ThemePayload:
        theme = await info.context.write(
            service.rename_theme,
            uuid_of("Theme", input.theme_id),
            out.ThemeName(name_fi=input.name_fi, name_en=input.name_en),
            expected_version=input.expected_version,
        )
        return ThemePayload(theme=Theme.from_pydantic(theme))

    @mutation("Fold a theme into another; returns the theme that absorbed it.")
    async def merge_themes(self, info: Info, input: MergeThemesInput) -> ThemePayload:
        theme = await info.context.write(
            service.merge_themes,
            uuid_of("Theme", input.theme_id),
            out.ThemeMergeInput(into_theme_id=uuid_of("Theme", input.into_theme_id)),
            expected_version=input.expected_version,
        )
        return ThemePayload(theme=Theme.from_pydantic(theme))

    @mutation("Take some of a theme's insights into a new theme of their own, for good.")
    async def split_theme(self, info: Info, input: SplitThemeInput) -> SplitThemePayload:
        data = out.ThemeSplitInput(
            insight_ids=[uuid_of("Insight", i) for i in input.insight_ids],
            name_fi=input.name_fi,
            name_en=input.name_en,
        )
        split = await info.context.write(
            service.split_theme,
            uuid_of("Theme", input.theme_id),
            data,
            model=_embedder(info).name,
            expected_version=input.expected_version,
        )
        return SplitThemePayload(
            theme=Theme.from_pydantic(split.theme), new_theme=Theme.from_pydantic(split.new_theme)
        )

    @mutation("Put an insight you may act on into a theme, for good.")
    async def move_insight_to_theme(
        self, info: Info, input: MoveInsightToThemeInput
    ) -> ThemePayload:
        theme = await info.context.write(
            service.move_insight,
            uuid_of("Insight", input.insight_id),
            out.ThemeMoveInput(theme_id=uuid_of("Theme", input.theme_id)),
        )
        return ThemePayload(theme=Theme.from_pydantic(theme))

    @mutation("Re-cluster the organisation's themes now, keeping managers' decisions.")
    async def start_theme_run(self, info: Info) -> StartThemeRunPayload:
        run, created = await info.context.write(runs.request_run)
        return StartThemeRunPayload(run=ClusteringRun.from_pydantic(run), created=created)
