"""What the insights domain holds about one person, for their data export
(`app.privacy.service.export_person`): the insights they posted, their comments and their
"me too"s.

The confidentiality rule is the insights' own (`policies.shows_reporter`): a confidential
reporter is named to nobody but themselves. An export made for someone else
(`include_confidential=False`) therefore leaves out what they reported confidentially and
what hangs on it; other domains leave out their rows on those insights by
`confidential_insights`.
"""

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights.models import Comment, Endorsement, Insight, Visibility
from app.platform.db import table

_insights = table(Insight)
_comments = table(Comment)
_endorsements = table(Endorsement)


def confidential_insights(
    org_id: uuid.UUID, *, reported_by: uuid.UUID | None = None
) -> Select[uuid.UUID]:
    """The ids of the organisation's confidential insights, or of those `reported_by`
    posted: a subquery for leaving out what would tie a reporter to them."""
    query = select(_insights.c.id).where(
        _insights.c.org_id == org_id, _insights.c.visibility == Visibility.CONFIDENTIAL
    )
    if reported_by is not None:
        query = query.where(_insights.c.author_id == reported_by)
    return query


async def insights_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID, *, include_confidential: bool
) -> list[dict[str, Any]]:
    """The insights the person posted, oldest first."""
    i = _insights.c
    query = select(
        i.id,
        i.kind,
        i.text,
        i.language,
        i.visibility,
        i.status,
        i.journey_stage,
        i.touchpoint,
        i.tags,
        i.occurred_at,
        i.created_at,
        i.closed_at,
        i.resolution,
    ).where(i.org_id == org_id, i.author_id == person_id)
    if not include_confidential:
        query = query.where(i.visibility != Visibility.CONFIDENTIAL)
    rows = await session.execute(query.order_by(i.created_at))
    return [dict(row) for row in rows.mappings()]


async def comments_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID, *, include_confidential: bool
) -> list[dict[str, Any]]:
    """The comments the person wrote, oldest first; without `include_confidential`, not
    those in the thread of an insight they reported confidentially."""
    c = _comments.c
    query = select(c.id, c.insight_id, c.body, c.created_at).where(
        c.org_id == org_id, c.author_id == person_id
    )
    if not include_confidential:
        query = query.where(
            c.insight_id.not_in(confidential_insights(org_id, reported_by=person_id))
        )
    rows = await session.execute(query.order_by(c.created_at))
    return [dict(row) for row in rows.mappings()]


async def endorsements_of(
    session: AsyncSession, org_id: uuid.UUID, person_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The insights the person backed ("me too"), oldest first. Nobody backs their own."""
    e = _endorsements.c
    rows = await session.execute(
        select(e.id, e.insight_id, e.note, e.created_at)
        .where(e.org_id == org_id, e.person_id == person_id)
        .order_by(e.created_at)
    )
    return [dict(row) for row in rows.mappings()]
