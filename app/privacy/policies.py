"""Who may ask what of the platform under the GDPR, and who is named in the audit trail."""

import uuid
from collections.abc import Collection

from sqlalchemy import Boolean, ColumnElement, String
from sqlalchemy.dialects.postgresql import array

from app.org.models import Role
from app.org.principal import Principal
from app.platform.errors import Conflict, Forbidden

# The roles that answer data requests made to the organisation and read across people's
# data: their reads are recorded in the audit trail, as well as everyone's changes.
PRIVACY_OFFICERS = (Role.HR, Role.ADMIN)


def may_export_person(actor: Principal, person_id: uuid.UUID) -> bool:
    """Everyone exports their own data; HR and administrators anyone's in the organisation."""
    return actor.person_id == person_id or actor.has_role(*PRIVACY_OFFICERS)


def require_exporter(actor: Principal, person_id: uuid.UUID) -> None:
    if not may_export_person(actor, person_id):
        raise Forbidden(
            "Only HR and administrators export someone else's data.", code="not_privacy_officer"
        )


def export_is_complete(actor: Principal, person_id: uuid.UUID) -> bool:
    """Only a person's own export holds what they reported confidentially and what hangs on
    it: a confidential reporter is named to nobody but themselves
    (`app.insights.policies.shows_reporter`), so an export made for them by someone else
    must not tie them to it."""
    return actor.person_id == person_id


def require_eraser(actor: Principal, person_id: uuid.UUID) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators erase people.", code="not_an_admin")
    if actor.person_id == person_id:
        raise Conflict("Administrators cannot erase themselves.", code="cannot_erase_self")


def require_auditor(actor: Principal) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators read the audit trail.", code="not_an_admin")


def require_retention_reader(actor: Principal) -> None:
    if not actor.has_role(*PRIVACY_OFFICERS):
        raise Forbidden("Only HR and administrators see the retention rule.", code="not_an_admin")


def require_retention_keeper(actor: Principal) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators set the retention rule.", code="not_an_admin")


def reads_are_audited(actor: Principal) -> bool:
    return actor.has_role(*PRIVACY_OFFICERS)


def names_actor(roles: Collection[str]) -> bool:
    """Whether the audit trail names who made an entry, from the roles they held then. A
    change made by frontline staff is shown without who made it: a confidential reporter's
    own steps (posting, commenting, uploading) must not name them, and the insight's
    timeline already tells named steps apart. For the same reason what someone did as
    frontline staff goes only into their own export."""
    return not set(roles) <= {Role.FRONTLINE.value}


def named_clause(roles: ColumnElement[list[str]]) -> ColumnElement[bool]:
    """`names_actor` as an SQL condition on the column of the roles an entry was made with."""
    frontline_only = roles.op("<@", return_type=Boolean)(
        array([Role.FRONTLINE.value], type_=String(16))
    )
    return ~frontline_only
