"""EX–CX linkage in GraphQL: the same reports as REST, derived from their pydantic models."""

import strawberry
from strawberry.experimental import pydantic as derived

from app.analytics import linkage_schemas as schemas
from app.org.gql import Unit


@derived.type(schemas.Correlation, all_fields=True, description=schemas.Correlation.__doc__)
class Correlation:
    pass


@derived.type(schemas.LagAssociation, all_fields=True, description=schemas.LagAssociation.__doc__)
class LagAssociation:
    pass


@derived.type(schemas.ModelEstimate, all_fields=True, description="An estimate, 95 % interval.")
class ModelEstimate:
    pass


@derived.type(schemas.MixedModel, all_fields=True, description=schemas.MixedModel.__doc__)
class MixedModel:
    pass


@derived.type(schemas.UnitPoint, all_fields=True, description=schemas.UnitPoint.__doc__)
class UnitPoint:
    unit: Unit
    region: Unit


@derived.type(schemas.FitLine, all_fields=True, description=schemas.FitLine.__doc__)
class FitLine:
    pass


@derived.type(
    schemas.SignalAssociation, all_fields=True, description=schemas.SignalAssociation.__doc__
)
class SignalAssociation:
    pass


@derived.type(schemas.TableRow, all_fields=True, description="One unit in one period.")
class LinkageRow:
    unit_id: strawberry.ID


@derived.type(
    schemas.LinkageReport,
    all_fields=True,
    description="EX and CX joined per unit and period: associations, not causes.",
)
class LinkageReport:
    unit: Unit


@derived.type(schemas.Driver, all_fields=True, description="A predictor's relative weight.")
class Driver:
    pass


@derived.type(schemas.LeftOut, all_fields=True, description="A predictor left out, and why.")
class LeftOut:
    pass


@derived.type(
    schemas.DriverReport,
    all_fields=True,
    description="What goes with a CX outcome across units, by Johnson's relative weights.",
)
class DriverReport:
    unit: Unit
