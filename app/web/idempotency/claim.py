"""The key a request holds, shared by the middleware and the code that commits requests."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# Where a request's claim sits: `Request.state.idempotency`.
STATE = "idempotency"


@dataclass
class Claim:
    """A key this request holds, and the session whose commit it will make."""

    scope: str
    key: str
    token: uuid.UUID
    session: AsyncSession | None = None

    def adopt(self, session: AsyncSession) -> bool:
        """Take over committing `session`; False when another session was adopted first."""
        if self.session is not None:
            return False
        self.session = session
        return True


def pending_claim(state: Any) -> Claim | None:
    """The claim of the request whose `Request.state` is `state`, if it carries a key."""
    claim = getattr(state, STATE, None)
    return claim if isinstance(claim, Claim) else None
