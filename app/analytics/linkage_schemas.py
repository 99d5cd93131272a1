"""EX–CX linkage: how employee experience and customer outcomes go together per unit.

Every figure here is an association between units or over time, never a cause: the
wording of the reports says so, and `notice` repeats it in the reader's language.
"""

import uuid
from datetime import date

from pydantic import BaseModel, Field

from app.analytics.linkage_data import PeriodGrain as PeriodGrain
from app.org.schemas import UnitRef
from app.outcomes.models import CxMeasure as CxMeasure

MIN_LAG = -2
MAX_LAG = 2


class LinkageQuery(BaseModel):
    unit_id: uuid.UUID | None = None
    cx: CxMeasure = CxMeasure.NPS
    ex: str = Field(default="engagement", min_length=1, max_length=80)
    grain: PeriodGrain = PeriodGrain.MONTH
    start: date | None = None
    end: date | None = None
    lag: int = Field(default=1, ge=MIN_LAG, le=MAX_LAG)


class Correlation(BaseModel):
    """Pearson's r with a Fisher-z 95 % interval; null where fewer than 4 pairs or no
    variation leave nothing to estimate."""

    r: float | None
    low: float | None
    high: float | None
    n: int = Field(description="Pairs the coefficient is computed over.")


class LagAssociation(BaseModel):
    """EX in period t against CX in period t + lag (a negative lag: CX comes first)."""

    lag: int
    between_units: Correlation = Field(
        description="Across units: each unit's mean EX against its mean CX lag periods later; "
        "n is the number of units."
    )
    within_units: Correlation = Field(
        description="Over time inside units: EX and lagged CX, each less its unit's mean."
    )
    pooled: Correlation = Field(
        description="Every unit-period pair pooled, as a naive reading would. Differences "
        "between regions and units inflate it; it is shown for comparison only."
    )
    units: int
    observations: int


class ModelEstimate(BaseModel):
    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None


class MixedModel(BaseModel):
    """CX in t + lag on EX in t with random intercepts for region and unit."""

    method: str
    lag: int
    within_unit_slope: ModelEstimate = Field(
        description="How much CX differs, on average, when a unit's EX is one point above "
        "its own usual level: the association over time inside units, which differences "
        "between units and regions do not drive."
    )
    between_unit_slope: ModelEstimate = Field(
        description="How much CX differs between units whose usual EX differs by one point."
    )
    observations: int
    units: int
    regions: int
    converged: bool


class UnitPoint(BaseModel):
    """One unit in the scatter: its mean EX and its mean CX lag periods later."""

    unit: UnitRef
    region: UnitRef
    ex: float
    cx: float
    periods: int


class FitLine(BaseModel):
    """The least-squares line through the unit points and its 95 % confidence band."""

    slope: float
    intercept: float
    x: list[float]
    low: list[float]
    high: list[float]


class SignalAssociation(BaseModel):
    """A listening signal of the platform against the CX outcome, across units."""

    signal: str
    between_units: Correlation


class TableRow(BaseModel):
    unit_id: uuid.UUID
    period: date
    ex: float | None = Field(description="Null where no answers or the floors held them back.")
    respondents: int | None
    cx: float | None
    hours_to_acknowledge: float | None
    loop_closed_within_deadline: float | None
    insights_per_employee: float | None


class LinkageReport(BaseModel):
    unit: UnitRef
    cx_measure: CxMeasure
    ex_measure: str
    ex_measures: list[str] = Field(description="The EX measures there are data for.")
    grain: PeriodGrain
    start: date
    end: date = Field(description="The first month after the window.")
    lag: int
    min_group: int = Field(description="The organisation's smallest group of answers shown.")
    units: int = Field(description="Units with a CX outcome in the window.")
    units_with_ex: int = Field(description="…of which have EX the floors release.")
    suppressed_periods: int = Field(
        description="Unit-periods whose EX answers the floors held back (too few answers)."
    )
    sufficient: bool = Field(
        description="At least 30 units with both EX and CX: fewer is reported, not hidden, "
        "and should not be read as evidence either way."
    )
    notice: str
    model: MixedModel | None
    lags: list[LagAssociation]
    points: list[UnitPoint]
    fit: FitLine | None
    signals: list[SignalAssociation]
    table: list[TableRow] | None = None


class Driver(BaseModel):
    name: str
    kind: str = Field(description="`ex_factor` or `listening`.")
    raw_weight: float = Field(description="Its share of R², in R² units.")
    share: float = Field(description="Its share of the explained variance, in percent.")
    low: float | None = Field(description="95 % bootstrap interval of the share (percent).")
    high: float | None


class LeftOut(BaseModel):
    name: str
    reason: str


class DriverReport(BaseModel):
    unit: UnitRef
    cx_measure: CxMeasure
    method: str
    r2: float | None
    units: int
    draws: int
    sufficient: bool
    notice: str
    drivers: list[Driver]
    left_out: list[LeftOut]
