"""Opaque cursors for keyset pagination and the page envelope both APIs share."""

import base64
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.platform.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    """The position a cursor stands for; a tampered cursor is a client error, not a crash."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("The cursor is not valid.", code="invalid_cursor") from exc
    if not isinstance(value, dict):
        raise InvalidInput("The cursor is not valid.", code="invalid_cursor")
    return value


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(
            f"limit must be between 1 and {MAX_PAGE_SIZE}.", code="invalid_page_size"
        )
    return limit


def read_cursor(cursor: str | None, **fields: Callable[[Any], Any]) -> dict[str, Any] | None:
    """Decode `cursor` and parse each named field with its parser (say `datetime.fromisoformat`)."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    try:
        return {name: parse(position[name]) for name, parse in fields.items()}
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput("The cursor is not valid.", code="invalid_cursor") from exc
