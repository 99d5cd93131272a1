"""The S3 store against a real S3-compatible server (moto's), started for these tests."""

import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest
from moto.server import ThreadedMotoServer

from app.attachments.storage import S3Store, store_from_settings
from app.platform.settings import Settings
from app.web.runtime import Runtime
from tests.attachments.files import jpeg_with_location, wav
from tests.factories import World

API = "/api/v1"
BUCKET = "insight-attachments"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_runtime(
    runtime: Runtime, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    """The runtime with its attachments in a fresh bucket; credentials from the environment,
    as in production."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "insight-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "insight-test-secret")
    settings = Settings(
        database_url=runtime.settings.database_url,
        data_dir=runtime.settings.data_dir,
        s3_bucket=f"{BUCKET}-{uuid.uuid4().hex[:8]}",
        s3_endpoint_url=s3_endpoint,
        s3_region="eu-north-1",
    )
    store = store_from_settings(settings)
    assert isinstance(store, S3Store)
    store.client.create_bucket(
        Bucket=store.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"}
    )
    original = runtime.attachments
    runtime.attachments = store
    yield runtime
    runtime.attachments = original


async def test_round_trip_through_the_bucket(
    client: httpx.AsyncClient, world: World, s3_runtime: Runtime
) -> None:
    anna = await world.auth("anna")
    insight = await client.post(
        f"{API}/insights", json={"kind": "idea", "text": "Kuva kassalta."}, headers=anna
    )
    iid = insight.json()["id"]
    photo = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"file": ("my-home-address.jpg", jpeg_with_location(), "image/jpeg")},
        headers=anna,
    )
    assert photo.status_code == 201, photo.text
    voice = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"file": ("voice.wav", wav(1), "audio/wav")},
        headers=anna,
    )
    assert voice.status_code == 201, voice.text

    store = s3_runtime.attachments
    assert isinstance(store, S3Store)
    listed = store.client.list_objects_v2(Bucket=store.bucket)
    keys = sorted(item["Key"] for item in listed["Contents"])
    assert len(keys) == 3  # photo, its thumbnail, the recording
    assert all(key.startswith(f"{world.kauppa.id}/") for key in keys)
    assert not any("home" in key or "voice" in key for key in keys)

    mia = await world.auth("mia")
    content = await client.get(photo.json()["content_url"], headers=mia)
    assert content.status_code == 200
    assert len(content.content) == photo.json()["size"]
    assert b"Exif" not in content.content
    thumbnail = await client.get(photo.json()["thumbnail_url"], headers=mia)
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")
    recording = await client.get(voice.json()["content_url"], headers=mia)
    assert recording.content == wav(1)

    deleted = await client.delete(f"{API}/attachments/{voice.json()['id']}", headers=anna)
    assert deleted.status_code == 204
    remaining = store.client.list_objects_v2(Bucket=store.bucket)["Contents"]
    assert len(remaining) == 2
