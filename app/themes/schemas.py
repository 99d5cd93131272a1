"""Themes, similar insights and re-clustering runs, as both APIs show them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.insights.schemas import InsightOut
from app.platform.text import NotBlank
from app.themes.models import ThemeDecisionKind
from app.themes.models import ThemeStatus as ThemeStatus

LIKELY_DUPLICATE_RULE = (
    "`likely_duplicate` is true when the cosine similarity of the two texts' vectors is at "
    "least {threshold} (multilingual-e5-small; a translation of the same report scores "
    "about that or more). It is a hint: merging stays a manager's decision."
)


class SimilarInsight(BaseModel):
    insight: InsightOut
    similarity: float = Field(description="Cosine similarity of the two texts, -1 to 1.")
    likely_duplicate: bool


class SimilarInsights(BaseModel):
    """The insights nearest in meaning, whatever their language, among those the caller may
    read; the most similar first."""

    items: list[SimilarInsight]
    search: str = Field(
        description="`pgvector` (an HNSW index in PostgreSQL) or `exact` (every candidate "
        "compared): the same answers either way."
    )
    pending: bool = Field(
        default=False,
        description="True while the insight waits for its vector: ask again in a moment.",
    )


class PostedInsight(InsightOut):
    similar: SimilarInsights | None = Field(
        description="The open insights nearest to this one that you may read, to back one "
        "instead (`similar=false` leaves this out and the answer comes sooner)."
    )


class DraftText(BaseModel):
    """A text about to be posted, to find what colleagues already reported."""

    model_config = ConfigDict(extra="forbid")

    text: NotBlank = Field(max_length=5000)
    limit: int = Field(default=5, ge=1, le=20)


class ThemeName(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_fi: NotBlank = Field(max_length=200)
    name_en: NotBlank = Field(max_length=200)


class ThemeMergeInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    into_theme_id: uuid.UUID = Field(description="The theme that absorbs this one.")


class ThemeSplitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insight_ids: list[uuid.UUID] = Field(
        min_length=1,
        max_length=500,
        description="Insights of this theme that form the new one.",
    )
    name_fi: NotBlank | None = Field(default=None, max_length=200)
    name_en: NotBlank | None = Field(default=None, max_length=200)


class ThemeMoveInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    theme_id: uuid.UUID = Field(description="The theme the insight belongs to from now on.")


class ThemeStageShare(BaseModel):
    journey_stage: str | None
    insights: int
    share: float


class ThemeOut(BaseModel):
    id: uuid.UUID
    status: ThemeStatus
    name_fi: str = Field(description="The manager's Finnish name, else the label.")
    name_en: str = Field(description="The manager's English name, else the label.")
    label_fi: str = Field(description="Made from the insights' own words (c-TF-IDF).")
    label_en: str
    named_by_manager: bool
    merged_into_id: uuid.UUID | None
    curated: bool = Field(
        description="A manager renamed, merged, split or moved insights into it: re-clustering "
        "keeps it."
    )
    insights: int = Field(description="Insights in it across the organisation.")
    dominant_stages: list[ThemeStageShare] = Field(
        description="The journey stages most of its insights are about, most first."
    )
    version: int
    created_at: datetime
    updated_at: datetime


class ThemeDecisionOut(BaseModel):
    kind: ThemeDecisionKind
    theme_id: uuid.UUID
    actor_id: uuid.UUID
    data: dict[str, Any]
    created_at: datetime


class SplitOut(BaseModel):
    theme: ThemeOut
    new_theme: ThemeOut


class RunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class ClusteringRunOut(BaseModel):
    id: uuid.UUID
    state: RunState
    step: str | None = Field(description="reading, clustering, labelling or writing.")
    done: int
    total: int
    result: dict[str, Any] | None = Field(
        description="Insights seen and themed, themes kept, created and retired."
    )
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ThemeSettingsOut(BaseModel):
    """How themes are made here, for operators."""

    embedder: str
    dimensions: int
    search: str = Field(description="`pgvector` or `exact`.")
    likely_duplicate_similarity: float
    assign_similarity: float
    embedding_backlog: int = Field(description="Insights waiting for their vector.")
