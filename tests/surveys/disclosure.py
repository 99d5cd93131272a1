"""What a set of released groups can give away, checked on individual response ids.

Released groups are sets of responses whose sums and counts are shown. Every linear
combination of those figures is a sum over a union of *atoms*: the classes of responses
that belong to exactly the same released groups. An atom cannot be split by any such
combination, so when every atom holds at least `floor` responses, no combination of the
released figures isolates fewer than `floor` answers. Responses in no released group are
in no figure and form no atom.
"""

from collections.abc import Hashable, Iterable, Set
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def atoms(groups: Iterable[Set[T]]) -> list[frozenset[T]]:
    """The atoms of the Boolean algebra the groups generate, within their union."""
    membership: dict[T, list[int]] = {}
    for index, group in enumerate(groups):
        for response in group:
            membership.setdefault(response, []).append(index)
    cells: dict[tuple[int, ...], set[T]] = {}
    for response, indices in membership.items():
        cells.setdefault(tuple(indices), set()).add(response)
    return [frozenset(cell) for cell in cells.values()]


def small_atoms(groups: Iterable[Set[T]], floor: int) -> list[frozenset[T]]:
    """The atoms with fewer than `floor` responses: each is a set of answers some
    combination of the released figures narrows down to."""
    return [atom for atom in atoms(groups) if len(atom) < floor]


def disclosures(groups: Iterable[Set[T]], floor: int) -> list[str]:
    """Every way the released groups break the floor, described; empty when none does:
    a non-empty group below the floor, a non-empty difference of two groups below the
    floor, an atom below the floor. (The first two follow from the third; they are checked
    on their own so that a failure reads plainly.)"""
    distinct = list({frozenset(group) for group in groups})
    problems = [f"a released group of {len(group)}" for group in distinct if 0 < len(group) < floor]
    # Differences on bit masks: each response is one bit.
    bit = {response: 1 << i for i, response in enumerate(set().union(*distinct))}
    masks = [sum(bit[response] for response in group) for group in distinct]
    for i, a in enumerate(masks):
        for j, b in enumerate(masks):
            if i != j and 0 < (size := (a & ~b).bit_count()) < floor:
                sizes = f"{a.bit_count()} and {b.bit_count()}"
                problems.append(f"two released groups of {sizes} differ by {size}")
    problems.extend(f"an atom of {len(atom)}" for atom in small_atoms(distinct, floor))
    return problems
