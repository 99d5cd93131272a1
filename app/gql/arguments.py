"""What the input types of every domain share: fields left out, client ids, expected versions.

Each input becomes the pydantic schema the service takes, so both APIs validate the same way;
a field the client left out is left out of that schema too, and its pydantic default applies.
"""

from typing import Any

import strawberry

CLIENT_ID = "Client-generated id: a retry with the same id returns the stored object."


def given(**fields: Any) -> dict[str, Any]:
    """The fields the client sent: left out, the pydantic default applies."""
    return {name: value for name, value in fields.items() if value is not strawberry.UNSET}


def expected(version: int | None) -> int | None:
    """The version a change expects, or None when the client did not say."""
    return None if version is strawberry.UNSET else version
