"""Attachments listed over GraphQL with the client's own operation, as each reader sees them."""

import httpx

from tests.attachments.files import jpeg_with_location, ogg_opus
from tests.gql.client import GraphQL, gid

API = "/api/v1"


async def test_insight_and_comment_attachments(gql: GraphQL, client: httpx.AsyncClient) -> None:
    anna = await gql.world.auth("anna")
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "complaint", "text": "Ovi jumittaa.", "visibility": "confidential"},
        headers=anna,
    )
    iid = posted.json()["id"]
    photo = await client.post(
        f"{API}/insights/{iid}/attachments",
        files={"file": ("ovi.jpg", jpeg_with_location(), "image/jpeg")},
        headers=anna,
    )
    comment = await client.post(
        f"{API}/insights/{iid}/comments", json={"body": "Ääniviesti."}, headers=anna
    )
    voice = await client.post(
        f"{API}/insights/{iid}/comments/{comment.json()['id']}/attachments",
        files={"file": ("viesti.ogg", ogg_opus(3), "audio/ogg")},
        headers=anna,
    )
    assert (photo.status_code, voice.status_code) == (201, 201)

    seen = (await gql.data("mia", "InsightAttachments", id=gid("Insight", iid)))["insight"]
    [image] = seen["attachments"]
    assert image["id"] == gid("Attachment", photo.json()["id"])
    assert (image["kind"], image["mediaType"]) == ("IMAGE", "image/jpeg")
    assert (image["width"], image["height"]) == (20, 40)
    assert image["uploadedBy"] is None and image["byReporter"] is True
    assert image["thumbnailUrl"] == photo.json()["thumbnail_url"]
    [thread] = seen["comments"]
    [recording] = thread["attachments"]
    assert (recording["kind"], recording["mediaType"]) == ("AUDIO", "audio/ogg")
    assert recording["durationSeconds"] == 3
    assert recording["uploadedBy"] is None

    own = (await gql.data("anna", "InsightAttachments", id=gid("Insight", iid)))["insight"]
    assert own["attachments"][0]["uploadedBy"]["displayName"] == "Anna"
    assert own["attachments"][0]["isMine"] is True

    hidden = await gql.run("max", "InsightAttachments", id=gid("Insight", iid))
    assert hidden["data"]["insight"] is None
