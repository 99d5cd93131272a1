"""Insights in GraphQL: the lists and the insight's own changes, over the insights service."""

import uuid

import strawberry

from app.gql.arguments import expected
from app.gql.context import Info
from app.gql.fields import field, mutation
from app.gql.ids import uuid_of
from app.gql.relay import After, Connection, First, connection, found
from app.insights import comments as insight_comments
from app.insights import endorsements as insight_endorsements
from app.insights import merges as insight_merges
from app.insights import posting as insight_posting
from app.insights import queries as insight_queries
from app.insights import service as insights_service
from app.insights.gql_inputs import (
    AcknowledgeInsightInput,
    AddCommentInput,
    AssignInsightInput,
    DeclineInsightInput,
    EndorseInsightInput,
    InsightFilter,
    MergeInsightsInput,
    PostInsightInput,
    ResolveInsightInput,
    StartInsightInput,
    TriageInsightsInput,
)
from app.insights.gql_types import Comment, Endorsement, Insight, TriageInsightsPayload
from app.insights.schemas import InsightFilters, InsightStatus
from app.loop import followup
from app.platform.pagination import DEFAULT_PAGE_SIZE


@strawberry.type
class PostInsightPayload:
    insight: Insight
    created: bool = strawberry.field(
        description="False when an insight with this client id was already posted."
    )


@strawberry.type
class AcknowledgeInsightPayload:
    insight: Insight


@strawberry.type
class StartInsightPayload:
    insight: Insight


@strawberry.type
class ResolveInsightPayload:
    insight: Insight


@strawberry.type
class DeclineInsightPayload:
    insight: Insight


@strawberry.type
class AddCommentPayload:
    comment: Comment


@strawberry.type
class AssignInsightPayload:
    insight: Insight


@strawberry.type
class EndorseInsightPayload:
    endorsement: Endorsement
    created: bool = strawberry.field(description="False when you had already backed it.")


@strawberry.type
class MergeInsightsPayload:
    insight: Insight = strawberry.field(description="The parent, with the duplicates folded in.")


async def find_insight(info: Info, key: uuid.UUID) -> Insight | None:
    return await found(info.context.loaders.insight.load(key), Insight.from_pydantic)


async def _insights(
    info: Info,
    scope: insight_queries.Scope,
    filters: InsightFilters,
    first: int,
    after: str | None,
) -> Connection[Insight]:
    page = await info.context.read(
        insight_queries.list_insights, scope=scope, filters=filters, limit=first, cursor=after
    )
    return connection(page, Insight.from_pydantic)


def _filters(filter: InsightFilter | None) -> InsightFilters:
    return filter.to_model() if filter is not None else InsightFilters()


async def _move(
    info: Info,
    id: strawberry.ID,
    target: InsightStatus,
    version: int | None,
    note: str | None = None,
) -> Insight:
    insight_id = uuid_of("Insight", id)
    await info.context.write(
        insights_service.change_status,
        insight_id,
        target,
        note=note,
        expected_version=expected(version),
    )
    return Insight.from_pydantic(await info.context.read(followup.insight_detail, insight_id))


@strawberry.type
class InsightQueries:
    @field("An insight; null when it is missing or out of your reach.")
    async def insight(self, info: Info, id: strawberry.ID) -> Insight | None:
        return await find_insight(info, uuid_of("Insight", id))

    @field(
        "Insights routed to your units: overdue first, then newest; open ones "
        "unless the filter names statuses."
    )
    async def inbox(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: InsightFilter | None = None,
    ) -> Connection[Insight]:
        return await _insights(info, "inbox", _filters(filter), first, after)

    @field("Every insight you may read, newest first.")
    async def insights(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: InsightFilter | None = None,
    ) -> Connection[Insight]:
        return await _insights(info, "visible", _filters(filter), first, after)

    @field("Your own insights, newest first, with their actions and latest answer.")
    async def my_insights(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        status: list[InsightStatus] | None = None,
    ) -> Connection[Insight]:
        mine = await info.context.read(
            followup.my_insights, filters=InsightFilters(status=status), limit=first, cursor=after
        )
        return connection(mine, Insight.from_pydantic)


@strawberry.type
class InsightMutations:
    @mutation("Post an insight; it goes to the managers of the nearest unit that has any.")
    async def post_insight(self, info: Info, input: PostInsightInput) -> PostInsightPayload:
        insight, created = await info.context.write(
            insight_posting.create_insight, input.to_model()
        )
        return PostInsightPayload(insight=Insight.from_pydantic(insight), created=created)

    @mutation("Tell the reporter their insight was seen and is owned.")
    async def acknowledge_insight(
        self, info: Info, input: AcknowledgeInsightInput
    ) -> AcknowledgeInsightPayload:
        insight = await _move(info, input.id, InsightStatus.ACKNOWLEDGED, input.expected_version)
        return AcknowledgeInsightPayload(insight=insight)

    @strawberry.mutation
    async def start_insight(self, info: Info, input: StartInsightInput) -> StartInsightPayload:
        insight = await _move(info, input.id, InsightStatus.IN_PROGRESS, input.expected_version)
        return StartInsightPayload(insight=insight)

    @strawberry.mutation
    async def resolve_insight(
        self, info: Info, input: ResolveInsightInput
    ) -> ResolveInsightPayload:
        resolution = input.to_model().resolution
        insight = await _move(
            info, input.id, InsightStatus.RESOLVED, input.expected_version, resolution
        )
        return ResolveInsightPayload(insight=insight)

    @strawberry.mutation
    async def decline_insight(
        self, info: Info, input: DeclineInsightInput
    ) -> DeclineInsightPayload:
        reason = input.to_model().reason
        insight = await _move(
            info, input.id, InsightStatus.DECLINED, input.expected_version, reason
        )
        return DeclineInsightPayload(insight=insight)

    @mutation(
        "Add to the thread between the reporter and the managers (a confidential "
        "reporter stays unnamed)."
    )
    async def add_comment(self, info: Info, input: AddCommentInput) -> AddCommentPayload:
        comment = await info.context.write(
            insight_comments.add_comment, uuid_of("Insight", input.insight_id), input.to_model()
        )
        return AddCommentPayload(comment=Comment.from_pydantic(comment))

    @mutation("Hand an open insight to the managers of another unit, with fresh deadlines.")
    async def assign_insight(self, info: Info, input: AssignInsightInput) -> AssignInsightPayload:
        insight_id = uuid_of("Insight", input.id)
        await info.context.write(
            insights_service.assign_insight,
            insight_id,
            input.to_model(),
            expected_version=expected(input.expected_version),
        )
        detail = await info.context.read(followup.insight_detail, insight_id)
        return AssignInsightPayload(insight=Insight.from_pydantic(detail))

    @mutation(
        "Acknowledge, assign or decline up to 100 insights. Each succeeds or fails on its own "
        "and says so in `results`; failures are not GraphQL errors."
    )
    async def triage_insights(
        self, info: Info, input: TriageInsightsInput
    ) -> TriageInsightsPayload:
        result = await info.context.write(insights_service.triage, input.to_model())
        return TriageInsightsPayload.from_pydantic(result)

    @mutation('"I see this too": back a colleague\'s insight from your unit. Once per person.')
    async def endorse_insight(
        self, info: Info, input: EndorseInsightInput
    ) -> EndorseInsightPayload:
        endorsement, created = await info.context.write(
            insight_endorsements.endorse, uuid_of("Insight", input.insight_id), input.to_model()
        )
        return EndorseInsightPayload(
            endorsement=Endorsement.from_pydantic(endorsement), created=created
        )

    @mutation(
        "Fold duplicates into an insight: they leave the inboxes and follow it, and their "
        "reporters, endorsers and customers are answered with it."
    )
    async def merge_insights(self, info: Info, input: MergeInsightsInput) -> MergeInsightsPayload:
        parent_id = uuid_of("Insight", input.parent_id)
        await info.context.write(insight_merges.merge_insights, parent_id, input.to_model())
        insight = await info.context.read(followup.insight_detail, parent_id)
        return MergeInsightsPayload(insight=Insight.from_pydantic(insight))
