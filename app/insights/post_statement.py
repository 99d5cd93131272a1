"""The one statement that stores a new insight with everything that comes with it.

A data-modifying CTE: the insight (unless its id is taken), its customer contact, the
timeline's `posted` and `routed` events, one notification per owner and the request's
audit entry, each written only when the insight was. It may also bind the rest of the
transaction to the organisation (`tenancy.entering`) and write only while the
organisation's directory version is the one its routing and the caller's grants were
read at. It answers the new id (None when nothing was written) and that version.
"""

import functools
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    Column,
    Insert,
    Select,
    Table,
    Uuid,
    bindparam,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert

from app.insights import rows
from app.insights.models import InsightEvent
from app.notify.models import Notification
from app.org.models import Organisation
from app.platform import tenancy
from app.platform.db import table

_events, _notes, _orgs = table(InsightEvent), table(Notification), table(Organisation)

INSIGHT_COLUMNS = (
    "org_id",
    "id",
    "unit_id",
    "shown_unit_id",
    "author_id",
    "kind",
    "text",
    "language",
    "journey_stage",
    "touchpoint",
    "customer_impact",
    "customers_affected",
    "occurred_at",
    "visibility",
    "tags",
    "status",
    "owner_unit_id",
    "ack_due_at",
    "respond_due_at",
    "ack_minutes",
    "respond_minutes",
    "escalation_level",
    "escalation_stopped_at",
    "endorsement_count",
    "version",
    "created_at",
    "updated_at",
)
CONTACT_COLUMNS = (
    "channel",
    "name",
    "address",
    "consent_text",
    "consented_at",
    "recorded_by",
    "due_at",
)
EVENT_COLUMNS = ("type", "actor_id", "data")


def _param(name: str, column: Column[Any]) -> Any:
    return bindparam(name, type_=column.type)


def _rows_after(target: Table, inserted: Any, prefix: str, columns: tuple[str, ...]) -> Insert:
    """INSERT of one row of `columns` (bound as prefix_column) with the insight's org and
    id, only when the insight was inserted."""
    chosen = select(
        bindparam("org_id", type_=target.c.org_id.type),
        inserted.c.id,
        *(_param(f"{prefix}_{name}", target.c[name]) for name in columns),
    ).select_from(inserted)
    return insert(target).from_select(
        ["org_id", "insight_id", *columns], chosen, include_defaults=False
    )


@functools.cache
def statement(
    *, contact: bool, enter: bool, audit: Table | None, audit_names: tuple[str, ...] = ()
) -> Select[Any]:
    """The statement; `audit` names the audit table and `audit_names` the columns of its
    row (bound as a_column) other than org_id."""
    ic = rows.insights.c
    gate = exists(
        select(literal(1)).where(
            _orgs.c.id == bindparam("org_id"),
            _orgs.c.directory_version
            == func.coalesce(
                bindparam("version", type_=_orgs.c.directory_version.type),
                _orgs.c.directory_version,
            ),
        )
    )
    new = select(*(_param(f"i_{name}", ic[name]) for name in INSIGHT_COLUMNS)).where(gate)
    inserted = (
        insert(rows.insights)
        .from_select(list(INSIGHT_COLUMNS), new, include_defaults=False)
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(ic.id)
        .cte("inserted")
    )
    riders: list[Any] = []
    if contact:
        riders.append(_rows_after(rows.contacts, inserted, "c", CONTACT_COLUMNS).cte("contact"))
    ec = _events.c
    timeline = union_all(
        *(
            select(
                bindparam("org_id", type_=ec.org_id.type),
                inserted.c.id,
                _param(f"e{i}_type", ec.type),
                _param(f"e{i}_actor_id", ec.actor_id),
                _param(f"e{i}_data", ec.data),
                bindparam("now", type_=ec.created_at.type),
            ).select_from(inserted)
            for i in (0, 1)
        )
    )
    riders.append(
        insert(_events)
        .from_select(
            ["org_id", "insight_id", *EVENT_COLUMNS, "created_at"],
            timeline,
            include_defaults=False,
        )
        .cte("events")
    )
    nc = _notes.c
    notes = select(
        bindparam("org_id", type_=nc.org_id.type),
        func.unnest(bindparam("n_ids", type_=ARRAY(Uuid))),
        func.unnest(bindparam("n_person_ids", type_=ARRAY(Uuid))),
        _param("n_kind", nc.kind),
        inserted.c.id,
        _param("n_data", nc.data),
        bindparam("now", type_=nc.created_at.type),
        _param("n_email_state", nc.email_state),
        literal(0, type_=nc.email_attempts.type),
    ).select_from(inserted)
    riders.append(
        insert(_notes)
        .from_select(
            [
                "org_id",
                "id",
                "person_id",
                "kind",
                "insight_id",
                "data",
                "created_at",
                "email_state",
                "email_attempts",
            ],
            notes,
            include_defaults=False,
        )
        .cte("notifications")
    )
    if audit is not None:
        names = list(audit_names)
        entry = select(
            bindparam("org_id", type_=audit.c.org_id.type),
            *(_param(f"a_{name}", audit.c[name]) for name in names),
        ).select_from(inserted)
        riders.append(
            insert(audit)
            .from_select(["org_id", *names], entry, include_defaults=False)
            .cte("audit")
        )
    version = (
        select(_orgs.c.directory_version)
        .where(_orgs.c.id == bindparam("org_id"))
        .scalar_subquery()
        .label("version")
    )
    answer: Select[Any]
    if enter:
        entering = tenancy.entering_cte()
        answer = select(
            select(inserted.c.id).scalar_subquery().label("inserted_id"),
            version,
            entering.c.org,
        ).select_from(entering)
    else:
        answer = select(select(inserted.c.id).scalar_subquery().label("inserted_id"), version)
    return cast(Select[Any], answer.add_cte(*riders))
