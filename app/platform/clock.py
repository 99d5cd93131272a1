"""The platform's notion of now, which tests can move."""

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin `now()` to `at` (aware, UTC); None lets time run again."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("a frozen time must be timezone-aware")
    _frozen = at
