"""Real files made in the tests: photos with location metadata, recordings of set lengths."""

import io
import struct
import wave
import zlib

from mutagen.ogg import OggPage
from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_with_location(width: int = 40, height: int = 20, *, orientation: int = 6) -> bytes:
    """A JPEG whose left half is red and right half blue, with EXIF holding a GPS position,
    the camera make and an orientation (6: shown turned 90° clockwise), and a comment."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "HomeCam"
    exif[GPS_IFD] = {1: "N", 2: (60.0, 10.0, 30.0), 3: "E", 4: (24.0, 56.0, 15.0)}
    out = io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">HomeXmp</x:xmpmeta>'
    image.save(out, "JPEG", exif=exif, comment=b"taken at home", xmp=xmp, quality=95)
    return out.getvalue()


def png(width: int = 30, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 128, 0, 200)).save(out, "PNG")
    return out.getvalue()


def wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(1)
        recording.setframerate(rate)
        recording.writeframes(b"\x80" * int(seconds * rate))
    return out.getvalue()


def ogg_opus(seconds: float) -> bytes:
    """An Ogg Opus stream: identification and comment headers, then one page of (silent)
    packets whose granule position gives the length at 48 kHz after the pre-skip."""
    pre_skip = 312
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48000, 0, 0)
    vendor = b"insight-tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    pages = []
    for sequence, (packets, position) in enumerate(
        [([head], 0), ([tags], 0), ([b"\xf8\xff\xfe"] * 3, pre_skip + int(seconds * 48000))]
    ):
        page = OggPage()
        page.serial = 7
        page.sequence = sequence
        page.position = position
        page.packets = packets
        page.first = sequence == 0
        page.last = sequence == 2
        pages.append(page.write())
    return b"".join(pages)


def mp3(frames: int) -> bytes:
    """MPEG-1 Layer III frames at 128 kbit/s and 44.1 kHz (417 bytes, 1152 samples each)."""
    frame = b"\xff\xfb\x90\x00" + bytes(413)
    return frame * frames


def _atom(name: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I", 8 + len(payload)) + name + payload


def mp4(seconds: float, *, handlers: tuple[bytes, ...] = (b"soun",)) -> bytes:
    """An MP4 container (brand M4A) with one track per handler ("soun" for sound, "vide" for
    video), each as long as `seconds` at a 1000 Hz timescale; no samples are needed to
    measure it."""
    units = int(seconds * 1000)
    mvhd = _atom(b"mvhd", struct.pack(">I4I", 0, 0, 0, 1000, units), bytes(80))
    tracks = [
        _atom(
            b"trak",
            _atom(
                b"mdia",
                _atom(b"mdhd", struct.pack(">I4I2H", 0, 0, 0, 1000, units, 0, 0)),
                _atom(b"hdlr", struct.pack(">II", 0, 0), handler, bytes(12), b"\x00"),
            ),
        )
        for handler in handlers
    ]
    return _atom(b"ftyp", b"M4A ", struct.pack(">I", 0), b"M4A isom") + _atom(
        b"moov", mvhd, *tracks
    )


def heic_with_location() -> bytes:
    """A HEIC photo, as iPhones take them, with a GPS position in its EXIF."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    image = Image.new("RGB", (64, 32), (255, 0, 0))
    exif = Image.Exif()
    exif[MAKE] = "HomeCam"
    exif[GPS_IFD] = {1: "N", 2: (60.0, 10.0, 30.0), 3: "E", 4: (24.0, 56.0, 15.0)}
    out = io.BytesIO()
    image.save(out, "HEIF", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def flat_png(width: int, height: int) -> bytes:
    """A one-colour RGB PNG of any size, made row by row: a 60-megapixel one is a few
    hundred kilobytes, and making it never holds the picture in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    compressor = zlib.compressobj(9)
    row = bytes(1 + width * 3)  # filter byte, then black pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
