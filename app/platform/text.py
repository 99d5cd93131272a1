"""Free text as the APIs take it."""

from pydantic import JsonValue

# A JSON Schema (ECMA-262) pattern for "not blank": some character that Python's str.strip()
# keeps. ECMA's \s lacks the separators \x1c-\x1f and \x85 that strip() removes, so they are
# named too; the schema is then never looser than the validators that strip and refuse blanks.
NOT_BLANK = r"[^\s\u001c-\u001f\u0085]"
NOT_BLANK_SCHEMA: dict[str, JsonValue] = {"pattern": NOT_BLANK}
