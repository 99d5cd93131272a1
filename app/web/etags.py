"""ETag and If-Match for the REST routers: an ETag is the version column of the row
(insights, routing rules, actions), raised by every change."""

import re

from fastapi import Response

from app.platform.errors import PreconditionFailed

_ETAG = re.compile(r'^\s*(?:W/)?"(\d+)"\s*$')


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header insists on; None when the client did not ask."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match)
    if match is None:
        raise PreconditionFailed("If-Match must be an ETag this API gave out.")
    return int(match.group(1))
