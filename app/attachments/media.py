"""What an uploaded file really is, decided from its bytes, and what is kept of it.

Images are decoded and written anew, upright and without any metadata (EXIF with its GPS
position, XMP, comments): a photo taken at home must not tell where home is. Audio is kept
as uploaded once its container parses and its length is within bounds."""

from dataclasses import dataclass
from pathlib import Path

import mutagen
import pillow_heif
from mutagen.aac import AAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, Atoms  # type: ignore[attr-defined]
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from PIL import ExifTags, Image, JpegImagePlugin

from app.insights.models import AttachmentKind
from app.platform.errors import InvalidInput, UnsupportedMediaType

pillow_heif.register_heif_opener()

# Bytes needed to recognise every accepted format.
SNIFF_BYTES = 32

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Recorders write M4A, plain MP4 and (older Android) 3GP brands; what the tracks hold is
# checked once the file is in (see `_sound_only`).
_MP4_AUDIO_BRANDS = {
    b"M4A ",
    b"M4B ",
    b"mp42",
    b"mp41",
    b"isom",
    b"iso2",
    b"3gp4",
    b"3gp5",
    b"3gp6",
}


@dataclass(frozen=True, slots=True)
class Format:
    kind: AttachmentKind
    media_type: str
    # The Pillow format name of an image, the mutagen reader of an audio container.
    decoder: str


JPEG = Format(AttachmentKind.IMAGE, "image/jpeg", "JPEG")
PNG = Format(AttachmentKind.IMAGE, "image/png", "PNG")
WEBP = Format(AttachmentKind.IMAGE, "image/webp", "WEBP")
HEIF = Format(AttachmentKind.IMAGE, "image/heic", "HEIF")
WAV = Format(AttachmentKind.AUDIO, "audio/wav", "wav")
MPEG = Format(AttachmentKind.AUDIO, "audio/mpeg", "mp3")
AAC_ADTS = Format(AttachmentKind.AUDIO, "audio/aac", "aac")
MP4_AUDIO = Format(AttachmentKind.AUDIO, "audio/mp4", "mp4")
OGG = Format(AttachmentKind.AUDIO, "audio/ogg", "ogg")


def sniff(head: bytes) -> Format | None:
    """The format the first bytes announce; None for anything not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return HEIF
        if brand in _MP4_AUDIO_BRANDS:
            return MP4_AUDIO
        return None
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3"):
        return MPEG
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 0x03
        if layer == 0 and head[1] & 0xF0 == 0xF0:
            return AAC_ADTS
        if layer != 0:
            return MPEG
    return None


class Unreadable(InvalidInput):
    code = "unreadable_attachment"
    title = "The file cannot be read"


class AudioTooLong(InvalidInput):
    code = "audio_too_long"
    title = "The recording is too long"


class ImageTooLarge(InvalidInput):
    code = "image_too_large"
    title = "The image has too many pixels"


@dataclass(frozen=True, slots=True)
class ImageLimits:
    # Images with more pixels are refused unread.
    max_pixels: int
    # At most this many pixels are ever decoded: a JPEG over it is decoded at a half, a
    # quarter or an eighth of its size; other formats over it are refused.
    max_decoded_pixels: int
    max_dimension: int
    thumbnail_size: int


@dataclass(frozen=True, slots=True)
class Prepared:
    """What is stored: the content (and a thumbnail for images) with what was measured."""

    media_type: str
    content: Path
    thumbnail: Path | None = None
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


_SAVE_AS = {
    "JPEG": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
}


def prepare_image(source: Path, fmt: Format, limits: ImageLimits, workdir: Path) -> Prepared:
    """Decode, cap the size, turn upright and re-encode without metadata; make a thumbnail.

    Memory is bounded by the pixels decoded (at most `max_decoded_pixels`; a large JPEG is
    decoded at a fraction of its size), the half-resized copy Pillow makes while shrinking
    and the stored picture: it is shrunk first and turned upright only then. Blocking CPU
    work: call it in a worker thread."""
    box = (limits.max_dimension, limits.max_dimension)
    try:
        with Image.open(source, formats=[fmt.decoder]) as opened:
            _decode_within(opened, limits)
            orientation = opened.getexif().get(ExifTags.Base.Orientation, 1)
            opened.load()
            # In place: the decoded pixels give way to the smaller copy.
            opened.thumbnail(box)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Unreadable("The image cannot be decoded.") from exc
    image = _upright(opened, orientation)
    # HEIC is re-encoded as JPEG, which every client shows.
    save_format, media_type = _SAVE_AS.get(fmt.decoder, ("JPEG", "image/jpeg"))
    image = _clean(image, save_format)
    width, height = image.size
    content = workdir / "content"
    image.save(content, save_format, **_quality(save_format))
    # The stored picture is not needed any more: the thumbnail is made from it in place.
    if image.mode in ("1", "P"):  # resized by nearest neighbour unless converted first
        image = _clean(image, "JPEG")
    image.thumbnail((limits.thumbnail_size, limits.thumbnail_size))
    thumbnail = workdir / "thumbnail"
    _clean(image, "JPEG").save(thumbnail, "JPEG", quality=80)
    return Prepared(media_type, content, thumbnail, width, height)


def _decode_within(image: Image.Image, limits: ImageLimits) -> None:
    """Refuses an image over the pixel limits before a pixel is decoded; asks a large JPEG
    to decode at a fraction of its size instead."""
    width, height = image.size
    if width * height > limits.max_pixels:
        raise _too_large(limits.max_pixels)
    # Shrinking a picture with transparency copies it premultiplied first: it weighs double.
    allowed = limits.max_decoded_pixels // (2 if image.mode in ("RGBA", "LA") else 1)
    # (An MPO, the JPEG some cameras write with a second picture, decodes the same way.)
    if width * height > allowed and isinstance(image, JpegImagePlugin.JpegImageFile):
        scale = next((s for s in (2, 4, 8) if -(-width // s) * -(-height // s) <= allowed), 8)
        image.draft(None, (width // scale, height // scale))
        width, height = image.size
    if width * height > allowed:
        raise _too_large(allowed)


def _too_large(max_pixels: int) -> ImageTooLarge:
    return ImageTooLarge(
        f"Images can have at most {max_pixels} pixels.", extra={"max_pixels": max_pixels}
    )


def _upright(image: Image.Image, orientation: object) -> Image.Image:
    """The picture as the camera was held (the EXIF orientation, applied and dropped)."""
    method = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(method) if method is not None else image


_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _clean(image: Image.Image, save_format: str) -> Image.Image:
    """The pixels only: no EXIF, XMP, ICC or text chunks travel on to the saved file."""
    if save_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    image.info = {}
    return image


def _quality(save_format: str) -> dict[str, int | bool]:
    if save_format == "PNG":
        return {"optimize": True}
    return {"quality": 85}


_AUDIO_READERS: dict[str, tuple[type[mutagen.FileType], ...]] = {
    "wav": (WAVE,),
    "mp3": (MP3,),
    "aac": (AAC,),
    "mp4": (MP4,),
    "ogg": (OggOpus, OggVorbis),
}


def _length(reader: type[mutagen.FileType], source: Path) -> float | None:
    try:
        info = reader(source).info
    except Exception:  # a parser fed hostile bytes fails in many ways; all mean unreadable
        return None
    return float(info.length) if info is not None else None


def _sound_only(source: Path) -> bool:
    """An MP4 container holds a recording when it has tracks and all of them are sound: the
    same container also carries videos, which are not accepted."""
    try:
        with source.open("rb") as file:
            atoms = Atoms(file)
            handlers = []
            for trak in atoms[b"moov"].findall(b"trak"):
                ok, data = trak[b"mdia", b"hdlr"].read(file)
                handlers.append(data[8:12] if ok else b"")
    except Exception:  # hostile bytes: the length check below calls them unreadable
        return True
    return bool(handlers) and all(h == b"soun" for h in handlers)


def check_audio(source: Path, fmt: Format, max_seconds: float) -> Prepared:
    """The recording as uploaded, once its container parses and it is short enough.

    Blocking file reads: call it in a worker thread."""
    if fmt.decoder == "mp4" and not _sound_only(source):
        raise UnsupportedMediaType(
            "Only recordings can be attached, not videos.", code="unsupported_media_type"
        )
    duration = next(
        (d for r in _AUDIO_READERS[fmt.decoder] if (d := _length(r, source)) is not None), None
    )
    if duration is None or duration <= 0:
        raise Unreadable("The recording cannot be read.")
    if duration > max_seconds:
        raise AudioTooLong(
            f"Recordings can be at most {max_seconds:g} seconds long.",
            extra={"max_seconds": max_seconds, "duration_seconds": round(duration, 1)},
        )
    return Prepared(fmt.media_type, source, duration_seconds=round(duration, 3))
