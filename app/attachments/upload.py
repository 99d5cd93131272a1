"""Reading an upload off the wire: multipart/form-data streamed to a temporary file, with
the file's format decided from its first bytes and its size limit enforced while it
arrives, so an oversized or unwanted file is refused before it is read to the end."""

import hashlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from anyio import to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

from app.attachments.media import SNIFF_BYTES, Format, sniff
from app.insights.models import AttachmentKind
from app.platform.errors import InvalidInput, TooLarge, UnsupportedMediaType

# Form fields other than the file are a UUID at most.
_MAX_FIELD_BYTES = 100


@dataclass
class Upload:
    """A received file: where it lies, what it is, and the client's id for retries."""

    path: Path
    format: Format
    size: int
    sha256: str
    client_id: uuid.UUID | None


@dataclass
class _Part:
    name: str = ""
    is_file: bool = False
    value: bytearray = field(default_factory=bytearray)


class _Receiver:
    def __init__(self, path: Path, file: BinaryIO, limits: dict[AttachmentKind, int]) -> None:
        self.path = path
        self.limits = limits
        self.file = file
        self.head = bytearray()
        self.format: Format | None = None
        self.size = 0
        self.digest = hashlib.sha256()
        self.files = 0
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self.header_field = bytearray()
        self.header_value = bytearray()

    def callbacks(self) -> "MultipartCallbacks":
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self.header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_end(self) -> None:
        if bytes(self.header_field).lower() == b"content-disposition":
            _, params = parse_options_header(bytes(self.header_value))
            self.part.name = params.get(b"name", b"").decode("utf-8", "replace")
            # The client's file name says only that this part is a file; it is not kept.
            self.part.is_file = b"filename" in params
            if self.part.is_file and self.part.name != "file":
                raise InvalidInput("Send the file in the field 'file'.", code="no_file")
        self.header_field.clear()
        self.header_value.clear()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.part.name == "file":
            self._file_data(chunk)
        elif not self.part.is_file:
            self.part.value.extend(chunk)
            if len(self.part.value) > _MAX_FIELD_BYTES:
                raise InvalidInput(f"The form field {self.part.name!r} is too long.")

    def _file_data(self, chunk: bytes) -> None:
        if self.format is None and len(self.head) < SNIFF_BYTES:
            self.head.extend(chunk[: SNIFF_BYTES - len(self.head)])
            if len(self.head) >= SNIFF_BYTES:
                self._decide()
        self.size += len(chunk)
        if self.format is not None and self.size > self.limits[self.format.kind]:
            limit = self.limits[self.format.kind]
            raise TooLarge(
                f"An {self.format.kind.value} can be at most {limit} bytes.",
                code="attachment_too_large",
                extra={"max_bytes": limit},
            )
        self.digest.update(chunk)
        self.file.write(chunk)

    def _decide(self) -> None:
        self.format = sniff(bytes(self.head))
        if self.format is None:
            raise UnsupportedMediaType(
                "Attach a photo (JPEG, PNG, WebP, HEIC) or a voice recording "
                "(M4A/MP4, AAC, MP3, Ogg, WAV).",
                code="unsupported_media_type",
            )

    def _part_end(self) -> None:
        if self.part.name == "file":
            self.files += 1
            if self.format is None:
                self._decide()
        elif not self.part.is_file:
            self.fields[self.part.name] = self.part.value.decode("utf-8", "replace")


async def receive_upload(
    content_type: str | None,
    body: AsyncIterator[bytes],
    limits: dict[AttachmentKind, int],
    directory: Path,
) -> Upload:
    """The one file of a multipart/form-data body (field `file`, optional field `id`),
    written under `directory`. Raises 415, 413 or 422 as soon as the body shows it."""
    mime, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if mime != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaType(
            "Send the file as multipart/form-data in the field 'file'.",
            code="unsupported_media_type",
        )
    path, file = await to_thread.run_sync(_temporary_file, directory)
    with file:
        receiver = _Receiver(path, file, limits)
        try:
            parser = MultipartParser(boundary, receiver.callbacks())
            async for chunk in body:
                parser.write(chunk)
            parser.finalize()
        except MultipartParseError as exc:
            await to_thread.run_sync(path.unlink)
            raise InvalidInput(
                "The multipart/form-data body is malformed.", code="invalid_multipart"
            ) from exc
        except BaseException:
            await to_thread.run_sync(path.unlink)
            raise
    return _finish(receiver)


def _temporary_file(directory: Path) -> tuple[Path, BinaryIO]:
    directory.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=directory, prefix="upload-")
    return Path(name), os.fdopen(handle, "wb")


def _finish(receiver: _Receiver) -> Upload:
    if receiver.files != 1 or receiver.size == 0 or receiver.format is None:
        receiver.path.unlink(missing_ok=True)
        raise InvalidInput("Send exactly one non-empty file in the field 'file'.", code="no_file")
    raw_id = receiver.fields.get("id", "").strip()
    try:
        client_id = uuid.UUID(raw_id) if raw_id else None
    except ValueError as exc:
        receiver.path.unlink(missing_ok=True)
        raise InvalidInput("The field 'id' must be a UUID.", code="invalid_input") from exc
    return Upload(
        receiver.path, receiver.format, receiver.size, receiver.digest.hexdigest(), client_id
    )
