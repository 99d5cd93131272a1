"""How themes are made in this deployment, for operators and the admin view."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.platform.db import table
from app.themes import clustering, policies, vectors
from app.themes.embedder import Embedder
from app.themes.models import EmbeddingBacklog
from app.themes.schemas import ThemeSettingsOut

_backlog = table(EmbeddingBacklog)


async def theme_settings(
    session: AsyncSession, actor: Principal, embedder: Embedder
) -> ThemeSettingsOut:
    policies.require_reader(actor)
    waiting = await session.scalar(
        select(func.count()).select_from(_backlog).where(_backlog.c.org_id == actor.org_id)
    )
    method = await vectors.search_method(session)
    return ThemeSettingsOut(
        embedder=embedder.name,
        dimensions=embedder.dimensions,
        search=method.value,
        likely_duplicate_similarity=clustering.LIKELY_DUPLICATE_SIMILARITY,
        assign_similarity=clustering.ASSIGN_SIMILARITY,
        embedding_backlog=int(waiting or 0),
    )
