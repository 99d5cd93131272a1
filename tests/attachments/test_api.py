"""Photos and recordings over REST: what is kept of them, who reaches them, and how."""

import io
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from app.web.runtime import Runtime
from tests.attachments.files import (
    GPS_IFD,
    heic_with_location,
    jpeg_with_location,
    mp3,
    mp4,
    ogg_opus,
    png,
    wav,
)
from tests.factories import World

API = "/api/v1"
# A real program, to be passed off as a photo.
PROGRAM = Path("/bin/true").read_bytes()


async def _insight(client: httpx.AsyncClient, world: World, who: str = "anna", **extra: Any) -> str:
    body = {"kind": "observation", "text": "Hylly on rikki käytävällä 3.", **extra}
    response = await client.post(f"{API}/insights", json=body, headers=await world.auth(who))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _upload(
    client: httpx.AsyncClient,
    world: World,
    who: str,
    path: str,
    content: bytes,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    client_id: uuid.UUID | None = None,
) -> httpx.Response:
    data = {"id": str(client_id)} if client_id else None
    return await client.post(
        f"{API}{path}",
        files={"file": (filename, content, content_type)},
        data=data,
        headers=await world.auth(who),
    )


async def test_photo_loses_its_metadata_and_is_turned_upright(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = await _insight(client, world)
    original = jpeg_with_location()
    for trace in (b"HomeCam", b"taken at home", b"HomeXmp"):
        assert trace in original

    response = await _upload(client, world, "anna", f"/insights/{iid}/attachments", original)
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["kind"] == "image" and out["media_type"] == "image/jpeg"
    # Orientation 6 turns the 40×20 picture to stand 20 wide and 40 high.
    assert (out["width"], out["height"]) == (20, 40)

    mia = await world.auth("mia")
    content = await client.get(out["content_url"], headers=mia)
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/jpeg"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert int(content.headers["content-length"]) == out["size"] == len(content.content)
    disposition = content.headers["content-disposition"]
    assert f"image-{out['id']}.jpg" in disposition and "photo" not in disposition
    thumbnail = await client.get(out["thumbnail_url"], headers=mia)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"

    for data in (content.content, thumbnail.content):
        for trace in (b"Exif", b"HomeCam", b"taken at home", b"HomeXmp"):
            assert trace not in data
        with Image.open(io.BytesIO(data)) as image:
            assert not image.getexif()
            assert not image.getexif().get_ifd(GPS_IFD)
            assert "comment" not in image.info
            width, height = image.size
            # Upright: the red half is now on top.
            red, _, blue = image.convert("RGB").getpixel((width // 2, height // 4))
            assert red > 200 and blue < 60
    assert (width, height) == (20, 40)

    detail = (await client.get(f"{API}/insights/{iid}", headers=mia)).json()
    assert [a["id"] for a in detail["attachments"]] == [out["id"]]
    assert detail["attachments"][0]["uploaded_by"]["id"] == str(world.people["anna"].id)


async def test_heic_is_kept_as_jpeg_without_metadata(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = await _insight(client, world)
    original = heic_with_location()
    assert b"HomeCam" in original
    response = await _upload(client, world, "anna", f"/insights/{iid}/attachments", original)
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["media_type"], out["width"], out["height"]) == ("image/jpeg", 64, 32)
    content = await client.get(out["content_url"], headers=await world.auth("anna"))
    assert b"HomeCam" not in content.content and b"Exif" not in content.content
    assert out["content_url"].endswith("/content")
    assert ".jpg" in content.headers["content-disposition"]


async def test_too_many_pixels_are_not_decoded(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = await _insight(client, world)
    runtime.settings.attachment_image_max_pixels = 500  # the photo has 800
    response = await _upload(
        client, world, "anna", f"/insights/{iid}/attachments", jpeg_with_location()
    )
    assert (response.status_code, response.json()["code"]) == (422, "image_too_large")
    assert response.json()["max_pixels"] == 500


async def test_etag_answers_304(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    out = (await _upload(client, world, "anna", f"/insights/{iid}/attachments", png())).json()
    anna = await world.auth("anna")
    first = await client.get(out["content_url"], headers=anna)
    assert first.headers["etag"] == f'"{out["sha256"]}"'
    again = await client.get(
        out["content_url"], headers={**anna, "If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    changed = await client.get(out["content_url"], headers={**anna, "If-None-Match": '"other"'})
    assert changed.status_code == 200
    assert out["media_type"] == "image/png"


async def test_program_named_photo_is_refused(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    for payload in (PROGRAM, b"\x7fELF\x02\x01\x01" + bytes(200), b"MZ\x90\x00" + bytes(200)):
        response = await _upload(client, world, "anna", f"/insights/{iid}/attachments", payload)
        assert response.status_code == 415, response.text
        assert response.json()["code"] == "unsupported_media_type"
    detail = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("anna"))).json()
    assert detail["attachments"] == []


async def test_upload_must_be_multipart(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    response = await client.post(
        f"{API}/insights/{iid}/attachments",
        content=jpeg_with_location(),
        headers={**await world.auth("anna"), "Content-Type": "image/jpeg"},
    )
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_media_type")


async def test_file_goes_in_the_file_field(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    response = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"photo": ("a.png", png(), "image/png")},
        headers=await world.auth("anna"),
    )
    assert (response.status_code, response.json()["code"]) == (422, "no_file")
    bad_id = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"file": ("a.png", png(), "image/png")},
        data={"id": "not-a-uuid"},
        headers=await world.auth("anna"),
    )
    assert (bad_id.status_code, bad_id.json()["code"]) == (422, "invalid_input")


async def test_oversized_photo_is_refused_while_it_arrives(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = await _insight(client, world)
    runtime.settings.attachment_image_max_bytes = 50_000
    big = jpeg_with_location() + bytes(60_000)
    response = await _upload(client, world, "anna", f"/insights/{iid}/attachments", big)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "attachment_too_large"
    assert response.json()["max_bytes"] == 50_000
    # Nothing of it is left behind.
    assert list((runtime.settings.data_dir / "uploads").iterdir()) == []


async def test_corrupt_photo_is_unreadable(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    broken = jpeg_with_location()[:40] + b"\x00" * 100
    response = await _upload(client, world, "anna", f"/insights/{iid}/attachments", broken)
    assert (response.status_code, response.json()["code"]) == (422, "unreadable_attachment")


async def test_retry_with_same_id_returns_the_stored_attachment(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = await _insight(client, world)
    path = f"/insights/{iid}/attachments"
    client_id = uuid.uuid4()
    photo = jpeg_with_location()
    first = await _upload(client, world, "anna", path, photo, client_id=client_id)
    assert first.status_code == 201, first.text
    assert first.json()["id"] == str(client_id)
    retry = await _upload(client, world, "anna", path, photo, client_id=client_id)
    assert retry.status_code == 200
    assert retry.json() == first.json()
    other = await _upload(client, world, "anna", path, png(), client_id=client_id)
    assert (other.status_code, other.json()["code"]) == (409, "attachment_id_conflict")
    detail = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("anna"))).json()
    assert len(detail["attachments"]) == 1


async def test_recordings_are_measured(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = await _insight(client, world)
    path = f"/insights/{iid}/attachments"
    recorded = await _upload(
        client, world, "anna", path, wav(1.5), filename="a.jpg", content_type="image/jpeg"
    )
    assert recorded.status_code == 201, recorded.text
    out = recorded.json()
    assert (out["kind"], out["media_type"]) == ("audio", "audio/wav")
    assert out["duration_seconds"] == pytest.approx(1.5)
    assert out["thumbnail_url"] is None and out["width"] is None

    opus = await _upload(client, world, "anna", path, ogg_opus(2.5), filename="voice.bin")
    assert opus.status_code == 201, opus.text
    assert opus.json()["media_type"] == "audio/ogg"
    assert opus.json()["duration_seconds"] == pytest.approx(2.5)

    stored = await client.get(opus.json()["content_url"], headers=await world.auth("mia"))
    assert stored.content == ogg_opus(2.5)
    assert stored.headers["content-type"] == "audio/ogg"
    no_thumbnail = await client.get(
        f"{API}/attachments/{out['id']}/thumbnail", headers=await world.auth("mia")
    )
    assert no_thumbnail.status_code == 404

    for recording, media_type, seconds in (
        (mp3(100), "audio/mpeg", 100 * 1152 / 44100),
        (mp4(4.2), "audio/mp4", 4.2),
    ):
        sent = await _upload(client, world, "anna", path, recording, filename="x.jpg")
        assert sent.status_code == 201, sent.text
        assert sent.json()["media_type"] == media_type
        assert sent.json()["duration_seconds"] == pytest.approx(seconds, abs=0.01)
    video = await _upload(client, world, "anna", path, mp4(3, handlers=(b"vide", b"soun")))
    assert (video.status_code, video.json()["code"]) == (415, "unsupported_media_type")

    runtime.settings.attachment_audio_max_seconds = 2
    long = await _upload(client, world, "anna", path, wav(3))
    assert (long.status_code, long.json()["code"]) == (422, "audio_too_long")
    broken = await _upload(client, world, "anna", path, b"OggS" + bytes(100))
    assert (broken.status_code, broken.json()["code"]) == (422, "unreadable_attachment")


async def test_who_may_attach(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    path = f"/insights/{iid}/attachments"
    # The store manager may; a colleague who only reads the insight may not.
    assert (await _upload(client, world, "mia", path, png())).status_code == 201
    colleague = await _upload(client, world, "aku", path, png())
    assert (colleague.status_code, colleague.json()["code"]) == (403, "not_in_thread")


async def test_comment_attachments_are_the_authors(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world)
    comment = await client.post(
        f"{API}/insights/{iid}/comments",
        json={"body": "Kuva hyllystä."},
        headers=await world.auth("anna"),
    )
    cid = comment.json()["id"]
    path = f"/insights/{iid}/comments/{cid}/attachments"
    mine = await _upload(client, world, "anna", path, png())
    assert mine.status_code == 201, mine.text
    assert mine.json()["comment_id"] == cid
    manager = await _upload(client, world, "mia", path, png())
    assert (manager.status_code, manager.json()["code"]) == (403, "not_comment_author")
    elsewhere = await _insight(client, world)
    wrong = await _upload(
        client, world, "anna", f"/insights/{elsewhere}/comments/{cid}/attachments", png()
    )
    assert wrong.status_code == 404

    thread = (
        await client.get(f"{API}/insights/{iid}/comments", headers=await world.auth("mia"))
    ).json()
    assert [a["id"] for a in thread[0]["attachments"]] == [mine.json()["id"]]
    detail = (await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))).json()
    assert detail["attachments"] == []
    # A colleague reads the insight but not the thread, nor its attachments.
    colleague = await client.get(mine.json()["content_url"], headers=await world.auth("aku"))
    assert colleague.status_code == 404


async def test_confidential_reporter_stays_unnamed(client: httpx.AsyncClient, world: World) -> None:
    iid = await _insight(client, world, visibility="confidential")
    out = await _upload(client, world, "anna", f"/insights/{iid}/attachments", png())
    assert out.json()["uploaded_by"]["id"] == str(world.people["anna"].id)
    seen = await client.get(
        f"{API}/attachments/{out.json()['id']}", headers=await world.auth("mia")
    )
    assert seen.status_code == 200
    assert seen.json()["uploaded_by"] is None and seen.json()["by_reporter"] is True
    assert str(world.people["anna"].id) not in seen.text
    detail = await client.get(f"{API}/insights/{iid}", headers=await world.auth("mia"))
    assert detail.json()["attachments"][0]["uploaded_by"] is None


async def test_other_stores_and_organisations_find_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    iid = await _insight(client, world)
    out = (
        await _upload(client, world, "anna", f"/insights/{iid}/attachments", jpeg_with_location())
    ).json()
    for who in ("max", "ben", "oona", "pekka"):
        headers = await world.auth(who)
        for url in (f"{API}/attachments/{out['id']}", out["content_url"], out["thumbnail_url"]):
            response = await client.get(url, headers=headers)
            assert (response.status_code, response.json()["code"]) == (404, "not_found"), who
        upload = await _upload(client, world, who, f"/insights/{iid}/attachments", png())
        assert (upload.status_code, upload.json()["code"]) == (404, "not_found"), who


async def test_uploader_deletes_while_open(
    client: httpx.AsyncClient, world: World, runtime: Runtime
) -> None:
    iid = await _insight(client, world)
    first = (await _upload(client, world, "anna", f"/insights/{iid}/attachments", png())).json()
    second = (await _upload(client, world, "anna", f"/insights/{iid}/attachments", png())).json()
    mia, anna = await world.auth("mia"), await world.auth("anna")
    refused = await client.delete(f"{API}/attachments/{first['id']}", headers=mia)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_uploader")
    assert (
        await client.delete(f"{API}/attachments/{first['id']}", headers=anna)
    ).status_code == 204
    assert (await client.get(first["content_url"], headers=anna)).status_code == 404
    stored = [p for p in (runtime.settings.data_dir / "attachments").rglob("*") if p.is_file()]
    assert len(stored) == 2  # the second photo and its thumbnail
    assert not any(first["id"] in str(path) for path in stored)

    resolved = await client.post(
        f"{API}/insights/{iid}/resolve", json={"resolution": "Korjattu."}, headers=mia
    )
    assert resolved.status_code == 200, resolved.text
    closed = await client.delete(f"{API}/attachments/{second['id']}", headers=anna)
    assert (closed.status_code, closed.json()["code"]) == (409, "insight_closed")


async def test_a_malformed_multipart_body_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    anna = await world.auth("anna")
    made = await client.post(
        f"{API}/insights", json={"kind": "idea", "text": "Kuvia tulossa."}, headers=anna
    )
    boundary = "7c5156fb04a2177cf9e322ad31ebde44"
    response = await client.post(
        f"{API}/insights/{made.json()['id']}/attachments",
        content=f"--{boundary}\r\nNone--{boundary}--\r\n".encode(),
        headers={**anna, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_multipart")
