"""A wave's results, comments and response rates, held to the floors.

Every aggregate is counted in SQL per unit cell of the wave (answers per Likert item and
value, per eNPS value, comments); the cells of a subtree are then added up in Python and
shown only where the wave's release plan (`app.surveys.floors`) releases that subtree. The
plan is made over the organisation's whole unit tree, whoever asks and for whichever unit,
so two readers, or two requests, never see groups that differ by fewer answers than the
floor. Comments have a plan of their own over the comments per unit, with the higher
comment floor.

Results and comments are shown once the wave is closed: figures read while answers still
come in would differ from the next reading by the few answers given in between. Response
rates may be followed while the wave is open (the floors still hold the counts).
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.org.schemas import UnitRef
from app.platform import clock
from app.platform.errors import NotFound
from app.platform.i18n import Locale
from app.surveys import floors, policies, service, waves
from app.surveys.models import ItemKind
from app.surveys.schemas import (
    EnpsResult,
    FactorMean,
    ItemResult,
    RateRow,
    ResponseRates,
    SuppressedReason,
    SurveyCommentOut,
    UnitFigures,
    ValueCount,
    WaveComments,
    WaveResults,
)

_LIKERT_CELLS = text(
    """
SELECT r.unit_id, a.position, a.value, count(*) AS answers
FROM survey_responses r
CROSS JOIN LATERAL unnest(r.likert) WITH ORDINALITY AS a(value, position)
WHERE r.org_id = :org_id AND r.wave_id = :wave_id
GROUP BY r.unit_id, a.position, a.value
"""
)
_ENPS_CELLS = text(
    """
SELECT r.unit_id, r.enps, count(*) AS answers, count(r.comment) AS comments
FROM survey_responses r
WHERE r.org_id = :org_id AND r.wave_id = :wave_id
GROUP BY r.unit_id, r.enps
"""
)
_TREE = text("SELECT id, parent_id, name, path FROM units WHERE org_id = :org_id")
_ELIGIBLE = text(
    "SELECT unit_id, eligible FROM wave_units WHERE org_id = :org_id AND wave_id = :wave_id"
)
# A subtree's comments, ordered by their text: an order that says nothing of who wrote
# which, or when.
_COMMENTS = text(
    """
SELECT r.comment, r.comment_language
FROM survey_responses r
JOIN units u ON u.org_id = r.org_id AND u.id = r.unit_id
WHERE r.org_id = :org_id AND r.wave_id = :wave_id AND u.path LIKE :subtree
  AND r.comment IS NOT NULL
ORDER BY r.comment, r.comment_language
"""
)


@dataclass
class Cell:
    """Counts of one unit's answers, or of a subtree's once added up."""

    n: int = 0
    comments: int = 0
    likert: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    enps: dict[int, int] = field(default_factory=dict)

    def add(self, other: "Cell") -> None:
        self.n += other.n
        self.comments += other.comments
        for position, values in other.likert.items():
            mine = self.likert[position]
            for value, count in values.items():
                mine[value] = mine.get(value, 0) + count
        for value, count in other.enps.items():
            self.enps[value] = self.enps.get(value, 0) + count


@dataclass
class Tree:
    parents: dict[uuid.UUID, uuid.UUID | None]
    names: dict[uuid.UUID, str]
    paths: dict[uuid.UUID, str]
    children: dict[uuid.UUID, list[uuid.UUID]]

    def subtree(self, unit_id: uuid.UUID) -> Iterator[uuid.UUID]:
        stack = [unit_id]
        while stack:
            unit = stack.pop()
            yield unit
            stack.extend(self.children.get(unit, []))

    def ref(self, unit_id: uuid.UUID) -> UnitRef:
        return UnitRef(id=unit_id, name=self.names[unit_id])

    def children_by_name(self, unit_id: uuid.UUID) -> list[uuid.UUID]:
        return sorted(self.children.get(unit_id, []), key=lambda u: (self.names[u], str(u)))


@dataclass
class WaveFacts:
    wave: Any
    tree: Tree
    cells: dict[uuid.UUID, Cell]
    eligible: dict[uuid.UUID, int]
    min_group: int

    def total(self, unit_id: uuid.UUID) -> Cell:
        cell = Cell()
        for unit in self.tree.subtree(unit_id):
            if unit in self.cells:
                cell.add(self.cells[unit])
        return cell

    def eligible_in(self, unit_id: uuid.UUID) -> int:
        return sum(self.eligible.get(u, 0) for u in self.tree.subtree(unit_id))

    def floors(self) -> list[int]:
        """The floor now, and those the wave's results may have been read under before."""
        return sorted({self.min_group, *self.wave.earlier_floors})

    def plan(self) -> "Plans":
        counts = {u: c.n for u, c in self.cells.items()}
        return Plans([floors.release_plan(self.tree.parents, counts, k) for k in self.floors()])

    def comment_plan(self) -> "Plans":
        counts = {u: c.comments for u, c in self.cells.items()}
        return Plans(
            [
                floors.release_plan(self.tree.parents, counts, floors.comment_floor(k))
                for k in self.floors()
            ]
        )


@dataclass
class Plans:
    """The release plans of a wave under each floor it may have been read under: a group is
    released only where every one of them releases it. Each plan releases unions of its
    blocks, so all that was ever read of the wave lies within one plan's groups."""

    plans: list[Any]

    @property
    def floor(self) -> int:
        return max(int(p.floor) for p in self.plans)

    def count(self, unit_id: uuid.UUID) -> int:
        return int(self.plans[0].count(unit_id))

    def releasable(self, unit_id: uuid.UUID) -> bool:
        return all(p.releasable(unit_id) for p in self.plans)

    def released_count(self, unit_id: uuid.UUID) -> int | None:
        return self.count(unit_id) if self.releasable(unit_id) else None


async def _tree(session: AsyncSession, org_id: uuid.UUID) -> Tree:
    parents: dict[uuid.UUID, uuid.UUID | None] = {}
    names: dict[uuid.UUID, str] = {}
    paths: dict[uuid.UUID, str] = {}
    children: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for r in await session.execute(_TREE, {"org_id": org_id}):
        parents[r.id], names[r.id], paths[r.id] = r.parent_id, r.name, r.path
        if r.parent_id is not None:
            children[r.parent_id].append(r.id)
    return Tree(parents=parents, names=names, paths=paths, children=children)


async def _facts(
    session: AsyncSession,
    actor: Principal,
    wave_id: uuid.UUID,
    unit_id: uuid.UUID | None,
    *,
    answers: bool,
) -> tuple[WaveFacts, uuid.UUID]:
    """The wave's cells and the unit asked about, once the caller may read it; with
    `answers`, once the wave is closed."""
    policies.require_reader(actor)
    wave = await waves.find_wave(session, actor.org_id, wave_id)
    if answers:
        policies.require_closed(waves.accepting(wave, clock.now()))
        wave = await waves.seal_if_expired(session, actor.org_id, wave)
    tree = await _tree(session, actor.org_id)
    unit = unit_id or policies.default_unit_id(actor)
    if unit not in tree.paths:
        raise NotFound("No such unit.")
    policies.require_scope(actor, tree.paths[unit])
    params = {"org_id": actor.org_id, "wave_id": wave_id}
    cells: dict[uuid.UUID, Cell] = defaultdict(Cell)
    for r in await session.execute(_ENPS_CELLS, params):
        cell = cells[r.unit_id]
        cell.n += r.answers
        cell.comments += r.comments
        cell.enps[r.enps] = r.answers
    for r in await session.execute(_LIKERT_CELLS, params):
        cells[r.unit_id].likert[r.position][r.value] = r.answers
    eligible = {r.unit_id: r.eligible for r in await session.execute(_ELIGIBLE, params)}
    min_group = await service.min_group(session, actor.org_id)
    return WaveFacts(wave, tree, dict(cells), eligible, min_group), unit


def _mean(values: Iterable[tuple[int, int]]) -> float:
    pairs = list(values)
    answers = sum(count for _, count in pairs)
    return round(sum(value * count for value, count in pairs) / answers, 2)


def _enps(counts: dict[int, int], n: int) -> EnpsResult:
    promoters = sum(c for v, c in counts.items() if v >= 9)
    detractors = sum(c for v, c in counts.items() if v <= 6)
    return EnpsResult(
        score=round(100 * (promoters - detractors) / n, 1),
        promoters=promoters,
        passives=n - promoters - detractors,
        detractors=detractors,
        distribution=[ValueCount(value=v, count=counts.get(v, 0)) for v in range(11)],
    )


def _reason(count: int) -> SuppressedReason:
    return SuppressedReason.NO_ANSWERS if count == 0 else SuppressedReason.TOO_FEW_ANSWERS


def _figures(
    facts: WaveFacts, plan: Plans, unit_id: uuid.UUID, likert: Sequence[Any], locale: Locale
) -> UnitFigures:
    eligible = facts.eligible_in(unit_id)
    if not plan.releasable(unit_id):
        return UnitFigures(
            unit=facts.tree.ref(unit_id),
            eligible=eligible,
            suppressed=True,
            reason=_reason(plan.count(unit_id)),
            n=None,
            response_rate=None,
            factors=[],
            items=[],
            enps=None,
        )
    cell = facts.total(unit_id)
    items: list[ItemResult] = []
    by_factor: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for position, item in enumerate(likert, start=1):
        counts = cell.likert.get(position, {})
        by_factor[item.factor].extend(counts.items())
        items.append(
            ItemResult(
                key=item.key,
                factor=item.factor,
                text=item.text_fi if locale is Locale.FI else item.text_en,
                mean=_mean(counts.items()),
                distribution=[ValueCount(value=v, count=counts.get(v, 0)) for v in range(1, 6)],
            )
        )
    return UnitFigures(
        unit=facts.tree.ref(unit_id),
        eligible=eligible,
        suppressed=False,
        reason=None,
        n=cell.n,
        response_rate=round(cell.n / eligible, 3) if eligible else None,
        factors=[FactorMean(factor=f, mean=_mean(pairs)) for f, pairs in by_factor.items()],
        items=items,
        enps=_enps(cell.enps, cell.n),
    )


async def wave_results(
    session: AsyncSession, actor: Principal, wave_id: uuid.UUID, unit_id: uuid.UUID | None
) -> WaveResults:
    """A unit's subtree (by default the top of the caller's reading scope) and each of its
    children's: figures where the floors release them, else `suppressed` with the reason.
    403 `not_a_reader`; 404 for a missing wave or a unit out of reach; 409 `wave_open`;
    422 `unit_required`."""
    facts, unit = await _facts(session, actor, wave_id, unit_id, answers=True)
    likert = (
        await session.execute(
            select(service.items)
            .where(
                service.items.c.org_id == actor.org_id,
                service.items.c.survey_id == facts.wave.survey_id,
                service.items.c.kind == ItemKind.LIKERT,
            )
            .order_by(service.items.c.position)
        )
    ).all()
    plan = facts.plan()
    return WaveResults(
        wave=waves.wave_out(facts.wave, clock.now()),
        min_group=facts.min_group,
        unit=_figures(facts, plan, unit, likert, actor.locale),
        children=[
            _figures(facts, plan, child, likert, actor.locale)
            for child in facts.tree.children_by_name(unit)
        ],
    )


async def wave_comments(
    session: AsyncSession, actor: Principal, wave_id: uuid.UUID, unit_id: uuid.UUID | None
) -> WaveComments:
    """A unit's subtree's comments, when the comment floor releases them, ordered by text."""
    facts, unit = await _facts(session, actor, wave_id, unit_id, answers=True)
    plan = facts.comment_plan()
    released = plan.releasable(unit)
    comments: list[SurveyCommentOut] = []
    if released:
        found = await session.execute(
            _COMMENTS,
            {"org_id": actor.org_id, "wave_id": wave_id, "subtree": facts.tree.paths[unit] + "%"},
        )
        comments = [SurveyCommentOut(text=r.comment, language=r.comment_language) for r in found]
    return WaveComments(
        wave_id=wave_id,
        unit=facts.tree.ref(unit),
        floor=plan.floor,
        suppressed=not released,
        reason=None if released else _reason(plan.count(unit)),
        comments=comments,
    )


def _rate(facts: WaveFacts, plan: Plans, unit_id: uuid.UUID) -> RateRow:
    eligible = facts.eligible_in(unit_id)
    responded = plan.released_count(unit_id)
    return RateRow(
        unit=facts.tree.ref(unit_id),
        eligible=eligible,
        suppressed=responded is None,
        reason=None if responded is not None else _reason(plan.count(unit_id)),
        responded=responded,
        response_rate=round(responded / eligible, 3)
        if responded is not None and eligible
        else None,
    )


async def response_rates(
    session: AsyncSession, actor: Principal, wave_id: uuid.UUID, unit_id: uuid.UUID | None
) -> ResponseRates:
    """People asked in a unit's subtree and in each child's (no secret), and how many
    answered, where the floors release it."""
    facts, unit = await _facts(session, actor, wave_id, unit_id, answers=False)
    plan = facts.plan()
    return ResponseRates(
        wave_id=wave_id,
        unit=_rate(facts, plan, unit),
        children=[_rate(facts, plan, child) for child in facts.tree.children_by_name(unit)],
    )
