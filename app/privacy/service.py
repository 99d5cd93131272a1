"""What a person can ask of the platform under the GDPR: everything held about them
(export), and to be erased. Insights and comments they wrote stay, as the organisation's
record and in every count, but point to a pseudonym from then on."""

import uuid
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Text, delete, func, select, tuple_, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import export as actions_export
from app.attachments import export as attachments_export
from app.auth.models import AuthorizationCode, RefreshToken
from app.insights import export as insights_export
from app.insights.models import Attachment
from app.loop import export as loop_export
from app.notify import export as notify_export
from app.notify.models import Notification
from app.org import export as org_export
from app.org.models import Organisation, Person, RoleGrant
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import NotFound
from app.platform.i18n import Locale
from app.platform.pagination import Page, check_limit, encode_cursor, read_cursor
from app.privacy import audit, policies
from app.privacy.audit import entries
from app.privacy.models import AuditKind
from app.privacy.schemas import (
    AnonymityIn,
    AnonymityOut,
    AuditEntryOut,
    RetentionIn,
    RetentionOut,
)

ERASED_NAME = {Locale.FI: "Poistettu henkilö", Locale.EN: "Erased person"}

_people = table(Person)
_organisations = table(Organisation)
_attachments = table(Attachment)


def _plain(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in row.items()}


async def export_person(
    session: AsyncSession, actor: Principal, person_id: uuid.UUID
) -> dict[str, Any]:
    """Everything held about a person, in one JSON document: for themselves, or for HR
    and administrators answering a request made to the organisation. Each domain lists
    its own part; one made for someone else leaves out what ties them to a confidential
    report (`policies.export_is_complete`)."""
    policies.require_exporter(actor, person_id)
    org = actor.org_id
    person = await org_export.person_of(session, org, person_id)
    if person is None:
        raise NotFound("Not found.", code="not_found")
    complete = policies.export_is_complete(actor, person_id)
    # What hangs on their own confidential reports (their comments and uploads there), and
    # anything about any confidential insight (answers, notifications), stays out.
    theirs = None if complete else insights_export.confidential_insights(org, reported_by=person_id)
    any_confidential = None if complete else insights_export.confidential_insights(org)
    document: dict[str, Any] = {
        "exported_at": clock.now().isoformat(),
        "complete": complete,
        "person": _plain_row(person),
        "roles": await org_export.roles_of(session, org, person_id),
        "insights": await insights_export.insights_of(
            session, org, person_id, include_confidential=complete
        ),
        "comments": await insights_export.comments_of(
            session, org, person_id, include_confidential=complete
        ),
        "endorsements": await insights_export.endorsements_of(session, org, person_id),
        "answers_received": await loop_export.answers_received(
            session, org, person_id, leaving_out=any_confidential
        ),
        "answers_written": await loop_export.answers_written(session, org, person_id),
        "actions": await actions_export.actions_of(session, org, person_id),
        "attachments": await attachments_export.uploads_of(
            session, org, person_id, leaving_out=theirs
        ),
        "notifications": await notify_export.notifications_of(
            session, org, person_id, leaving_out=any_confidential
        ),
        "audit_trail": await audit.trail_of(session, org, person_id, with_frontline=complete),
    }
    for part, rows in document.items():
        if isinstance(rows, list):
            document[part] = [_plain_row(row) for row in rows]
    return document


async def erase_person(
    session: AsyncSession, actor: Principal, person_id: uuid.UUID
) -> dict[str, Any]:
    """Erase a person: their name, e-mail, sign-in, roles, notifications and attachments
    go; what they wrote stays under a pseudonym, so counts and trends are unchanged.
    Administrators only; erasing again changes nothing. Returns what was done and the
    storage keys of the removed attachments, for the caller to delete."""
    policies.require_eraser(actor, person_id)
    now = clock.now()
    p, o = _people.c, _organisations.c
    row = (
        await session.execute(
            select(p.erased_at, o.default_locale)
            .join_from(_people, _organisations, o.id == p.org_id)
            .where(p.org_id == actor.org_id, p.id == person_id)
            .with_for_update(of=_people)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("Not found.", code="not_found")
    if row.erased_at is not None:
        return {"person_id": str(person_id), "erased_at": row.erased_at.isoformat(), "keys": []}
    await session.execute(
        update(_people)
        .where(p.org_id == actor.org_id, p.id == person_id)
        .values(
            display_name=ERASED_NAME[Locale(row.default_locale)],
            email=func.concat("erased-", sql_cast(p.id, Text), "@invalid"),
            subject=func.concat("erased|", sql_cast(p.id, Text)),
            password_hash=None,
            active=False,
            erased_at=now,
        )
    )
    for model in (RoleGrant, RefreshToken, AuthorizationCode, Notification):
        rows = table(model)
        await session.execute(
            delete(rows).where(rows.c.org_id == actor.org_id, rows.c.person_id == person_id)
        )
    t = _attachments.c
    removed = (
        await session.execute(
            delete(_attachments)
            .where(t.org_id == actor.org_id, t.uploader_id == person_id)
            .returning(t.storage_key, t.thumbnail_key)
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
    policies.require_auditor(actor)
    check_limit(limit)
    after = read_cursor(cursor, at=datetime.fromisoformat, id=uuid.UUID)
    query = select(entries).where(entries.c.org_id == actor.org_id)
    if actor_id is not None:
        # Frontline staff are never named here (see `_anonymous`), nor found by name.
        query = query.where(entries.c.actor_id == actor_id, policies.named_clause(entries.c.roles))
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


def _entry_out(row: Any) -> AuditEntryOut:
    """An entry as administrators see it: without who made it unless
    `policies.names_actor`."""
    entry = AuditEntryOut.model_validate(row, from_attributes=True)
    if not policies.names_actor(entry.roles):
        return entry.model_copy(update={"actor_id": None})
    return entry


async def get_retention(session: AsyncSession, actor: Principal) -> RetentionOut:
    policies.require_retention_reader(actor)
    days = await session.scalar(
        select(_organisations.c.retention_days).where(_organisations.c.id == actor.org_id)
    )
    return RetentionOut(retention_days=days)


async def set_retention(session: AsyncSession, actor: Principal, data: RetentionIn) -> RetentionOut:
    """How long closed insights keep their free text (administrators only)."""
    policies.require_retention_keeper(actor)
    await session.execute(
        update(_organisations)
        .where(_organisations.c.id == actor.org_id)
        .values(retention_days=data.retention_days)
    )
    return RetentionOut(retention_days=data.retention_days)


async def get_anonymity(session: AsyncSession, actor: Principal) -> AnonymityOut:
    policies.require_retention_reader(actor)
    least = await session.scalar(
        select(_organisations.c.confidential_unit_min_people).where(
            _organisations.c.id == actor.org_id
        )
    )
    assert least is not None
    return AnonymityOut(confidential_unit_min_people=least)


async def set_anonymity(session: AsyncSession, actor: Principal, data: AnonymityIn) -> AnonymityOut:
    """How many people a unit needs to be shown as a confidential insight's unit
    (administrators only). Insights posted from now on follow it."""
    policies.require_retention_keeper(actor)
    await session.execute(
        update(_organisations)
        .where(_organisations.c.id == actor.org_id)
        .values(confidential_unit_min_people=data.confidential_unit_min_people)
    )
    return AnonymityOut(confidential_unit_min_people=data.confidential_unit_min_people)
