"""Free text as the APIs take it."""

from typing import Annotated, Any

from pydantic import AfterValidator, Field, JsonValue
from pydantic_core import PydanticCustomError

# A JSON Schema (ECMA-262) pattern for "not blank": some character that Python's str.strip()
# keeps, and no NUL. ECMA's \s lacks the separators \x1c-\x1f and \x85 that strip()
# removes, so they are named too; the schema is then never looser than the validators that
# strip and refuse blanks.
NOT_BLANK = r"^[^\u0000]*[^\s\u0000\u001c-\u001f\u0085][^\u0000]*$"
# Text without the NUL character, which PostgreSQL cannot store: the API refuses it.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK_SCHEMA: dict[str, JsonValue] = {"pattern": NOT_BLANK}


def nul_places(value: Any, location: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Where the NUL character is in a decoded JSON `value`, keys included: PostgreSQL can
    store no text that holds it."""
    if isinstance(value, str):
        return [location] if "\x00" in value else []
    places: list[tuple[str | int, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                places.append((*location, key))
            places.extend(nul_places(item, (*location, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places.extend(nul_places(item, (*location, index)))
    return places


def strip_not_blank(value: str) -> str:
    """`value` without the white space around it; the error type `blank` when nothing is
    left."""
    stripped = value.strip()
    if not stripped:
        raise PydanticCustomError("blank", "Must not be blank.")
    return stripped


# A text field that is stripped and may not be blank, its schema saying so; the field gives
# its lengths (`text: NotBlank = Field(min_length=1, max_length=5000)`).
NotBlank = Annotated[
    str, Field(json_schema_extra=NOT_BLANK_SCHEMA), AfterValidator(strip_not_blank)
]
