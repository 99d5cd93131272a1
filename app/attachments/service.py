"""Attachments: photos and voice notes on insights and on comments of their thread."""

import functools
import hashlib
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.attachments import media, policies
from app.attachments.storage import AttachmentStore
from app.attachments.upload import Upload
from app.insights import policies as insights_policies
from app.insights import rows as insight_rows
from app.insights.attachments import attachment_out
from app.insights.models import Attachment, AttachmentKind, Comment
from app.insights.rows import InsightRef
from app.insights.schemas import AttachmentOut
from app.org.models import Person
from app.org.principal import Principal
from app.platform import clock
from app.platform.db import table
from app.platform.errors import Conflict, NotFound
from app.platform.settings import Settings


@dataclass(frozen=True, slots=True)
class Target:
    """What an upload is for, checked before its bytes are read."""

    row: InsightRef
    comment_id: uuid.UUID | None


def upload_limits(settings: Settings) -> dict[AttachmentKind, int]:
    return {
        AttachmentKind.IMAGE: settings.attachment_image_max_bytes,
        AttachmentKind.AUDIO: settings.attachment_audio_max_bytes,
    }


async def attach_target(
    session: AsyncSession,
    actor: Principal,
    insight_id: uuid.UUID,
    comment_id: uuid.UUID | None = None,
) -> Target:
    """Whoever may comment on the insight may attach to it; to a comment, only its author.
    404 when the insight (or the comment on it) is missing or out of reach."""
    row = await insight_rows.visible_insight(session, actor, insight_id)
    if comment_id is not None:
        author_id = await session.scalar(
            select(Comment.author_id).where(
                Comment.org_id == actor.org_id,
                Comment.id == comment_id,
                Comment.insight_id == row.id,
            )
        )
        if author_id is None or not insights_policies.follows(
            actor, row.author_id, row.unit_path, row.owner_path
        ):
            raise NotFound("No such comment.")
        policies.require_attach_to_comment(actor, author_id)
    else:
        policies.require_attach(actor, row.author_id, row.unit_path, row.owner_path)
    return Target(row, comment_id)


async def add_attachment(
    session: AsyncSession,
    actor: Principal,
    store: AttachmentStore,
    settings: Settings,
    target: Target,
    upload: Upload,
) -> tuple[AttachmentOut, bool]:
    """Keep the uploaded file, cleaned, and list it on the insight (or comment).

    A retry with the same client id and the same file returns the stored attachment
    (created False); the id with anything else is a 409."""
    attachment_id = upload.client_id or uuid.uuid4()
    if upload.client_id is not None:
        stored = await session.get(Attachment, (actor.org_id, attachment_id))
        if stored is not None:
            return _replayed(actor, target, upload, stored), False

    workdir = Path(tempfile.mkdtemp(dir=upload.path.parent, prefix="prepare-"))
    try:
        prepared = await _prepare(upload, settings, workdir)
        attachment = await _store(store, actor, target, upload, prepared, attachment_id)
    finally:
        await to_thread.run_sync(lambda: shutil.rmtree(workdir, ignore_errors=True))
        upload.path.unlink(missing_ok=True)

    inserted = await session.scalar(
        insert(Attachment)
        .values(**{c.key: getattr(attachment, c.key) for c in table(Attachment).columns})
        .on_conflict_do_nothing(index_elements=["org_id", "id"])
        .returning(Attachment.id)
    )
    if inserted is None:
        # Another request with the same id won the race: ours is not kept.
        await remove_stored(store, _keys(attachment))
        stored = await session.get(Attachment, (actor.org_id, attachment_id))
        if stored is None:
            raise Conflict("The attachment id is in use.", code="attachment_id_conflict")
        return _replayed(actor, target, upload, stored), False
    row = target.row
    out = attachment_out(actor, attachment, actor.display_name, row.author_id, row.visibility)
    return out, True


def _replayed(
    actor: Principal, target: Target, upload: Upload, stored: Attachment
) -> AttachmentOut:
    if (
        stored.uploader_id != actor.person_id
        or stored.insight_id != target.row.id
        or stored.comment_id != target.comment_id
        or stored.upload_sha256 != upload.sha256
    ):
        upload.path.unlink(missing_ok=True)
        raise Conflict("The attachment id is in use.", code="attachment_id_conflict")
    upload.path.unlink(missing_ok=True)
    row = target.row
    return attachment_out(actor, stored, actor.display_name, row.author_id, row.visibility)


async def _prepare(upload: Upload, settings: Settings, workdir: Path) -> media.Prepared:
    """Decoding and re-encoding is CPU work: it runs in a worker thread, off the event loop."""
    if upload.format.kind is AttachmentKind.IMAGE:
        limits = media.ImageLimits(
            max_pixels=settings.attachment_image_max_pixels,
            max_decoded_pixels=settings.attachment_image_max_decoded_pixels,
            max_dimension=settings.attachment_image_max_dimension,
            thumbnail_size=settings.attachment_thumbnail_size,
        )
        return await to_thread.run_sync(
            media.prepare_image,
            upload.path,
            upload.format,
            limits,
            workdir,
            limiter=_decode_slots(settings.attachment_image_decode_concurrency),
        )
    return await to_thread.run_sync(
        media.check_audio, upload.path, upload.format, settings.attachment_audio_max_seconds
    )


@functools.cache
def _decode_slots(total: int) -> CapacityLimiter:
    """The photos one process decodes at once: each may hold a few hundred megabytes."""
    return CapacityLimiter(total)


async def _store(
    store: AttachmentStore,
    actor: Principal,
    target: Target,
    upload: Upload,
    prepared: media.Prepared,
    attachment_id: uuid.UUID,
) -> Attachment:
    # A fresh part per upload, so that a request losing a race never overwrites the winner's.
    prefix = f"{actor.org_id}/{attachment_id}/{uuid.uuid4().hex}"
    size, sha256 = await to_thread.run_sync(_measure, prepared.content)
    attachment = Attachment(
        org_id=actor.org_id,
        id=attachment_id,
        insight_id=target.row.id,
        comment_id=target.comment_id,
        uploader_id=actor.person_id,
        kind=upload.format.kind,
        media_type=prepared.media_type,
        size=size,
        sha256=sha256,
        upload_sha256=upload.sha256,
        width=prepared.width,
        height=prepared.height,
        duration_seconds=prepared.duration_seconds,
        storage_key=f"{prefix}/content",
        thumbnail_key=None,
        thumbnail_size=None,
        created_at=clock.now(),
    )
    await store.put(attachment.storage_key, prepared.content, prepared.media_type)
    if prepared.thumbnail is not None:
        attachment.thumbnail_key = f"{prefix}/thumbnail"
        attachment.thumbnail_size = prepared.thumbnail.stat().st_size
        await store.put(attachment.thumbnail_key, prepared.thumbnail, "image/jpeg")
    return attachment


def _measure(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


def _keys(attachment: Attachment) -> list[str]:
    return [k for k in (attachment.storage_key, attachment.thumbnail_key) if k is not None]


async def _readable(
    session: AsyncSession, actor: Principal, attachment_id: uuid.UUID
) -> tuple[Attachment, str, InsightRef]:
    """The attachment with its uploader's name and its insight, if `actor` may see it:
    those who see the insight see its own attachments; a comment's, those who follow the
    thread. Anything else is 404, as missing."""
    found = (
        await session.execute(
            select(Attachment, Person.display_name)
            .join(
                Person,
                and_(Person.org_id == Attachment.org_id, Person.id == Attachment.uploader_id),
            )
            .where(Attachment.org_id == actor.org_id, Attachment.id == attachment_id)
        )
    ).first()
    if found is None:
        raise NotFound("No such attachment.")
    attachment, name = found
    try:
        row = await insight_rows.visible_insight(session, actor, attachment.insight_id)
    except NotFound:
        raise NotFound("No such attachment.") from None
    if attachment.comment_id is not None and not insights_policies.follows(
        actor, row.author_id, row.unit_path, row.owner_path
    ):
        raise NotFound("No such attachment.")
    return attachment, name, row


async def get_attachment(
    session: AsyncSession, actor: Principal, attachment_id: uuid.UUID
) -> AttachmentOut:
    attachment, name, row = await _readable(session, actor, attachment_id)
    return attachment_out(actor, attachment, name, row.author_id, row.visibility)


@dataclass(frozen=True, slots=True)
class Content:
    """Where to read stored bytes from, and what to call them."""

    key: str
    media_type: str
    size: int
    etag: str
    filename: str


_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/ogg": "ogg",
}


async def attachment_content(
    session: AsyncSession, actor: Principal, attachment_id: uuid.UUID, *, thumbnail: bool
) -> Content:
    """The stored content (or the thumbnail of an image); 404 out of reach or for the
    thumbnail of a recording."""
    attachment, _, _ = await _readable(session, actor, attachment_id)
    if not thumbnail:
        ext = _EXTENSIONS.get(attachment.media_type, "bin")
        return Content(
            attachment.storage_key,
            attachment.media_type,
            attachment.size,
            attachment.sha256,
            f"{attachment.kind.value}-{attachment.id}.{ext}",
        )
    if attachment.thumbnail_key is None or attachment.thumbnail_size is None:
        raise NotFound("A recording has no thumbnail.")
    return Content(
        attachment.thumbnail_key,
        "image/jpeg",
        attachment.thumbnail_size,
        f"{attachment.sha256}-thumbnail",
        f"thumbnail-{attachment.id}.jpg",
    )


async def delete_attachment(
    session: AsyncSession, actor: Principal, attachment_id: uuid.UUID
) -> list[str]:
    """Its uploader removes it while the insight is open. Returns the storage keys to remove
    once the removal is committed (before, a rollback would leave a row without its bytes)."""
    attachment, _, row = await _readable(session, actor, attachment_id)
    policies.require_remove(actor, attachment.uploader_id, row.status)
    await session.delete(attachment)
    await session.flush()
    return _keys(attachment)


async def remove_stored(store: AttachmentStore, keys: list[str]) -> None:
    for key in keys:
        await store.delete(key)
