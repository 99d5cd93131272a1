import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from app.outcomes import service
from app.outcomes.schemas import ImportKind, ImportOut, ImportReport, ImportRowsIn
from app.platform.errors import UnsupportedMediaType
from app.web.caller import Caller
from app.web.json_body import InvalidJson, decode
from app.web.openapi import PROBLEM_RESPONSE, self_read_body
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["imports"], route_class=ApiRoute)

_CSV = {
    "schema": {"type": "string", "format": "binary"},
    "example": "unit;period;measure;value;n\nHelsinki Kamppi;2026-10;nps;42;318\n",
}
_IMPORT_BODY = self_read_body(
    ImportRowsIn,
    "A CSV file (UTF-8, with or without a byte order mark; `,`, `;` or tab between cells; "
    "a dot or a comma as the decimal mark) or the same rows as JSON. Columns by kind: "
    "`ex_responses`: unit, period, one column per factor (1–5), enps (0–10, optional); "
    "`ex_aggregates`: unit, period, measure, n, mean; `cx_outcomes`: unit, period, measure "
    "(nps −100…100, csat 0–100 %, ces 1–7, complaint_rate per 100 customers ≥ 0), value, "
    "n (optional). A unit is its id or its exact name; a period is a month, YYYY-MM.",
    **{"text/csv": _CSV},
)
_CSV_TYPES = ("text/csv", "application/csv", "text/plain")

Replace = Annotated[
    bool,
    Query(
        description="Replace the values earlier imports stored for the same unit, month and "
        "measure (for EX responses: the same unit and month) instead of refusing those rows."
    ),
]
Source = Annotated[
    str | None, Query(max_length=200, description="The file's name, kept with the import.")
]


async def _json_rows(request: Request) -> list[Any]:
    body = await request.body()
    try:
        value = decode(body, max_depth=runtime(request).settings.max_json_depth, refuse_nul=False)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ]
        ) from None
    except InvalidJson as exc:
        raise RequestValidationError(exc.within("body").errors) from None
    return service.rows_of(value)


@router.post(
    "/imports/{kind}/rows",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_IMPORT_BODY,
    responses={
        200: {"model": ImportReport, "description": "The same rows were imported already."},
        415: {
            "description": "Neither CSV nor JSON (`unsupported_import_type`).",
            **PROBLEM_RESPONSE,
        },
    },
)
async def import_outcomes(
    kind: ImportKind,
    request: Request,
    session: Session,
    caller: Caller,
    response: Response,
    replace: Replace = False,
    source: Source = None,
) -> ImportReport:
    """Import EX results or CX outcomes per unit and month, whole or not at all: if any row
    is bad, nothing is stored and the answer (422 `import_invalid`) lists every bad row
    with its line, column, reason and value. The same rows again change nothing (200, the
    earlier import). HR and administrators, for units within their grants."""
    settings = runtime(request).settings
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == "application/json":
        report, created = await service.import_rows(
            session,
            caller,
            kind,
            await _json_rows(request),
            replace=replace,
            source=source,
            max_rows=settings.max_import_rows,
        )
    elif content_type in _CSV_TYPES:
        report, created = await service.import_file(
            session,
            caller,
            kind,
            request.stream(),
            replace=replace,
            source=source,
            max_rows=settings.max_import_rows,
        )
    else:
        raise UnsupportedMediaType(
            "Send a CSV file (text/csv) or JSON rows (application/json).",
            code="unsupported_import_type",
        )
    if not created:
        response.status_code = status.HTTP_200_OK
    return report


@router.get("/imports")
async def list_imports(session: Session, caller: Caller) -> list[ImportOut]:
    """The organisation's imports of EX results and CX outcomes, newest first: what each
    holds (rows, units, months, measures), from which file, by whom. HR and
    administrators."""
    return await service.list_imports(session, caller)


@router.get("/imports/{import_id}")
async def get_import(import_id: uuid.UUID, session: Session, caller: Caller) -> ImportOut:
    """One import."""
    return await service.get_import(session, caller, import_id)


@router.delete("/imports/{import_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_import(import_id: uuid.UUID, session: Session, caller: Caller) -> None:
    """Remove an import and every value it stored, to correct it: import the corrected
    file afterwards (or import it at once with `replace=true`). Takes grants over every
    unit the import holds."""
    await service.delete_import(session, caller, import_id)
