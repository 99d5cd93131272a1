"""Imports of EX results and CX outcomes, as both APIs show them."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.outcomes.models import ImportKind as ImportKind


class ImportOut(BaseModel):
    """One imported file or batch of rows."""

    id: uuid.UUID
    kind: ImportKind
    rows: int = Field(description="Rows stored by this import (fewer once replaced in part).")
    units: int = Field(description="Distinct units among its rows.")
    periods: list[str] = Field(description="Its months, `YYYY-MM`, earliest first.")
    measures: list[str] = Field(description="Its measures (for EX responses, the factors).")
    replaced: int = Field(description="Values of earlier imports this import replaced.")
    source: str | None = Field(description="The file's name, when one was given.")
    created_by: uuid.UUID | None = Field(description="Who imported it; null from the CLI.")
    created_at: datetime


class ImportReport(ImportOut):
    created: bool = Field(
        description="False when the same rows were imported already: this is that import, "
        "and nothing changed."
    )


class ImportRowIn(BaseModel):
    """One row of a JSON import: the columns of the CSV format of its kind."""

    model_config = ConfigDict(extra="forbid")

    unit: str = Field(description="The unit's id, or its exact name (case-insensitive).")
    period: str = Field(description="The month, `YYYY-MM`.", pattern=r"^\d{4}-\d{1,2}$")
    measure: str | None = Field(
        default=None,
        description="`ex_aggregates`: a factor or `enps`; `cx_outcomes`: `nps`, `csat`, "
        "`ces` or `complaint_rate`.",
    )
    value: float | None = Field(default=None, description="`cx_outcomes`: the outcome.")
    mean: float | None = Field(default=None, description="`ex_aggregates`: the mean.")
    n: int | None = Field(default=None, description="Answers (or customers) behind it.")
    scores: dict[str, float] | None = Field(
        default=None, description="`ex_responses`: a score 1–5 per factor."
    )
    enps: int | None = Field(default=None, description="`ex_responses`: the eNPS answer, 0–10.")


class ImportRowsIn(BaseModel):
    """The rows of an import as JSON."""

    model_config = ConfigDict(extra="forbid")

    rows: list[ImportRowIn]
