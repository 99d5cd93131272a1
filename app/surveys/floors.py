"""The anonymity floors of pulse-survey results: which unit aggregates a wave may show.

Each response of a wave is counted at its respondent's unit. A reader asks for aggregates
(count, mean, distribution, response rate) of a unit's subtree, and for breakdowns of a
unit into its children and the responses counted at the unit itself. None of them may let
an individual answer be reconstructed, alone or combined with the others:

1. every shown group has at least `floor` responses (the minimum group size k; 5 by
   default, an organisation may raise it and never lower it);
2. open comments are held to `comment_floor(k)`, at least 10;
3. remainder rule: a child is not shown beside its parent when the rest of the parent's
   group is below the floor;
4. sibling suppression: a child is not shown when, with the parent's total, it would give
   away a suppressed sibling;
5. no two shown groups differ by fewer than k responses.

One construction gives all five. Per wave and per tree, the responses are partitioned into
*blocks* of at least `floor` responses, each owned by a unit, and exactly the groups that
are unions of blocks are shown. The difference of two such groups, and every cell of the
Boolean algebra they generate, is again a union of blocks: empty or at least `floor`. No
sum, count or linear combination of shown figures then separates fewer than `floor`
responses, and rules 1 and 3–5 are special cases. Rule 2 is the same plan computed over the
responses with a comment, with the comment floor.

The partition, bottom-up: a unit's pool is the responses counted at the unit plus the
leftovers its children pass up. A pool of `floor` or more becomes a block owned by the unit;
a smaller non-empty pool is passed up as the unit's leftover, and that unit's subtree is not
shown (its leftover sits in a block above it). A subtree is shown when it passes nothing up,
that is when it is a union of blocks, and holds at least one response.

At a root, a leftover r (0 < r < floor) joins an existing block of the tree, so that the
whole tree can still be shown. The units between that block's owner and the root (the root
excluded) then hold part of a block only, and are not shown. The block chosen is the one
that hides the fewest shown units (the shown units on its owner's path to the root), then
the smallest, then the first in the order of `parents`. A tree with no block at all has a
total below the floor and shows nothing.

Consequences a caller can rely on:

- A root is shown whenever its tree's total is at least `floor`.
- When every unit has either no responses or at least `floor` of its own, every subtree
  with a response is shown (no unit passes anything up).
- A subtree with no responses is not suppressed but empty: `releasable` is False (there is
  no mean or distribution to show), and `released_count` is 0, "no answers". An empty set
  adds no cell to the algebra above, so telling it apart from a suppressed group reveals
  no answer; it reveals only that nobody in the unit answered the wave.
- The breakdown of a unit lists the unit's own responses first, then each child; each row
  is shown by the same rule, whether or not the unit itself is shown.
- A forest has one plan per root; a figure over several roots is not part of any plan. A
  caller that needs one gives the roots a common (virtual) parent.
- The plan covers one wave. Waves are planned independently: two waves hold different
  answers, so a difference across waves isolates no answer of either.

What the floors do not cover: a shown group whose answers are all alike still tells its
members' answer (a distribution of ten "1"s); that is the nature of any aggregate.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

DEFAULT_MIN_GROUP = 5
COMMENT_FLOOR = 10

K = TypeVar("K", bound=Hashable)


def min_group(configured: int | None = None) -> int:
    """The minimum group size k: the organisation's own when it is higher than the default;
    a lower setting is not honoured."""
    return DEFAULT_MIN_GROUP if configured is None else max(DEFAULT_MIN_GROUP, configured)


def comment_floor(min_group: int) -> int:
    """The floor for open comments: at least COMMENT_FLOOR, and never below k."""
    return max(COMMENT_FLOOR, min_group)


@dataclass(frozen=True, slots=True)
class Part(Generic[K]):
    """One row of a breakdown: a child's subtree, or (`own`) the responses counted at the
    unit itself. `count` is the released count: None when suppressed, 0 when the group has
    no responses, otherwise at least the floor."""

    unit_id: K
    own: bool
    count: int | None

    @property
    def shown(self) -> bool:
        """Whether the group's aggregates may be shown (it is released and not empty)."""
        return self.count is not None and self.count > 0


@dataclass(frozen=True, slots=True)
class ReleasePlan(Generic[K]):
    """What one wave may show, per unit. Build it with `release_plan`."""

    floor: int
    # Each block of the partition, by its owner: the number of responses in it. Responses
    # in no block are those of a tree whose total is below the floor.
    blocks: Mapping[K, int]
    _children: Mapping[K, tuple[K, ...]]
    _direct: Mapping[K, int]
    _totals: Mapping[K, int]
    _released: frozenset[K]
    _own_released: frozenset[K]

    def releasable(self, unit_id: K) -> bool:
        """Whether the aggregates of the unit's subtree may be shown."""
        self._known(unit_id)
        return unit_id in self._released

    def count(self, unit_id: K) -> int:
        """The responses in the unit's subtree, shown or not: for internal use only."""
        return self._totals[unit_id]

    def released_count(self, unit_id: K) -> int | None:
        """The responses in the unit's subtree when they may be shown; 0 when there are
        none; None when suppressed."""
        total = self._totals[unit_id]
        if total == 0:
            return 0
        return total if unit_id in self._released else None

    def own_released_count(self, unit_id: K) -> int | None:
        """The responses counted at the unit itself (not its children), as released_count."""
        direct = self._direct.get(self._known(unit_id), 0)
        if direct == 0:
            return 0
        return direct if unit_id in self._own_released else None

    def breakdown(self, unit_id: K) -> list[Part[K]]:
        """The unit's own responses, then each child's subtree, each with its released
        count (children in the order of `parents`)."""
        own = Part(unit_id, True, self.own_released_count(unit_id))
        return [own, *(Part(c, False, self.released_count(c)) for c in self._children[unit_id])]

    def _known(self, unit_id: K) -> K:
        if unit_id not in self._totals:
            raise KeyError(unit_id)
        return unit_id


def _topological(parents: Mapping[K, K | None]) -> tuple[list[K], dict[K, list[K]]]:
    """Every unit, each after its parent (roots first, in the order of `parents`), and each
    unit's children. Raises ValueError on an unknown parent or a cycle."""
    children: dict[K, list[K]] = {unit: [] for unit in parents}
    order: list[K] = []
    for unit, parent in parents.items():
        if parent is None:
            order.append(unit)
        elif parent not in children:
            raise ValueError(f"unit {unit!r} has a parent that is not a unit: {parent!r}")
        else:
            children[parent].append(unit)
    at = 0
    while at < len(order):
        order.extend(children[order[at]])
        at += 1
    if len(order) != len(children):
        raise ValueError("the unit tree has a cycle")
    return order, children


def release_plan(
    parents: Mapping[K, K | None], direct_counts: Mapping[K, int], floor: int
) -> ReleasePlan[K]:
    """The release plan of one wave.

    `parents` maps every unit of the organisation to its parent (None for a root; several
    roots make a forest, each planned alone). `direct_counts` maps a unit to the responses
    counted at it; a unit it leaves out has none. `floor` is k (or the comment floor, for
    comments) and may not be below DEFAULT_MIN_GROUP. Linear in the number of units.
    """
    if floor < DEFAULT_MIN_GROUP:
        raise ValueError(f"the floor may not be below {DEFAULT_MIN_GROUP}: {floor}")
    order, children = _topological(parents)
    for unit, n in direct_counts.items():
        if unit not in children:
            raise ValueError(f"responses counted at a unit that is not one: {unit!r}")
        if n < 0:
            raise ValueError(f"a negative count at {unit!r}: {n}")

    # Bottom-up: each unit's total, and its block or its leftover.
    totals: dict[K, int] = {}
    leftover: dict[K, int] = {}
    blocks: dict[K, int] = {}
    for unit in reversed(order):
        total = pool = direct_counts.get(unit, 0)
        for child in children[unit]:
            total += totals[child]
            pool += leftover[child]
        totals[unit] = total
        if pool >= floor:
            blocks[unit] = pool
            leftover[unit] = 0
        else:
            leftover[unit] = pool
    released = {unit for unit in order if totals[unit] > 0 and leftover[unit] == 0}
    own_released = {unit for unit, size in blocks.items() if size == direct_counts.get(unit, 0)}

    # Top-down: what joining a root's leftover to each block would hide (the shown units on
    # the path from its owner up to the root, the root excluded); the cheapest per tree.
    root_of: dict[K, K] = {}
    hides: dict[K, int] = {}
    cheapest: dict[K, tuple[int, int, int, K]] = {}
    for position, unit in enumerate(order):
        parent = parents[unit]
        if parent is None:
            root_of[unit], hides[unit] = unit, 0
            continue
        root_of[unit] = root = root_of[parent]
        hides[unit] = hides[parent] + (unit in released)
        if unit in blocks:
            candidate = (hides[unit], blocks[unit], position, unit)
            best = cheapest.get(root)
            if best is None or candidate[:3] < best[:3]:
                cheapest[root] = candidate

    for root, best in cheapest.items():
        rest = leftover[root]
        if rest == 0:
            continue
        owner = best[3]
        blocks[owner] += rest
        own_released.discard(owner)
        unit = owner
        while unit != root:
            released.discard(unit)
            parent = parents[unit]
            assert parent is not None
            unit = parent
        released.add(root)

    return ReleasePlan(
        floor=floor,
        blocks=blocks,
        _children={unit: tuple(kids) for unit, kids in children.items()},
        _direct={unit: n for unit, n in direct_counts.items() if n},
        _totals=totals,
        _released=frozenset(released),
        _own_released=frozenset(own_released),
    )
