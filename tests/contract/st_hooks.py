"""schemathesis hooks for the GraphQL run: errors are part of this API's answers.

A refused GraphQL operation answers HTTP 200 with an `errors` entry that carries the same
`extensions.code` and `extensions.status` as REST would (404 `not_found`, 422
`invalid_id`, ...). Only a status of 500 or more, or an entry without one, is a failure
of the server."""

from typing import Any

import schemathesis


@schemathesis.check
def no_server_error_in_graphql(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError("the answer is not JSON") from exc
    for error in body.get("errors") or []:
        status = (error.get("extensions") or {}).get("status")
        if not isinstance(status, int) or status >= 500:
            raise AssertionError(f"server error: {error}")
    return None
