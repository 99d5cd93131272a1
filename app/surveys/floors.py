"""Anonymity floors of survey aggregates (pure): which subtrees of a wave may be described.

Blocks of at least `floor` answers are built bottom-up in the unit tree: a unit's own
answers and whatever its children left unblocked form a block once there are `floor` of
them. A subtree is released only when every answer in it lies in a block formed inside it,
so any difference of released groups is a union of blocks: at least `floor`, or empty.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_MIN_GROUP = 5
COMMENT_FLOOR = 10


def comment_floor(min_group: int) -> int:
    """Comments are released from groups of at least this many comments."""
    return max(COMMENT_FLOOR, min_group)


@dataclass(frozen=True)
class ReleasePlan:
    floor: int
    counts: dict[uuid.UUID, int] = field(default_factory=dict)
    leftovers: dict[uuid.UUID, int] = field(default_factory=dict)
    children: dict[uuid.UUID, list[uuid.UUID]] = field(default_factory=dict)

    def count(self, unit_id: uuid.UUID) -> int:
        return self.counts.get(unit_id, 0)

    def releasable(self, unit_id: uuid.UUID) -> bool:
        return self.count(unit_id) > 0 and self.leftovers.get(unit_id, 0) == 0

    def released_count(self, unit_id: uuid.UUID) -> int | None:
        return self.count(unit_id) if self.releasable(unit_id) else None

    def breakdown(self, unit_id: uuid.UUID) -> list[tuple[uuid.UUID, int | None]]:
        return [(c, self.released_count(c)) for c in self.children.get(unit_id, [])]


def release_plan(
    parents: Mapping[uuid.UUID, uuid.UUID | None],
    direct_counts: Mapping[uuid.UUID, int],
    floor: int,
) -> ReleasePlan:
    children: dict[uuid.UUID, list[uuid.UUID]] = {u: [] for u in parents}
    roots = []
    for unit, parent in parents.items():
        if parent is None or parent not in parents:
            roots.append(unit)
        else:
            children[parent].append(unit)
    counts: dict[uuid.UUID, int] = {}
    leftovers: dict[uuid.UUID, int] = {}
    # Post-order without recursion.
    order: list[uuid.UUID] = []
    stack = list(roots)
    while stack:
        unit = stack.pop()
        order.append(unit)
        stack.extend(children[unit])
    for unit in reversed(order):
        own = direct_counts.get(unit, 0)
        counts[unit] = own + sum(counts[c] for c in children[unit])
        pending = own + sum(leftovers[c] for c in children[unit])
        leftovers[unit] = 0 if pending >= floor else pending
    return ReleasePlan(floor=floor, counts=counts, leftovers=leftovers, children=children)
