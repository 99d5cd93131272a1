import pytest

from tests.themes.agreement import adjusted_rand_index


def test_the_same_partition_under_other_names_agrees_fully() -> None:
    assert adjusted_rand_index([0, 0, 1, 1, 2], ["a", "a", "b", "b", "c"]) == pytest.approx(1.0)


def test_a_known_value() -> None:
    # Pairs together in both: 1 of the expected 1/3, out of at most 3/2: (1 - 1/3) / (3/2 - 1/3).
    assert adjusted_rand_index([0, 0, 1, 2], ["a", "a", "b", "b"]) == pytest.approx(4 / 7)


def test_rows_without_a_theme_do_not_agree_with_each_other() -> None:
    assert adjusted_rand_index([-1, -1, -1, -1], ["a", "a", "b", "b"]) == pytest.approx(0.0)
