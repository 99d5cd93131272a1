"""Applies a queue of posts made offline: each item on its own, in order, safe to resend.

Every item carries its client-generated id (an endorsement is one per person and insight
anyway), so sending the same batch again stores nothing new and answers `replayed`.
Each item runs in a savepoint inside the batch's one transaction: a failing item leaves
nothing behind and the others stand.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.insights import comments as insight_comments
from app.insights import endorsements, posting
from app.insights.models import Comment
from app.insights.schemas import CommentCreate, EndorsementCreate, InsightCreate
from app.org.principal import Principal
from app.platform.db import table
from app.platform.errors import DomainError, InvalidInput
from app.platform.field_errors import field_message
from app.platform.i18n import Locale, problem_text
from app.platform.text import nul_places
from app.sync.schemas import (
    MAX_BATCH,
    FieldError,
    ItemError,
    ItemType,
    Outcome,
    SyncBatchIn,
    SyncBatchOut,
    SyncItemResult,
)

comments = table(Comment)

_INPUTS: dict[ItemType, type[BaseModel]] = {
    ItemType.INSIGHT: InsightCreate,
    ItemType.COMMENT: CommentCreate,
    ItemType.ENDORSEMENT: EndorsementCreate,
}


class _ItemInvalid(Exception):
    def __init__(self, errors: list[Mapping[str, Any]]) -> None:
        # pydantic's error dicts: their context words the message in the caller's language.
        self.errors = errors


def _translated(error: Mapping[str, Any], locale: Locale) -> FieldError:
    return FieldError(
        location=[str(part) for part in error["loc"]],
        message=field_message(error, locale),
        type=error["type"],
    )


def _invalid(
    location: str, message: str, kind: str, ctx: Mapping[str, Any] | None = None
) -> _ItemInvalid:
    return _ItemInvalid([{"loc": (location,), "msg": message, "type": kind, "ctx": ctx}])


def _parse(raw: Any) -> tuple[ItemType, BaseModel, uuid.UUID | None]:
    """The item's type, its input and the insight it refers to."""
    if not isinstance(raw, dict):
        raise _invalid("item", "An item must be an object.", "dict_type")
    try:
        kind = ItemType(str(raw.get("type")))
    except ValueError:
        raise _invalid(
            "type",
            "type must be one of: insight, comment, endorsement.",
            "enum",
            {"expected": "'insight', 'comment' or 'endorsement'"},
        ) from None
    places = nul_places(raw)
    if places:
        raise _ItemInvalid(
            [
                {
                    "loc": place,
                    "msg": "Text may not contain the NUL character.",
                    "type": "nul_character",
                }
                for place in places
            ]
        )
    fields = {k: v for k, v in raw.items() if k not in ("type", "insight_id")}
    insight_id = None
    if kind is not ItemType.INSIGHT:
        try:
            insight_id = uuid.UUID(str(raw["insight_id"]))
        except KeyError:
            raise _invalid("insight_id", "Field required", "missing") from None
        except ValueError:
            raise _invalid("insight_id", "Input should be a valid UUID", "uuid_parsing") from None
    elif "insight_id" in raw:
        raise _invalid("insight_id", "Extra inputs are not permitted", "extra_forbidden")
    try:
        data = _INPUTS[kind].model_validate(fields)
    except ValidationError as exc:
        raise _ItemInvalid(list(exc.errors())) from None
    if kind is not ItemType.ENDORSEMENT and getattr(data, "id", None) is None:
        raise _invalid("id", "A client-generated id is required to sync safely.", "missing")
    return kind, data, insight_id


async def _existing_comments(
    session: AsyncSession, actor: Principal, items: list[Any]
) -> set[uuid.UUID]:
    """Comment ids of the batch stored by an earlier attempt, in one statement."""
    ids: list[uuid.UUID] = []
    for raw in items:
        if isinstance(raw, dict) and raw.get("type") == ItemType.COMMENT:
            try:
                ids.append(uuid.UUID(str(raw.get("id"))))
            except ValueError:
                continue
    if not ids:
        return set()
    rows = await session.execute(
        select(comments.c.id).where(comments.c.org_id == actor.org_id, comments.c.id.in_(ids))
    )
    return set(rows.scalars())


async def _apply(
    session: AsyncSession,
    actor: Principal,
    kind: ItemType,
    data: BaseModel,
    insight_id: uuid.UUID | None,
    stored_comments: set[uuid.UUID],
) -> tuple[uuid.UUID, bool]:
    """Apply one item; returns the object's id and whether it was created now."""
    if isinstance(data, InsightCreate):
        insight, created = await posting.create_insight(session, actor, data)
        return insight.id, created
    assert insight_id is not None
    if isinstance(data, CommentCreate):
        comment = await insight_comments.add_comment(session, actor, insight_id, data)
        created = comment.id not in stored_comments
        stored_comments.add(comment.id)
        return comment.id, created
    assert isinstance(data, EndorsementCreate)
    endorsement, created = await endorsements.endorse(session, actor, insight_id, data)
    return endorsement.id, created


async def apply_batch(session: AsyncSession, actor: Principal, batch: SyncBatchIn) -> SyncBatchOut:
    """Apply the items in order; 422 `batch_too_large` over MAX_BATCH, `empty_batch` for none."""
    if len(batch.items) > MAX_BATCH:
        raise InvalidInput(
            f"A batch may hold at most {MAX_BATCH} items; send the rest in another.",
            code="batch_too_large",
            extra={"max_items": MAX_BATCH},
        )
    if not batch.items:
        raise InvalidInput("The batch has no items.", code="empty_batch")
    stored_comments = await _existing_comments(session, actor, batch.items)
    results: list[SyncItemResult] = []
    for index, raw in enumerate(batch.items):
        kind: ItemType | None = None
        try:
            kind, data, insight_id = _parse(raw)
            async with session.begin_nested():
                object_id, created = await _apply(
                    session, actor, kind, data, insight_id, stored_comments
                )
        except _ItemInvalid as exc:
            _, detail = problem_text(
                "validation_error", actor.locale, "", "The item does not match the schema.", {}
            )
            error = ItemError(
                status=422,
                code="validation_error",
                detail=detail,
                errors=[_translated(e, actor.locale) for e in exc.errors],
            )
            results.append(_failed(index, kind, raw, error))
            continue
        except DomainError as exc:
            _, detail = problem_text(exc.code, actor.locale, exc.title, exc.detail, exc.extra)
            error = ItemError(status=exc.status, code=exc.code, detail=detail)
            results.append(_failed(index, kind, raw, error))
            continue
        outcome = Outcome.CREATED if created else Outcome.REPLAYED
        results.append(
            SyncItemResult(index=index, type=kind, id=object_id, outcome=outcome, error=None)
        )
    created_count = sum(1 for r in results if r.outcome is Outcome.CREATED)
    replayed = sum(1 for r in results if r.outcome is Outcome.REPLAYED)
    return SyncBatchOut(
        created=created_count,
        replayed=replayed,
        failed=len(results) - created_count - replayed,
        results=results,
    )


def _failed(index: int, kind: ItemType | None, raw: Any, error: ItemError) -> SyncItemResult:
    item_id = None
    if isinstance(raw, dict):
        try:
            item_id = uuid.UUID(str(raw.get("id")))
        except ValueError:
            item_id = None
    return SyncItemResult(index=index, type=kind, id=item_id, outcome=Outcome.ERROR, error=error)
