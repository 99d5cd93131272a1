"""The anonymity floors of pulse-survey results: proved on random unit trees, then shown rule
by rule on small organisations."""

import time
import uuid
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.surveys.floors import (
    COMMENT_FLOOR,
    DEFAULT_MIN_GROUP,
    Part,
    ReleasePlan,
    comment_floor,
    min_group,
    release_plan,
)
from tests.surveys.disclosure import atoms, disclosures, small_atoms

Parents = dict[int, int | None]
Counts = dict[int, int]


def _organisation(
    units: list[tuple[str, int, str, int]],
) -> tuple[Parents, Counts]:
    parents: Parents = {}
    counts: Counts = {}
    for unit, (place, under, amount, n) in enumerate(units):
        if unit == 0 or place == "root":
            parents[unit] = None
        else:
            parents[unit] = unit - 1 if place == "last" else under % unit
        if amount == "few":
            counts[unit] = 1 + n % 4
        elif amount == "some":
            counts[unit] = 5 + n % 8
        elif amount == "many":
            counts[unit] = 13 + n
    return parents, counts


# A forest of 1–60 units of any depth (each unit under an earlier one: the last, which makes
# long chains, or any, or none), with counts that are mostly nothing or a few, some enough.
organisations = st.lists(
    st.tuples(
        st.sampled_from(["last", "any", "any", "last", "root"]),
        st.integers(0, 59),
        st.sampled_from(["none", "none", "few", "few", "some", "many"]),
        st.integers(0, 47),
    ),
    min_size=1,
    max_size=60,
).map(_organisation)
floors = st.integers(5, 12)
PROOF = settings(max_examples=400, deadline=None)


def _children(parents: Mapping[int, int | None]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {unit: [] for unit in parents}
    for unit, parent in parents.items():
        if parent is not None:
            children[parent].append(unit)
    return children


def _responses(parents: Parents, counts: Counts) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Synthetic response ids: those counted at each unit, and those in each subtree."""
    own: dict[int, set[int]] = {}
    next_id = 0
    for unit in parents:
        own[unit] = set(range(next_id, next_id + counts.get(unit, 0)))
        next_id += counts.get(unit, 0)
    children = _children(parents)

    def subtree(unit: int) -> set[int]:
        return own[unit].union(*(subtree(child) for child in children[unit]))

    return own, {unit: subtree(unit) for unit in parents}


def released_groups(plan: ReleasePlan[int], parents: Parents, counts: Counts) -> list[set[int]]:
    """Every group of responses the plan shows: each subtree, each row of each breakdown.
    Checks on the way that every released count is the true one."""
    own, subtree = _responses(parents, counts)
    children = _children(parents)
    shown: list[set[int]] = []
    for unit in parents:
        assert plan.count(unit) == len(subtree[unit])
        released = plan.released_count(unit)
        assert released in (None, len(subtree[unit]))
        assert plan.releasable(unit) == (released is not None and released > 0)
        if plan.releasable(unit):
            shown.append(subtree[unit])
        rows = plan.breakdown(unit)
        assert [(r.unit_id, r.own) for r in rows] == [
            (unit, True),
            *((child, False) for child in children[unit]),
        ]
        for row in rows:
            group = own[unit] if row.own else subtree[row.unit_id]
            assert row.count in (None, len(group))
            if row.shown:
                shown.append(group)
    return shown


@PROOF
@given(organisations, floors)
def test_no_released_figure_isolates_fewer_than_the_floor(
    organisation: tuple[Parents, Counts], floor: int
) -> None:
    parents, counts = organisation
    plan = release_plan(parents, counts, floor)
    groups = released_groups(plan, parents, counts)
    assert disclosures(groups, floor) == []
    assert all(len(group) >= floor for group in groups)


@PROOF
@given(organisations, floors)
def test_a_tree_with_enough_responses_is_shown(
    organisation: tuple[Parents, Counts], floor: int
) -> None:
    parents, counts = organisation
    plan = release_plan(parents, counts, floor)
    for root in (unit for unit, parent in parents.items() if parent is None):
        total = plan.count(root)
        assert plan.releasable(root) == (total >= floor)
        assert plan.released_count(root) == (total if total >= floor or total == 0 else None)


@PROOF
@given(organisations, floors)
def test_the_blocks_partition_each_tree_that_reaches_the_floor(
    organisation: tuple[Parents, Counts], floor: int
) -> None:
    parents, counts = organisation
    plan = release_plan(parents, counts, floor)
    assert all(size >= floor for size in plan.blocks.values())
    roots = [unit for unit, parent in parents.items() if parent is None]
    assert sum(plan.blocks.values()) == sum(plan.count(r) for r in roots if plan.releasable(r))


@PROOF
@given(organisations, floors)
def test_units_with_no_answers_or_enough_of_their_own_are_all_shown(
    organisation: tuple[Parents, Counts], floor: int
) -> None:
    parents, counts = organisation
    counts = {unit: n if n >= floor else 0 for unit, n in counts.items()}
    plan = release_plan(parents, counts, floor)
    for unit in parents:
        assert plan.releasable(unit) == (plan.count(unit) > 0)
        assert all(row.count is not None for row in plan.breakdown(unit))


@PROOF
@given(organisations, floors)
def test_a_subtree_with_enough_of_its_own_is_hidden_only_on_one_path(
    organisation: tuple[Parents, Counts], floor: int
) -> None:
    """A non-empty subtree in which each unit has no answers or enough of its own needs no
    help from outside; it is hidden only when the leftover of its root joined a block inside
    it, and those hidden subtrees form one chain per tree."""
    parents, counts = organisation
    plan = release_plan(parents, counts, floor)
    children = _children(parents)
    self_sufficient: dict[int, bool] = {}
    for unit in reversed(list(_top_down(parents, children))):
        n = counts.get(unit, 0)
        self_sufficient[unit] = (n == 0 or n >= floor) and all(
            self_sufficient[child] for child in children[unit]
        )
    hidden = [u for u in parents if self_sufficient[u] and plan.count(u) and not plan.releasable(u)]
    for unit in hidden:
        assert parents[unit] is not None
        chain = [u for u in hidden if _root(parents, u) == _root(parents, unit)]
        # Each pair of the chain is an ancestor and a descendant.
        for other in chain:
            assert unit in _ancestors(parents, other) or other in _ancestors(parents, unit)


def _top_down(parents: Parents, children: dict[int, list[int]]) -> list[int]:
    order = [unit for unit, parent in parents.items() if parent is None]
    for unit in order:
        order.extend(children[unit])
    return order


def _ancestors(parents: Parents, unit: int) -> list[int]:
    line = [unit]
    while (parent := parents[line[-1]]) is not None:
        line.append(parent)
    return line


def _root(parents: Parents, unit: int) -> int:
    return _ancestors(parents, unit)[-1]


def test_the_check_finds_what_a_difference_gives_away() -> None:
    store, team = set(range(12)), set(range(10))
    assert disclosures([store, team], 5) == [
        "two released groups of 12 and 10 differ by 2",
        "an atom of 2",
    ]
    assert sorted(map(len, atoms([store, team]))) == [2, 10]
    assert small_atoms([store, set(range(6, 18))], 5) == []
    assert disclosures([set(range(3))], 5) == ["a released group of 3", "an atom of 3"]


# The rules, one by one, on small organisations. Ids are UUIDs, as in the platform.

COMPANY, NORTH, SOUTH, STORE, OTHER_STORE, TEAM_A, TEAM_B = (uuid.UUID(int=i) for i in range(7))


def test_minimum_group_size() -> None:
    parents = {COMPANY: None, TEAM_A: COMPANY, TEAM_B: COMPANY}
    plan = release_plan(parents, {TEAM_A: 4, TEAM_B: 30}, DEFAULT_MIN_GROUP)
    assert plan.released_count(TEAM_A) is None
    assert not plan.releasable(TEAM_A)
    plan = release_plan(parents, {TEAM_A: 5, TEAM_B: 30}, DEFAULT_MIN_GROUP)
    assert plan.released_count(TEAM_A) == 5


def test_an_organisation_may_raise_the_minimum_and_never_lower_it() -> None:
    assert min_group() == DEFAULT_MIN_GROUP == 5
    assert min_group(8) == 8
    assert min_group(3) == 5
    with pytest.raises(ValueError, match="may not be below 5"):
        release_plan({COMPANY: None}, {COMPANY: 4}, 4)
    parents = {COMPANY: None, TEAM_A: COMPANY, TEAM_B: COMPANY}
    plan = release_plan(parents, {TEAM_A: 7, TEAM_B: 30}, min_group(8))
    assert plan.released_count(TEAM_A) is None


def test_comments_have_a_higher_floor() -> None:
    assert COMMENT_FLOOR == 10
    assert comment_floor(5) == 10
    assert comment_floor(12) == 12
    parents = {COMPANY: None, TEAM_A: COMPANY, TEAM_B: COMPANY}
    # Seven answers at team A, all with a comment: the answers are shown, the comments not.
    answers = release_plan(parents, {TEAM_A: 7, TEAM_B: 30}, min_group())
    comments = release_plan(parents, {TEAM_A: 7, TEAM_B: 30}, comment_floor(min_group()))
    assert answers.releasable(TEAM_A)
    assert not comments.releasable(TEAM_A)
    assert comments.released_count(COMPANY) == 37


def test_remainder_rule() -> None:
    """A store with two answers of its own and a team of ten: the store's 12 and the team's
    10 would give away the two. The two join the team's block; the store is shown."""
    parents = {STORE: None, TEAM_A: STORE}
    plan = release_plan(parents, {STORE: 2, TEAM_A: 10}, 5)
    assert plan.released_count(STORE) == 12
    assert plan.released_count(TEAM_A) is None
    assert plan.breakdown(STORE) == [Part(STORE, True, None), Part(TEAM_A, False, None)]


def test_remainder_rule_below_the_top() -> None:
    """The same store inside a company: the store's two pass up to the company, where other
    answers make a block; the team is shown and the store is not."""
    parents = {COMPANY: None, STORE: COMPANY, TEAM_A: STORE, OTHER_STORE: COMPANY}
    plan = release_plan(parents, {STORE: 2, TEAM_A: 10, COMPANY: 3, OTHER_STORE: 20}, 5)
    assert plan.released_count(TEAM_A) == 10
    assert plan.released_count(STORE) is None
    assert plan.released_count(OTHER_STORE) == 20
    assert plan.released_count(COMPANY) == 35
    # The company's own three and the store's two are one block, shown in neither row.
    assert plan.breakdown(COMPANY) == [
        Part(COMPANY, True, None),
        Part(STORE, False, None),
        Part(OTHER_STORE, False, 20),
    ]


def test_sibling_suppression() -> None:
    """Team B has three answers. With the store's total, team A's ten would give them away,
    so team A is hidden too."""
    parents = {STORE: None, TEAM_A: STORE, TEAM_B: STORE}
    plan = release_plan(parents, {TEAM_A: 10, TEAM_B: 3}, 5)
    assert plan.released_count(STORE) == 13
    assert plan.breakdown(STORE) == [
        Part(STORE, True, 0),
        Part(TEAM_A, False, None),
        Part(TEAM_B, False, None),
    ]


def test_sibling_suppression_is_not_needed_when_the_small_ones_add_up() -> None:
    """Two small teams of three: each is hidden, and together they are six, so the store
    shows its total and its large team."""
    parents = {STORE: None, TEAM_A: STORE, TEAM_B: STORE, OTHER_STORE: STORE}
    plan = release_plan(parents, {TEAM_A: 3, TEAM_B: 3, OTHER_STORE: 10}, 5)
    assert [row.count for row in plan.breakdown(STORE)] == [0, None, None, 10]
    assert plan.released_count(STORE) == 16


def test_no_two_shown_groups_differ_by_fewer_than_the_floor() -> None:
    """A region whose one store has four answers of its own and a team of six: region,
    store and team would show 10, 10 and 6, and the difference would give away the four.
    The four pass up and, at the top, join the team's block: only the region shows."""
    parents = {NORTH: None, STORE: NORTH, TEAM_A: STORE}
    plan = release_plan(parents, {STORE: 4, TEAM_A: 6}, 5)
    shown = [u for u in parents if plan.releasable(u)]
    assert shown == [NORTH]
    assert plan.released_count(NORTH) == 10


def test_a_unit_without_answers_is_empty_not_suppressed() -> None:
    parents = {COMPANY: None, TEAM_A: COMPANY, TEAM_B: COMPANY}
    plan = release_plan(parents, {TEAM_B: 8}, 5)
    assert not plan.releasable(TEAM_A)
    assert plan.released_count(TEAM_A) == 0
    assert plan.breakdown(COMPANY) == [
        Part(COMPANY, True, 0),
        Part(TEAM_A, False, 0),
        Part(TEAM_B, False, 8),
    ]
    assert not plan.breakdown(COMPANY)[1].shown


def test_a_tree_below_the_floor_shows_nothing() -> None:
    parents = {COMPANY: None, TEAM_A: COMPANY, TEAM_B: COMPANY}
    plan = release_plan(parents, {TEAM_A: 2, TEAM_B: 2}, 5)
    assert [plan.released_count(u) for u in parents] == [None, None, None]
    assert plan.blocks == {}


def test_the_leftover_at_the_top_hides_as_little_as_it_can() -> None:
    """The company's two answers join a block. The small team's block would hide the team
    and its store; the other store's block hides that store only."""
    parents = {
        COMPANY: None,
        NORTH: COMPANY,
        STORE: NORTH,
        TEAM_A: STORE,
        SOUTH: COMPANY,
    }
    plan = release_plan(parents, {COMPANY: 2, TEAM_A: 5, SOUTH: 40}, 5)
    assert plan.blocks == {TEAM_A: 5, SOUTH: 42}
    assert [plan.released_count(u) for u in (COMPANY, NORTH, STORE, TEAM_A, SOUTH)] == [
        47,
        5,
        5,
        5,
        None,
    ]


def test_each_tree_of_a_forest_is_planned_alone() -> None:
    parents = {NORTH: None, TEAM_A: NORTH, SOUTH: None, TEAM_B: SOUTH}
    plan = release_plan(parents, {TEAM_A: 9, SOUTH: 1, TEAM_B: 3}, 5)
    assert plan.released_count(NORTH) == 9
    assert plan.released_count(TEAM_A) == 9
    assert plan.released_count(SOUTH) is None


def test_malformed_trees_are_refused() -> None:
    with pytest.raises(ValueError, match="cycle"):
        release_plan({COMPANY: None, TEAM_A: TEAM_B, TEAM_B: TEAM_A}, {}, 5)
    with pytest.raises(ValueError, match="not a unit"):
        release_plan({TEAM_A: STORE}, {}, 5)
    with pytest.raises(ValueError, match="not one"):
        release_plan({COMPANY: None}, {TEAM_A: 5}, 5)
    with pytest.raises(ValueError, match="negative"):
        release_plan({COMPANY: None}, {COMPANY: -1}, 5)
    with pytest.raises(KeyError):
        release_plan({COMPANY: None}, {}, 5).releasable(TEAM_A)


def test_a_large_deep_organisation_is_planned_quickly() -> None:
    """5,000 units: a chain 2,000 deep (no recursion), and 3,000 teams under its stores."""
    parents: dict[int, int | None] = {0: None}
    parents.update({unit: unit - 1 for unit in range(1, 2000)})
    parents.update({unit: unit % 2000 for unit in range(2000, 5000)})
    counts = {unit: unit % 9 for unit in parents}
    started = time.perf_counter()
    plan = release_plan(parents, counts, 5)
    elapsed = time.perf_counter() - started
    assert plan.released_count(0) == sum(counts.values())
    assert elapsed < 1.0
