"""Rules that need real concurrency: two uploads racing with one client id."""

import asyncio
import hashlib
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.attachments import media
from app.attachments import service as attachments_service
from app.attachments.upload import Upload
from app.insights import posting
from app.insights.models import Attachment
from app.insights.schemas import AttachmentOut, InsightCreate
from app.org import service as org_service
from app.web.runtime import Runtime
from tests.attachments.files import jpeg_with_location
from tests.factories import World


def _received(directory: Path, content: bytes, client_id: uuid.UUID) -> Upload:
    path = directory / f"upload-{uuid.uuid4().hex}"
    path.write_bytes(content)
    fmt = media.sniff(content[: media.SNIFF_BYTES])
    assert fmt is not None
    digest = hashlib.sha256(content).hexdigest()
    return Upload(path, fmt, len(content), digest, client_id)


async def test_racing_retries_keep_one_attachment(
    committed: tuple[World, async_sessionmaker[AsyncSession]], runtime: Runtime, tmp_path: Path
) -> None:
    world, sessions = committed
    async with sessions() as session:
        anna = await org_service.load_principal(session, world.people["anna"].subject)
        assert anna is not None
        posted, _ = await posting.create_insight(
            session, anna, InsightCreate(kind="idea", text="Kuva tulee kahdesti.")
        )
        await session.commit()
    client_id = uuid.uuid4()
    photo = jpeg_with_location()

    async def upload() -> tuple[AttachmentOut, bool]:
        async with sessions() as session:
            assert anna is not None
            target = await attachments_service.attach_target(session, anna, posted.id)
            result = await attachments_service.add_attachment(
                session,
                anna,
                runtime.attachments,
                runtime.settings,
                target,
                _received(tmp_path, photo, client_id),
            )
            await session.commit()
            return result

    (first, made_first), (second, made_second) = await asyncio.gather(upload(), upload())
    assert sorted([made_first, made_second]) == [False, True]
    assert first.id == second.id == client_id
    assert first.sha256 == second.sha256
    async with sessions() as session:
        rows = await session.scalar(
            select(func.count()).where(Attachment.org_id == anna.org_id, Attachment.id == client_id)
        )
    assert rows == 1
    stored = [p for p in (runtime.settings.data_dir / "attachments").rglob("*") if p.is_file()]
    assert len(stored) == 2  # one content and one thumbnail: the loser's were removed
