"""What a set of released groups lets a reader work out: the atoms of the Boolean algebra
the groups generate (the answers that lie in exactly the same released groups). Any atom
smaller than the floor is a group that unions, intersections and differences of released
figures describe."""

from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def atoms(groups: Iterable[Collection[T]]) -> list[frozenset[T]]:
    released = [frozenset(g) for g in groups]
    signature: dict[T, list[int]] = defaultdict(list)
    for index, group in enumerate(released):
        for member in group:
            signature[member].append(index)
    classes: dict[tuple[int, ...], set[T]] = defaultdict(set)
    for member, where in signature.items():
        classes[tuple(where)].add(member)
    return [frozenset(c) for c in classes.values()]


def small_atoms(groups: Iterable[Collection[T]], floor: int) -> list[frozenset[T]]:
    """The non-empty atoms smaller than `floor`."""
    return [atom for atom in atoms(groups) if 0 < len(atom) < floor]
