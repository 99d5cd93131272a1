"""Posting an insight is the hottest write: a fixed, small number of statements."""

import uuid

from tests.factories import Live
from tests.statements import counting

BODY = {"kind": "observation", "text": "Kassajono venyy iltaisin pitkäksi, asiakkaat valittavat."}


async def _post(live: Live, headers: dict[str, str]) -> list[str]:
    world, _, client = live
    auth = await world.auth("anna")
    # A first post warms the caller's and the connections' caches, as a running process has.
    warm = await client.post("/api/v1/insights?similar=false", json=BODY, headers=auth)
    assert warm.status_code == 201, warm.text
    with counting() as sent:
        response = await client.post(
            "/api/v1/insights?similar=false", json=BODY, headers={**auth, **headers}
        )
    assert response.status_code == 201, response.text
    return sent


async def test_a_post_takes_at_most_five_statements(live: Live) -> None:
    sent = await _post(live, {})
    print(len(sent), *sent, sep="\n")
    assert len(sent) <= 5, "\n".join(sent)


async def test_a_post_with_an_idempotency_key_takes_at_most_five_statements(live: Live) -> None:
    sent = await _post(live, {"Idempotency-Key": str(uuid.uuid4())})
    print(len(sent), *sent, sep="\n")
    assert len(sent) <= 5, "\n".join(sent)
