"""Imported EX results and CX outcomes per unit and month, for the analyses that link them.

Each value comes with its unit, month (the first day), measure and `n`, the answers or
customers behind it. The measures, and the units their axes are labelled in
(`measure_unit`):

CX outcomes (`cx_outcomes`), one value per unit, month and measure, as imported:

- `nps`: Net Promoter Score, −100…100 (% promoters − % detractors); higher is better.
- `csat`: customer satisfaction, the share of satisfied customers, 0–100 %; higher is better.
- `ces`: Customer Effort Score, the mean on a 1–7 scale; lower effort is better.
- `complaint_rate`: complaints per 100 customers (%), ≥ 0; lower is better.
- `n`: the customers behind the value, or None when the source gave none.

EX results (`ex_results`), from imported individual responses and imported aggregates:

- a factor (`wellbeing`, `workload`, … as the file named it): the mean agreement on a
  1–5 scale; higher is better. From responses: the mean over the responses of the unit
  and month that scored it, `n` those responses.
- `enps`: employee Net Promoter Score, −100…100: of the answers 0–10, the % of promoters
  (9–10) minus the % of detractors (0–6). From responses: over those that answered it.
- `n`: the answers behind the value (an aggregate's `n` as imported).

The values are raw: nothing here applies an anonymity floor. A caller that shows them, or
anything computed from them, applies `app.surveys.floors` to `n` first.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.outcomes.models import CxMeasure

Origin = Literal["responses", "aggregates", "outcomes"]

CX_UNITS: dict[str, str] = {
    CxMeasure.NPS: "NPS, −100…100",
    CxMeasure.CSAT: "CSAT, % satisfied (0–100)",
    CxMeasure.CES: "CES, mean effort (1–7)",
    CxMeasure.COMPLAINT_RATE: "complaints per 100 customers",
}
ENPS_UNIT = "eNPS, −100…100"
FACTOR_UNIT = "mean agreement (1–5)"


def measure_unit(measure: str) -> str:
    """How an axis of `measure` is labelled: its scale."""
    if measure in CX_UNITS:
        return CX_UNITS[measure]
    return ENPS_UNIT if measure == "enps" else FACTOR_UNIT


@dataclass(frozen=True, slots=True)
class OutcomeValue:
    unit_id: uuid.UUID
    period: date
    measure: str
    value: float
    n: int | None
    origin: Origin


# Named reporting SQL: an EX factor's mean per unit and month over individual responses.
EX_FACTOR_MEANS = text("""
    SELECT unit_id, period, score.key AS measure, avg(score.value::float) AS value,
           count(*) AS n
    FROM ex_responses, jsonb_each_text(scores) AS score
    WHERE org_id = :org_id
      AND (CAST(:unit_ids AS uuid[]) IS NULL OR unit_id = ANY(CAST(:unit_ids AS uuid[])))
      AND (CAST(:start AS date) IS NULL OR period >= CAST(:start AS date))
      AND (CAST(:end AS date) IS NULL OR period < CAST(:end AS date))
      AND (CAST(:measures AS text[]) IS NULL OR score.key = ANY(CAST(:measures AS text[])))
    GROUP BY unit_id, period, score.key
""")
# Named reporting SQL: the eNPS per unit and month over individual responses.
EX_ENPS = text("""
    SELECT unit_id, period, 'enps' AS measure,
           100.0 * (count(*) FILTER (WHERE enps >= 9) - count(*) FILTER (WHERE enps <= 6))
           / count(*) AS value,
           count(*) AS n
    FROM ex_responses
    WHERE enps IS NOT NULL AND org_id = :org_id
      AND (CAST(:unit_ids AS uuid[]) IS NULL OR unit_id = ANY(CAST(:unit_ids AS uuid[])))
      AND (CAST(:start AS date) IS NULL OR period >= CAST(:start AS date))
      AND (CAST(:end AS date) IS NULL OR period < CAST(:end AS date))
      AND (CAST(:measures AS text[]) IS NULL OR 'enps' = ANY(CAST(:measures AS text[])))
    GROUP BY unit_id, period
""")
EX_AGGREGATES = text("""
    SELECT unit_id, period, measure, mean AS value, n
    FROM ex_aggregates
    WHERE org_id = :org_id
      AND (CAST(:unit_ids AS uuid[]) IS NULL OR unit_id = ANY(CAST(:unit_ids AS uuid[])))
      AND (CAST(:start AS date) IS NULL OR period >= CAST(:start AS date))
      AND (CAST(:end AS date) IS NULL OR period < CAST(:end AS date))
      AND (CAST(:measures AS text[]) IS NULL OR measure = ANY(CAST(:measures AS text[])))
""")
CX_OUTCOMES = text("""
    SELECT unit_id, period, measure, value, n
    FROM cx_outcomes
    WHERE org_id = :org_id
      AND (CAST(:unit_ids AS uuid[]) IS NULL OR unit_id = ANY(CAST(:unit_ids AS uuid[])))
      AND (CAST(:start AS date) IS NULL OR period >= CAST(:start AS date))
      AND (CAST(:end AS date) IS NULL OR period < CAST(:end AS date))
      AND (CAST(:measures AS text[]) IS NULL OR measure = ANY(CAST(:measures AS text[])))
""")


def _parameters(
    org_id: uuid.UUID,
    unit_ids: Sequence[uuid.UUID] | None,
    start: date | None,
    end: date | None,
    measures: Sequence[str] | None,
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "unit_ids": list(unit_ids) if unit_ids is not None else None,
        "start": start,
        "end": end,
        "measures": list(measures) if measures is not None else None,
    }


async def _values(
    session: AsyncSession, statement: Any, parameters: dict[str, Any], origin: Origin
) -> list[OutcomeValue]:
    found = await session.execute(statement, parameters)
    return [
        OutcomeValue(
            unit_id, period, str(measure), float(value), int(n) if n is not None else None, origin
        )
        for unit_id, period, measure, value, n in found.all()
    ]


async def cx_outcomes(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    unit_ids: Sequence[uuid.UUID] | None = None,
    start: date | None = None,
    end: date | None = None,
    measures: Sequence[str] | None = None,
) -> list[OutcomeValue]:
    """An organisation's CX outcomes in [start, end) (months), of the units and measures
    named (all by default), in no particular order."""
    parameters = _parameters(org_id, unit_ids, start, end, measures)
    return await _values(session, CX_OUTCOMES, parameters, "outcomes")


async def ex_results(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    unit_ids: Sequence[uuid.UUID] | None = None,
    start: date | None = None,
    end: date | None = None,
    measures: Sequence[str] | None = None,
) -> list[OutcomeValue]:
    """An organisation's EX results in [start, end) (months): factor means and eNPS from
    individual responses (`origin` "responses") and from aggregates ("aggregates"). A unit,
    month and measure may have both when both were imported; the caller picks."""
    parameters = _parameters(org_id, unit_ids, start, end, measures)
    return [
        *await _values(session, EX_FACTOR_MEANS, parameters, "responses"),
        *await _values(session, EX_ENPS, parameters, "responses"),
        *await _values(session, EX_AGGREGATES, parameters, "aggregates"),
    ]
