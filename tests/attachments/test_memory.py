"""What one photo costs in memory: each decode is measured in a process of its own (Pillow
allocates outside Python's allocator, so only the process's peak resident size sees it)."""

import asyncio
import json
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from app.attachments import media
from app.attachments import service as attachments_service
from app.attachments.upload import Upload
from app.platform.settings import Settings
from tests.attachments.files import flat_png
from tests.factories import World

API = "/api/v1"
MB = 1024 * 1024
DEFAULTS = Settings()
# What the decoded pixels, the half-resized copy and the stored picture may hold at most
# (4 bytes a pixel), with room for the codecs' own buffers.
BOUND = (
    4
    * (
        2 * DEFAULTS.attachment_image_max_decoded_pixels
        + DEFAULTS.attachment_image_max_dimension**2
    )
    + 16 * MB
)

# Runs `media.prepare_image` with the default limits, as the upload does, and prints the
# outcome and how far the process's peak resident size rose during it.
_MEASURE = """
import json, resource, sys, tempfile
from pathlib import Path
from app.attachments import media
from app.platform.settings import Settings

settings = Settings()
limits = media.ImageLimits(
    max_pixels=settings.attachment_image_max_pixels,
    max_decoded_pixels=settings.attachment_image_max_decoded_pixels,
    max_dimension=settings.attachment_image_max_dimension,
    thumbnail_size=settings.attachment_thumbnail_size,
)
source = Path(sys.argv[1])
fmt = media.sniff(source.read_bytes()[: media.SNIFF_BYTES])
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
with tempfile.TemporaryDirectory() as workdir:
    try:
        prepared = media.prepare_image(source, fmt, limits, Path(workdir))
        outcome = [prepared.width, prepared.height]
    except media.ImageTooLarge as exc:
        outcome = exc.code
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale - before
print(json.dumps({"outcome": outcome, "peak": peak}))
"""


def _decode(path: Path) -> tuple[object, int]:
    done = subprocess.run(  # noqa: S603 (this interpreter, a file of the test's own)
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    return result["outcome"], result["peak"]


def test_a_small_png_of_many_pixels_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    # 60 megapixels in about 200 kB: decoded in full it took over 600 MB.
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(flat_png(7745, 7745))
    assert bomb.stat().st_size < 300 * 1024
    outcome, peak = _decode(bomb)
    assert outcome == "image_too_large"
    assert peak < 20 * MB


def test_the_largest_png_decoded_stays_within_the_bound(tmp_path: Path) -> None:
    side = int(DEFAULTS.attachment_image_max_decoded_pixels**0.5)
    largest = tmp_path / "largest.png"
    largest.write_bytes(flat_png(side, side))
    outcome, peak = _decode(largest)
    assert outcome == [DEFAULTS.attachment_image_max_dimension] * 2
    assert peak < BOUND, f"{peak / MB:.0f} MB"


def test_a_large_jpeg_is_decoded_at_a_fraction_of_its_size(tmp_path: Path) -> None:
    # 48 megapixels, as a phone's full-resolution mode takes them; made in a process of its
    # own so that this one stays small.
    photo = tmp_path / "photo.jpg"
    subprocess.run(  # noqa: S603 (this interpreter, a file of the test's own)
        [
            sys.executable,
            "-c",
            "import sys; from PIL import Image; "
            "Image.new('RGB', (8000, 6000), (200, 30, 30)).save(sys.argv[1], quality=90)",
            str(photo),
        ],
        check=True,
    )
    outcome, peak = _decode(photo)
    assert outcome == [4000, 3000]  # decoded at half size, within the stored size
    assert peak < 4 * 8000 * 6000 // 4 + BOUND // 4, f"{peak / MB:.0f} MB"


async def test_the_upload_of_a_png_bomb_answers_422(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"kind": "observation", "text": "Hylly on rikki käytävällä 3."}
    posted = await client.post(f"{API}/insights", json=body, headers=await world.auth("anna"))
    response = await client.post(
        f"{API}/insights/{posted.json()['id']}/attachments",
        files={"file": ("bomb.png", flat_png(7745, 7745), "image/png")},
        headers=await world.auth("anna"),
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "image_too_large"
    assert problem["max_pixels"] == DEFAULTS.attachment_image_max_decoded_pixels


async def test_photos_wait_their_turn_to_be_decoded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(attachment_image_decode_concurrency=2)
    lock = threading.Lock()
    running = most = 0

    def decode(*args: object) -> media.Prepared:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return media.Prepared("image/png", tmp_path)

    monkeypatch.setattr(media, "prepare_image", decode)
    upload = Upload(tmp_path / "photo", media.PNG, 1, "", uuid.uuid4())
    await asyncio.gather(
        *(attachments_service._prepare(upload, settings, tmp_path) for _ in range(6))
    )
    assert most == 2
