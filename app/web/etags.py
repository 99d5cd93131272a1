"""ETag and If-Match for the REST routers: an ETag is the version column of the row
(insights, routing rules, actions), raised by every change."""

import re
from typing import Annotated

from fastapi import Header, Response

from app.platform.errors import InvalidInput

# An ETag this API gave out, or `*`, with the optional white space HTTP allows around it.
IF_MATCH_PATTERN = r'^[ \t]*(\*|(W/)?"([0-9]{1,18})")[ \t]*$'
_IF_MATCH = re.compile(IF_MATCH_PATTERN)

# The If-Match header of a change that can race.
IfMatch = Annotated[
    str | None,
    Header(
        description="ETag of the version the change is based on, or `*`.",
        json_schema_extra={"pattern": IF_MATCH_PATTERN},
    ),
]


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header insists on; None when the client did not ask (or sent
    `*`). 422 `invalid_if_match` for anything that is not an ETag this API gives out."""
    if if_match is None:
        return None
    match = _IF_MATCH.match(if_match)
    if match is None:
        raise InvalidInput(
            "If-Match must be an ETag this API gave out, or *.", code="invalid_if_match"
        )
    return int(match.group(3)) if match.group(3) is not None else None
