"""GraphQL over HTTP: the request body decoded as strictly as REST decodes its bodies.

A body that is not UTF-8 (400 `invalid_encoding`), nests deeper than the JSON depth limit
or repeats a key in one object (422 `validation_error`, the place in `errors`) is refused
before any operation runs, with or without a token: the answer is a GraphQL response
without `data`, its one error carrying the code in `extensions.code`, under the HTTP
status REST gives the same body. Text with NUL in the variables or the document is a
well-formed request and is refused as an invalid input (`app.gql.input_text`).
"""

from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter
from strawberry.http.types import QueryParams
from strawberry.types.unset import UNSET

from app.gql.errors import refused_request
from app.web.json_body import InvalidEncoding, InvalidJson, decode
from app.web.problems import scope_locale


class Refused(Exception):
    def __init__(self, error: InvalidEncoding | InvalidJson) -> None:
        super().__init__(error.detail)
        self.error = error


class StrictGraphQLRouter(GraphQLRouter[Any, Any]):
    def __init__(self, *args: Any, max_json_depth: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_json_depth = max_json_depth

    def decode_json(self, data: str | bytes) -> object:
        try:
            # NUL is refused in the variables by the schema, with their place in them.
            return decode(data, max_depth=self.max_json_depth, refuse_nul=False)
        except (InvalidEncoding, InvalidJson) as exc:
            # Past strawberry's own handling, which knows only JSON syntax errors.
            raise Refused(exc) from exc

    def parse_query_params(self, params: QueryParams) -> dict[str, Any]:
        # A query sent by GET: its variables and extensions are JSON in their parameters.
        parsed: dict[str, Any] = dict(params)
        for member in ("variables", "extensions"):
            if parsed.get(member):
                try:
                    parsed[member] = self.parse_json(parsed[member])
                except Refused as refused:
                    if isinstance(refused.error, InvalidJson):
                        raise Refused(refused.error.within(member)) from None
                    raise
        return parsed

    async def run(  # type: ignore[override]
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except Refused as refused:
            locale = scope_locale(request.scope)
            return JSONResponse(
                {"data": None, "errors": [refused_request(refused.error, locale)]},
                status_code=refused.error.status,
                headers={"Content-Language": locale.value},
            )
