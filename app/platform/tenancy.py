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

from sqlalchemy import CTE, String, event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

# The role whose queries the policies bind. It cannot log in; the owner switches to it.
ROLE = "insight_app"
# The transaction-local setting that names the caller's organisation.
SETTING = "insight.org_id"

# Where a session notes that its transaction is bound: `AsyncSession.info[ENTERED]`.
ENTERED = "insight.entered"

_ENTER = text(f"SELECT set_config('role', '{ROLE}', true), set_config('{SETTING}', :org_id, true)")
# The same, with the organisation's directory version read in the same round trip (the
# subquery is planned before the role changes, as the owner).
_ENTER_AT_VERSION = text(
    f"SELECT set_config('role', '{ROLE}', true), set_config('{SETTING}', :org_id, true), "  # noqa: S608
    "(SELECT directory_version FROM organisations WHERE id = CAST(:org_id AS uuid))"
)


async def enter(session: AsyncSession, org_id: uuid.UUID) -> None:
    """Bind the rest of this transaction to one organisation's rows."""
    await session.execute(_ENTER, {"org_id": str(org_id)})
    session.info[ENTERED] = org_id


async def enter_at_version(session: AsyncSession, org_id: uuid.UUID) -> int | None:
    """`enter`, returning the organisation's directory version (None when it is gone)."""
    row = (await session.execute(_ENTER_AT_VERSION, {"org_id": str(org_id)})).one()
    session.info[ENTERED] = org_id
    return None if row[2] is None else int(row[2])


def entering_cte() -> CTE:
    """`enter` as a CTE of another statement (its column `org` must be selected), for a
    request whose first statement binds the rest of its transaction; the organisation is
    bound as `entering_org_id`. The statement itself, planned before the role changes, runs
    as the owner and names its organisation in every clause. Whoever runs it calls
    `entered`."""
    return (
        text(
            f"SELECT set_config('role', '{ROLE}', true) AS role, "
            f"set_config('{SETTING}', :entering_org_id, true) AS org"
        )
        .columns(role=String, org=String)
        .cte("entering")
    )


def entered(session: AsyncSession, org_id: uuid.UUID) -> None:
    session.info[ENTERED] = org_id


async def ensure_entered(session: AsyncSession, org_id: uuid.UUID) -> None:
    """`enter`, unless this session's transaction already is."""
    if session.info.get(ENTERED) != org_id:
        await enter(session, org_id)


def _forget_entered(session: Session, *_: object) -> None:
    # The settings were transaction-local: a new transaction begins as the owner.
    session.info.pop(ENTERED, None)


event.listen(Session, "after_commit", _forget_entered)
event.listen(Session, "after_rollback", _forget_entered)
