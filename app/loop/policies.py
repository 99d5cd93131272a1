"""Rules of telling people what happened."""

from app.errors import InvalidInput
from app.loop.models import Audience


def require_supported_audience(audience: Audience) -> None:
    # The customer loop needs a consented contact, which posting does not collect yet.
    if audience is not Audience.REPORTER:
        raise InvalidInput(
            "Only the reporter can be told for now: no customer contact is on record.",
            code="no_customer_contact",
        )
