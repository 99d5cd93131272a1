"""The scales of imported EX results and CX outcomes, and how an axis of each is labelled
(`measure_unit`). The EX–CX linkage reads the values themselves
(`app.analytics.linkage_data`), with the anonymity floors applied to their `n`:

CX outcomes (`cx_outcomes`), one value per unit, month and measure, as imported:

- `nps`: Net Promoter Score, −100…100 (% promoters − % detractors); higher is better.
- `csat`: customer satisfaction, the share of satisfied customers, 0–100 %; higher is better.
- `ces`: Customer Effort Score, the mean on a 1–7 scale; lower effort is better.
- `complaint_rate`: complaints per 100 customers (%), ≥ 0; lower is better.
- `n`: the customers behind the value, or None when the source gave none.

EX results, from imported individual responses and imported aggregates:

- a factor (`wellbeing`, `workload`, … as the file named it): the mean agreement on a
  1–5 scale; higher is better. From responses: the mean over the responses of the unit
  and month that scored it, `n` those responses.
- `enps`: employee Net Promoter Score, −100…100: of the answers 0–10, the % of promoters
  (9–10) minus the % of detractors (0–6). From responses: over those that answered it.
- `n`: the answers behind the value (an aggregate's `n` as imported).
"""

from app.outcomes.models import CxMeasure

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
