"""Strict JSON for request bodies, REST and GraphQL alike.

`json.loads` as such takes more than we can use: bytes that are not UTF-8 (UTF-16 is
guessed), the last of two equal keys (`"visibility": "named", "visibility":
"confidential"` is silently confidential), nesting deep enough to exhaust the stack, and
the NUL character, which PostgreSQL cannot store in text. `decode` refuses each of them
with the place in the document where it is, in the shape of pydantic's errors (`type`,
`loc`, `msg`), so that the edge reports them as it reports any invalid field.

The common body pays for little of this beyond a call per object: nesting is measured
only when the body holds more brackets than the limit allows (nesting deep enough to
exhaust the stack stops the decoder itself, which is caught), and strings are searched
for NUL only when the raw text holds the escape that alone can write one.
"""

import json
from typing import Any

from app.platform.errors import DomainError
from app.platform.text import nul_places

# The messages of the refusals; Finnish ones are in app.platform.i18n.
TOO_DEEP = "The JSON document is nested more than {max_depth} levels deep."
DUPLICATE_KEY = "The key appears more than once in the same object."
NUL_CHARACTER = "Text may not contain the NUL character (\\u0000)."

Location = tuple[str | int, ...]


class InvalidEncoding(DomainError):
    status = 400
    code = "invalid_encoding"
    title = "Bad request"


class InvalidJson(DomainError):
    """Well-formed JSON that is refused all the same; `errors` say where and why."""

    status = 422
    code = "validation_error"
    title = "Invalid input"

    def __init__(
        self, errors: list[dict[str, Any]], detail: str = "The request body is not acceptable JSON."
    ) -> None:
        super().__init__(detail)
        self.errors = errors

    def within(self, *location: str) -> "InvalidJson":
        """The same refusals, placed in a larger document at `location`."""
        return InvalidJson([{**error, "loc": (*location, *error["loc"])} for error in self.errors])


def field_error(kind: str, location: Location, message: str, **context: Any) -> dict[str, Any]:
    """One refusal as pydantic reports a field's error."""
    return {"type": kind, "loc": location, "msg": message, "input": None, "ctx": context}


class _DuplicateKey(Exception):
    pass


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise _DuplicateKey
    return value


class _Pairs(list[tuple[str, Any]]):
    """An object kept as its pairs, to find where a key repeats."""


def _first_duplicate(value: Any) -> Location:
    """Where a key first repeats in `value`, decoded with `_Pairs` for its objects."""
    pending: list[tuple[Any, Location]] = [(value, ())]
    while pending:
        item, location = pending.pop()
        if isinstance(item, _Pairs):
            keys = [key for key, _ in item]
            for at, key in enumerate(keys):
                if key in keys[:at]:
                    return (*location, key)
            children: list[tuple[Any, Location]] = [(v, (*location, k)) for k, v in item]
        elif isinstance(item, list):
            children = [(v, (*location, at)) for at, v in enumerate(item)]
        else:
            continue
        # In the order of the document: the first child is taken next.
        pending.extend(reversed(children))
    return ()


def _nests_deeper(value: dict[str, Any] | list[Any], max_depth: int) -> bool:
    """Whether arrays and objects in `value` nest deeper than `max_depth`."""
    level: list[Any] = [value]
    for _ in range(max_depth):
        # The arrays and objects one level further in.
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, dict | list)
        ]
        if not level:
            return False
    return True


def nul_errors(value: Any, location: Location = ()) -> list[dict[str, Any]]:
    """Where the NUL character is in `value`, keys included."""
    return [
        field_error("nul_character", place, NUL_CHARACTER) for place in nul_places(value, location)
    ]


def decode(data: bytes | str, *, max_depth: int, refuse_nul: bool = True) -> Any:
    """The JSON document in `data`. Raises `InvalidEncoding` for bytes that are not UTF-8,
    `json.JSONDecodeError` for text that is not JSON, and `InvalidJson` for nesting deeper
    than `max_depth`, a key repeated in one object, and (with `refuse_nul`) NUL in any
    string."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEncoding("The request body must be encoded in UTF-8.") from exc
    else:
        text = data
    too_deep = InvalidJson(
        [
            field_error(
                "json_too_deep", (), TOO_DEEP.format(max_depth=max_depth), max_depth=max_depth
            )
        ]
    )
    try:
        value = json.loads(text, object_pairs_hook=_object)
    except _DuplicateKey:
        try:
            pairs = json.loads(text, object_pairs_hook=_Pairs)
        except RecursionError:
            raise too_deep from None
        location = _first_duplicate(pairs)
        raise InvalidJson([field_error("duplicate_key", location, DUPLICATE_KEY)]) from None
    except RecursionError:
        # Nesting deep enough to exhaust the stack stops the decoder itself.
        raise too_deep from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        # An integer too long to convert, for one.
        raise json.JSONDecodeError(str(exc), text, 0) from exc
    if (
        isinstance(value, dict | list)
        and text.count("[") + text.count("{") > max_depth
        and _nests_deeper(value, max_depth)
    ):
        raise too_deep
    if refuse_nul and "\\u0000" in text:
        errors = nul_errors(value)
        if errors:
            raise InvalidJson(errors)
    return value
