"""Row-level security: the database itself keeps each organisation's rows to itself.

Every table with an `org_id` (and `organisations` by its `id`) has a policy that lets the
role `insight_app` see and write only the rows of the organisation named by the
transaction's `insight.org_id` setting; with no organisation set it sees nothing. Once a
request knows its caller it enters that role and organisation for the rest of its
transaction (`enter`), so a query that forgets its tenant filter still cannot reach
another organisation.

The connecting role owns the tables and is not bound by the policies: migrations, the
task queue's workers (whose sweeps cross organisations by design), the token issuer and
the lookup of a token's person run as the owner, before any tenant is known.
"""

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# The role whose queries the policies bind. It cannot log in; the owner switches to it.
ROLE = "insight_app"
# The transaction-local setting that names the caller's organisation.
SETTING = "insight.org_id"

_ENTER = text(f"SELECT set_config('role', '{ROLE}', true), set_config('{SETTING}', :org_id, true)")


async def enter(session: AsyncSession, org_id: uuid.UUID) -> None:
    """Bind the rest of this transaction to one organisation's rows."""
    await session.execute(_ENTER, {"org_id": str(org_id)})
