"""The shapes of the demo's content: insight templates, themes and actions."""

from dataclasses import dataclass, field

from app.actions.models import ActionStatus
from app.org.taxonomy import ImpactLevel, InsightKind

DEFAULT = "default"  # a template without its own journey stage or touchpoint uses its theme's


@dataclass(frozen=True, slots=True)
class Template:
    """A text template: `{slot}` is filled from the context, `{a|b|c}` picks one."""

    kind: InsightKind
    text: str
    stage: str | None = DEFAULT
    touchpoint: str | None = DEFAULT
    tag: str = ""  # what an action picks its insights by
    # What the manager answers, when it is specific to this template rather than the theme.
    resolution: str = ""
    decline: str = ""


@dataclass(frozen=True, slots=True)
class Theme:
    key: str
    stages: tuple[str | None, ...]
    touchpoints: tuple[str | None, ...]
    impacts: tuple[ImpactLevel, ...]
    affected: tuple[int, int]
    fi: tuple[Template, ...]
    en: tuple[Template, ...] = ()
    resolutions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    declines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    replies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    confidential: float = 0.08


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action as it happened: who took it, about which units' insights, and when.

    People and units are named by their keys in `content.organisation`; times count days back
    from today.
    """

    title: str
    description: str
    creator: str
    owner: str
    theme: str
    units: tuple[str, ...]
    per_unit: tuple[int, int]
    created_days_ago: float
    status: ActionStatus
    due_in_days: int
    started_days_ago: float | None = None
    finished_days_ago: float | None = None
    outcome_fi: str | None = None
    outcome_en: str | None = None
    # Which of the theme's templates the linked insights are written from; all if empty.
    tags: tuple[str, ...] = ()
