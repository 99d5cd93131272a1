"""What a person can ask of the platform under the GDPR: everything held about them
(export), and to be erased. Insights and comments they wrote stay, as the organisation's
record and in every count, but point to a pseudonym from then on."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, String, select, text, tuple_
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.models import Role
from app.org.principal import Principal
from app.platform import clock
from app.platform.errors import Conflict, Forbidden, NotFound
from app.platform.i18n import Locale
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor
from app.privacy.audit import entries
from app.privacy.models import AuditKind
from app.privacy.schemas import AuditEntryOut, RetentionIn, RetentionOut

ERASED_NAME = {Locale.FI: "Poistettu henkilö", Locale.EN: "Erased person"}

# Each part of an export: one statement over the person (:person) in one organisation
# (:org). `:own` is true when the person exports their own data: only then are their
# confidential insights, and what hangs on them, included, so that an export made for
# them by someone else never ties them to what they reported confidentially.
_PARTS: dict[str, str] = {
    "person": """
        SELECT p.id, p.email, p.display_name, p.locale, p.active, p.created_at, p.erased_at,
               p.subject, u.name AS home_unit
        FROM people p JOIN units u ON u.org_id = p.org_id AND u.id = p.home_unit_id
        WHERE p.org_id = :org AND p.id = :person""",
    "roles": """
        SELECT g.role, u.name AS unit, g.created_at
        FROM role_grants g JOIN units u ON u.org_id = g.org_id AND u.id = g.unit_id
        WHERE g.org_id = :org AND g.person_id = :person ORDER BY g.created_at""",
    "insights": """
        SELECT i.id, i.kind, i.text, i.language, i.visibility, i.status, i.journey_stage,
               i.touchpoint, i.tags, i.occurred_at, i.created_at, i.closed_at, i.resolution
        FROM insights i
        WHERE i.org_id = :org AND i.author_id = :person
          AND (:own OR i.visibility <> 'confidential')
        ORDER BY i.created_at""",
    "comments": """
        SELECT c.id, c.insight_id, c.body, c.created_at
        FROM comments c JOIN insights i ON i.org_id = c.org_id AND i.id = c.insight_id
        WHERE c.org_id = :org AND c.author_id = :person
          AND (:own OR NOT (i.visibility = 'confidential' AND i.author_id = :person))
        ORDER BY c.created_at""",
    "endorsements": """
        SELECT e.id, e.insight_id, e.note, e.created_at
        FROM endorsements e WHERE e.org_id = :org AND e.person_id = :person
        ORDER BY e.created_at""",
    "answers_received": """
        SELECT m.id, m.insight_id, m.message, m.sent_at, m.acknowledged_at
        FROM loop_communications m JOIN insights i ON i.org_id = m.org_id AND i.id = m.insight_id
        WHERE m.org_id = :org AND m.recipient_id = :person
          AND (:own OR i.visibility <> 'confidential')
        ORDER BY m.created_at""",
    "answers_written": """
        SELECT m.id, m.insight_id, m.audience, m.message, m.created_at
        FROM loop_communications m WHERE m.org_id = :org AND m.author_id = :person
        ORDER BY m.created_at""",
    "actions": """
        SELECT a.id, a.title, a.description, a.status, a.outcome, a.due_on, a.created_at,
               (a.owner_id = :person) AS owner, (a.created_by = :person) AS creator
        FROM actions a WHERE a.org_id = :org AND (a.owner_id = :person OR a.created_by = :person)
        ORDER BY a.created_at""",
    "attachments": """
        SELECT t.id, t.insight_id, t.comment_id, t.kind, t.media_type, t.size, t.created_at
        FROM attachments t JOIN insights i ON i.org_id = t.org_id AND i.id = t.insight_id
        WHERE t.org_id = :org AND t.uploader_id = :person
          AND (:own OR NOT (i.visibility = 'confidential' AND i.author_id = :person))
        ORDER BY t.created_at""",
    "notifications": """
        SELECT n.id, n.kind, n.insight_id, n.data, n.created_at, n.read_at
        FROM notifications n
        LEFT JOIN insights i ON i.org_id = n.org_id AND i.id = n.insight_id
        WHERE n.org_id = :org AND n.person_id = :person
          AND (:own OR i.visibility IS DISTINCT FROM 'confidential')
        ORDER BY n.created_at""",
    # What someone did as frontline staff only goes into their own export: its targets and
    # times could tie them to a confidential report.
    "audit_trail": """
        SELECT a.at, a.kind, a.operation, a.target
        FROM audit_log a WHERE a.org_id = :org AND a.actor_id = :person
          AND (:own OR NOT a.roles <@ ARRAY['frontline']::varchar[])
        ORDER BY a.at, a.id""",
}


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _may_read_people(actor: Principal, person_id: uuid.UUID) -> bool:
    return actor.person_id == person_id or actor.has_role(Role.ADMIN, Role.HR)


async def export_person(
    session: AsyncSession, actor: Principal, person_id: uuid.UUID
) -> dict[str, Any]:
    """Everything held about a person, in one JSON document: for themselves, or for HR
    and administrators answering a request made to the organisation."""
    if not _may_read_people(actor, person_id):
        raise Forbidden(
            "Only HR and administrators export someone else's data.", code="not_privacy_officer"
        )
    own = actor.person_id == person_id
    params = {"org": actor.org_id, "person": person_id, "own": own}
    document: dict[str, Any] = {"exported_at": clock.now().isoformat(), "complete": own}
    for part, sql in _PARTS.items():
        rows = (await session.execute(text(sql), params)).mappings().all()
        document[part] = [{k: _plain(v) for k, v in row.items()} for row in rows]
    if not document["person"]:
        raise NotFound("Not found.", code="not_found")
    document["person"] = document["person"][0]
    return document


async def erase_person(
    session: AsyncSession, actor: Principal, person_id: uuid.UUID
) -> dict[str, Any]:
    """Erase a person: their name, e-mail, sign-in, roles, notifications and attachments
    go; what they wrote stays under a pseudonym, so counts and trends are unchanged.
    Administrators only; erasing again changes nothing. Returns what was done and the
    storage keys of the removed attachments, for the caller to delete."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators erase people.", code="not_an_admin")
    if actor.person_id == person_id:
        raise Conflict("Administrators cannot erase themselves.", code="cannot_erase_self")
    now = clock.now()
    params = {"org": actor.org_id, "person": person_id, "now": now}
    row = (
        await session.execute(
            text(
                """
                SELECT p.erased_at, o.default_locale FROM people p
                JOIN organisations o ON o.id = p.org_id
                WHERE p.org_id = :org AND p.id = :person FOR UPDATE OF p
                """
            ),
            params,
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Not found.", code="not_found")
    if row.erased_at is not None:
        return {"person_id": str(person_id), "erased_at": row.erased_at.isoformat(), "keys": []}
    await session.execute(
        text(
            """
            UPDATE people SET display_name = :name, email = 'erased-' || id || '@invalid',
                   subject = 'erased|' || id, password_hash = NULL, active = false,
                   erased_at = :now
            WHERE org_id = :org AND id = :person
            """
        ),
        {**params, "name": ERASED_NAME[Locale(row.default_locale)]},
    )
    for statement in (
        "DELETE FROM role_grants WHERE org_id = :org AND person_id = :person",
        "DELETE FROM refresh_tokens WHERE org_id = :org AND person_id = :person",
        "DELETE FROM authorization_codes WHERE org_id = :org AND person_id = :person",
        "DELETE FROM notifications WHERE org_id = :org AND person_id = :person",
    ):
        await session.execute(text(statement), params)
    removed = (
        await session.execute(
            text(
                """
                DELETE FROM attachments WHERE org_id = :org AND uploader_id = :person
                RETURNING storage_key, thumbnail_key
                """
            ),
            params,
        )
    ).all()
    keys = [key for pair in removed for key in pair if key]
    return {
        "person_id": str(person_id),
        "erased_at": now.isoformat(),
        "attachments_removed": len(removed),
        "keys": keys,
    }


async def list_audit(
    session: AsyncSession,
    actor: Principal,
    *,
    actor_id: uuid.UUID | None,
    kind: AuditKind | None,
    cursor: str | None,
    limit: int,
) -> Page[AuditEntryOut]:
    """The organisation's audit trail, newest first (administrators only)."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators read the audit trail.", code="not_an_admin")
    check_limit(limit)
    after = read_cursor(cursor, at=datetime.fromisoformat, id=uuid.UUID)
    query = select(entries).where(entries.c.org_id == actor.org_id)
    if actor_id is not None:
        # Frontline staff are never named here (see `_anonymous`), nor found by name.
        query = query.where(entries.c.actor_id == actor_id, ~_frontline_only)
    if kind is not None:
        query = query.where(entries.c.kind == kind)
    if after is not None:
        query = query.where(tuple_(entries.c.at, entries.c.id) < (after["at"], after["id"]))
    rows = (
        await session.execute(
            query.order_by(entries.c.at.desc(), entries.c.id.desc()).limit(limit + 1)
        )
    ).all()
    items = [_entry_out(row) for row in rows[:limit]]
    next_cursor = (
        encode_cursor({"at": items[-1].at.isoformat(), "id": str(items[-1].id)})
        if len(rows) > limit
        else None
    )
    return Page(items=items, next_cursor=next_cursor)


# Entries of people who held no role beyond frontline staff.
_frontline_only = entries.c.roles.op("<@", return_type=Boolean)(
    array([Role.FRONTLINE.value], type_=String(16))
)


def _entry_out(row: Any) -> AuditEntryOut:
    """An entry as administrators see it. A change made by frontline staff is shown without
    who made it: a confidential reporter's own steps (posting, commenting, uploading) must
    not name them, and the insight's timeline already tells named steps apart."""
    entry = AuditEntryOut.model_validate(row, from_attributes=True)
    if set(entry.roles) <= {Role.FRONTLINE.value}:
        return entry.model_copy(update={"actor_id": None})
    return entry


async def get_retention(session: AsyncSession, actor: Principal) -> RetentionOut:
    if not actor.has_role(Role.ADMIN, Role.HR):
        raise Forbidden("Only HR and administrators see the retention rule.", code="not_an_admin")
    days = (
        await session.execute(
            text("SELECT retention_days FROM organisations WHERE id = :org"), {"org": actor.org_id}
        )
    ).scalar_one()
    return RetentionOut(retention_days=days)


async def set_retention(session: AsyncSession, actor: Principal, data: RetentionIn) -> RetentionOut:
    """How long closed insights keep their free text (administrators only)."""
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators set the retention rule.", code="not_an_admin")
    await session.execute(
        text("UPDATE organisations SET retention_days = :days WHERE id = :org"),
        {"days": data.retention_days, "org": actor.org_id},
    )
    return RetentionOut(retention_days=data.retention_days)
