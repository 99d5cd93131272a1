"""Imports of EX results and CX outcomes in GraphQL, over the same services as REST.

GraphQL takes rows as input objects; a file is better sent to REST (`POST
/api/v1/imports/{kind}/rows`), whose body may be far larger than a GraphQL request's.
"""

import uuid

import strawberry
from strawberry.experimental import pydantic as derived
from strawberry.scalars import JSON

from app.gql.context import Info
from app.gql.fields import field, mutation
from app.outcomes import service
from app.outcomes.schemas import ImportKind, ImportOut, ImportReport

OutcomeImportKind = strawberry.enum(ImportKind, name="OutcomeImportKind")


@derived.type(ImportOut, all_fields=True, description="One import of EX results or CX outcomes.")
class DataImport:
    pass


@derived.type(
    ImportReport,
    all_fields=True,
    description="An import's report: `created` is false when the same rows were imported "
    "already (this is that import, and nothing changed).",
)
class OutcomeImportReport:
    pass


@strawberry.input(description="One row: the columns of the CSV format of its kind.")
class OutcomeRowInput:
    unit: str = strawberry.field(description="The unit's id, or its exact name.")
    period: str = strawberry.field(description="The month, YYYY-MM.")
    measure: str | None = None
    value: float | None = strawberry.field(default=None, description="cx_outcomes.")
    mean: float | None = strawberry.field(default=None, description="ex_aggregates.")
    n: int | None = None
    scores: JSON | None = strawberry.field(
        default=None, description="ex_responses: a score 1–5 per factor, as an object."
    )
    enps: int | None = strawberry.field(default=None, description="ex_responses: 0–10.")


def _row(row: OutcomeRowInput) -> dict[str, object]:
    values = {
        "unit": row.unit,
        "period": row.period,
        "measure": row.measure,
        "value": row.value,
        "mean": row.mean,
        "n": row.n,
        "scores": row.scores,
        "enps": row.enps,
    }
    return {name: value for name, value in values.items() if value is not None}


@strawberry.type
class OutcomeQueries:
    @field("The organisation's imports of EX results and CX outcomes, newest first.")
    async def imports(self, info: Info) -> list[DataImport]:
        found = await info.context.read(service.list_imports)
        return [DataImport.from_pydantic(i) for i in found]


@strawberry.type
class OutcomeMutations:
    @mutation(
        "Import EX results or CX outcomes, whole or not at all: any bad row fails the import "
        "(`import_invalid`, each bad row with its line, column, reason and value in the "
        "error's extensions) and nothing is stored. The same rows again change nothing."
    )
    async def import_outcomes(
        self,
        info: Info,
        kind: OutcomeImportKind,  # type: ignore[valid-type]
        rows: list[OutcomeRowInput],
        replace: bool = False,
        source: str | None = None,
    ) -> OutcomeImportReport:
        report, _ = await info.context.write(
            service.import_rows,
            ImportKind(kind),
            [_row(r) for r in rows],
            replace=replace,
            source=source,
            max_rows=info.context.runtime.settings.max_import_rows,
        )
        return OutcomeImportReport.from_pydantic(report)

    @mutation("Remove an import and every value it stored. True once removed.")
    async def delete_import(self, info: Info, id: uuid.UUID) -> bool:
        await info.context.write(service.delete_import, id)
        return True
