import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Request, Response, status
from fastapi.responses import StreamingResponse

from app.attachments import service
from app.attachments.media import (
    AAC_ADTS,
    HEIF,
    JPEG,
    MP4_AUDIO,
    MPEG,
    OGG,
    PNG,
    WAV,
    WEBP,
)
from app.attachments.storage import AttachmentStore
from app.attachments.upload import receive_upload
from app.insights.schemas import AttachmentOut
from app.platform.settings import Settings
from app.web.caller import Caller
from app.web.routes import ApiRoute
from app.web.unit_of_work import Session, runtime

router = APIRouter(tags=["attachments"], route_class=ApiRoute)

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "A photo (JPEG, PNG, WebP, HEIC) or a recording "
                            "(M4A/MP4, AAC, MP3, Ogg, WAV). The type is read from the content.",
                        },
                        "id": {
                            "type": "string",
                            "format": "uuid",
                            "description": "Client-generated id: a retry returns the stored "
                            "attachment instead of a second one.",
                        },
                    },
                }
            }
        },
    }
}
_UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": AttachmentOut, "description": "Already stored under this id."},
}


def _settings(request: Request) -> Settings:
    return runtime(request).settings


def _store(request: Request) -> AttachmentStore:
    return runtime(request).attachments


async def _upload(
    request: Request,
    session: Session,
    caller: Caller,
    response: Response,
    target: service.Target,
) -> AttachmentOut:
    settings = _settings(request)
    upload = await receive_upload(
        request.headers.get("content-type"),
        request.stream(),
        service.upload_limits(settings),
        settings.data_dir / "uploads",
    )
    out, created = await service.add_attachment(
        session, caller, _store(request), settings, target, upload
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@router.post(
    "/insights/{insight_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses=_UPLOAD_RESPONSES,
)
async def upload_insight_attachment(
    insight_id: uuid.UUID, request: Request, session: Session, caller: Caller, response: Response
) -> AttachmentOut:
    """Attach a photo or a short recording to an insight: the reporter and its managers.
    Images are stored upright and without metadata (no location, no camera details)."""
    target = await service.attach_target(session, caller, insight_id)
    return await _upload(request, session, caller, response, target)


@router.post(
    "/insights/{insight_id}/comments/{comment_id}/attachments",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_UPLOAD_BODY,
    responses=_UPLOAD_RESPONSES,
)
async def upload_comment_attachment(
    insight_id: uuid.UUID,
    comment_id: uuid.UUID,
    request: Request,
    session: Session,
    caller: Caller,
    response: Response,
) -> AttachmentOut:
    """Attach a photo or a short recording to your own comment."""
    target = await service.attach_target(session, caller, insight_id, comment_id)
    return await _upload(request, session, caller, response, target)


@router.get("/attachments/{attachment_id}")
async def get_attachment(
    attachment_id: uuid.UUID, session: Session, caller: Caller
) -> AttachmentOut:
    """An attachment's details (kind, media type, size); the bytes are at `/content`."""
    return await service.get_attachment(session, caller, attachment_id)


@router.delete("/attachments/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_attachment(
    attachment_id: uuid.UUID,
    request: Request,
    session: Session,
    caller: Caller,
    background: BackgroundTasks,
) -> None:
    """Its uploader may remove it while the insight is open."""
    keys = await service.delete_attachment(session, caller, attachment_id)
    # Background tasks run after the request's transaction has committed.
    background.add_task(service.remove_stored, _store(request), keys)


_STORED_TYPES = [f.media_type for f in (JPEG, PNG, WEBP, HEIF, WAV, MPEG, AAC_ADTS, MP4_AUDIO, OGG)]
_NOT_MODIFIED = {"description": "The client's copy (If-None-Match) is current."}
_BINARY: dict[int | str, dict[str, Any]] = {
    200: {"content": {kind: {} for kind in _STORED_TYPES}, "description": "The bytes."},
    304: _NOT_MODIFIED,
}
_THUMBNAIL: dict[int | str, dict[str, Any]] = {
    200: {"content": {JPEG.media_type: {}}, "description": "A small JPEG of the photo."},
    304: _NOT_MODIFIED,
}
IfNoneMatch = Annotated[str | None, Header()]


@router.get("/attachments/{attachment_id}/content", response_class=Response, responses=_BINARY)
async def get_attachment_content(
    attachment_id: uuid.UUID,
    request: Request,
    session: Session,
    caller: Caller,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The stored photo or recording, streamed."""
    content = await service.attachment_content(session, caller, attachment_id, thumbnail=False)
    return _send(request, content, if_none_match)


@router.get("/attachments/{attachment_id}/thumbnail", response_class=Response, responses=_THUMBNAIL)
async def get_attachment_thumbnail(
    attachment_id: uuid.UUID,
    request: Request,
    session: Session,
    caller: Caller,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A small JPEG of a photo (320 px on its long side by default)."""
    content = await service.attachment_content(session, caller, attachment_id, thumbnail=True)
    return _send(request, content, if_none_match)


def _send(request: Request, content: service.Content, if_none_match: str | None) -> Response:
    etag = f'"{content.etag}"'
    headers = {
        "ETag": etag,
        # Private: the bytes are for this reader, whom a shared cache cannot tell apart.
        "Cache-Control": "private, max-age=0, must-revalidate",
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match is not None and _matches(if_none_match, etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    headers["Content-Length"] = str(content.size)
    headers["Content-Disposition"] = f'inline; filename="{content.filename}"'
    return StreamingResponse(
        _store(request).read(content.key), media_type=content.media_type, headers=headers
    )


def _matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
