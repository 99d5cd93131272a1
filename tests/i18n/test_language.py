"""Finnish and English: negotiation, every error code translated, notifications and taxonomy."""

import re
from pathlib import Path

import httpx
import pytest

from app.platform.i18n import PROBLEMS, Locale, from_accept_language
from tests.factories import World
from tests.gql.client import operation

API = "/api/v1"
APP = Path(__file__).resolve().parents[2] / "app"
# Every way the code names an error code: raise sites, class defaults, handler maps.
CODE_PATTERNS = (
    re.compile(r'\bcode\s*=\s*"([a-z_]+)"'),
    re.compile(r'"code":\s*"([a-z_]+)"'),
    re.compile(r'\d{3}:\s*"([a-z_]+)"'),
    re.compile(r'problem_text\(\s*"([a-z_]+)"'),
)


def _codes_in_source() -> set[str]:
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in CODE_PATTERNS:
            found.update(pattern.findall(text))
    return found


def test_every_error_code_has_finnish_and_english_texts() -> None:
    codes = _codes_in_source()
    # The scan must find the codes we know are there, or it proves nothing.
    assert {"not_found", "invalid_status_transition", "idempotency_key_reused"} <= codes
    missing = sorted(codes - PROBLEMS.keys())
    assert missing == [], f"add Finnish and English texts to app/platform/i18n.py for: {missing}"
    for code, (fi_title, fi_detail, en_title) in PROBLEMS.items():
        assert fi_title and fi_detail and en_title, code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("fi", Locale.FI),
        ("fi-FI,fi;q=0.9,en;q=0.8", Locale.FI),
        ("en-GB,en;q=0.9,fi;q=0.5", Locale.EN),
        ("sv-FI,sv;q=0.9", None),
        ("sv-FI, fi;q=0.5, en;q=0.7", Locale.EN),
        ("de, *;q=0.1", None),
        ("en;q=0, fi;q=0.2", Locale.FI),
        ("fi;q=oops, en", Locale.EN),
    ],
)
def test_accept_language(header: str | None, expected: Locale | None) -> None:
    assert from_accept_language(header) == expected


async def test_errors_come_in_the_callers_language(client: httpx.AsyncClient, world: World) -> None:
    missing = f"{API}/insights/00000000-0000-0000-0000-000000000000"
    finnish = await client.get(missing, headers=await world.auth("anna"))
    assert finnish.status_code == 404
    assert finnish.json()["title"] == "Ei löytynyt"
    assert finnish.headers["content-language"] == "fi"

    english = await client.get(missing, headers=await world.auth("ben"))
    assert english.json()["title"] == "Not found"
    assert english.headers["content-language"] == "en"

    # The request's Accept-Language wins over the person's own locale.
    asked = await client.get(missing, headers={**await world.auth("anna"), "Accept-Language": "en"})
    assert asked.json()["title"] == "Not found"


async def test_field_errors_are_translated(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{API}/insights", json={"kind": "observation"}, headers=await world.auth("anna")
    )
    problem = response.json()
    assert problem["detail"] == "Pyyntö ei vastaa skeemaa."
    assert problem["errors"][0]["message"] == "Kenttä puuttuu."
    assert problem["errors"][0]["type"] == "missing"


async def test_errors_before_anyone_is_known_follow_accept_language(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/inbox", headers={"Accept-Language": "fi-FI"})
    assert response.status_code == 401
    assert response.json()["title"] == "Tunnistautuminen vaaditaan"
    plain = await client.get(f"{API}/inbox")
    assert plain.json()["title"] == "Authentication required"


async def test_limits_speak_finnish_too(client: httpx.AsyncClient, world: World) -> None:
    body = {"kind": "observation", "text": "x" * (1024 * 1024 + 1)}
    response = await client.post(f"{API}/insights", json=body, headers={"Accept-Language": "fi"})
    assert response.status_code == 413
    assert response.json()["detail"] == "Pyynnön runko saa olla enintään 1048576 tavua."


async def test_notifications_and_taxonomy_in_the_readers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": "Kassajono on pitkä aamuisin."},
        headers=await world.auth("anna"),
    )
    assert posted.status_code == 201
    insight_id = posted.json()["id"]
    ack = await client.post(
        f"{API}/insights/{insight_id}/acknowledge", headers=await world.auth("mia")
    )
    assert ack.status_code == 200, ack.text

    feed = await client.get(f"{API}/notifications", headers=await world.auth("anna"))
    assert feed.json()["items"][0]["title"] == "Havaintosi on otettu käsittelyyn"
    english = await client.get(
        f"{API}/notifications", headers={**await world.auth("anna"), "Accept-Language": "en"}
    )
    assert english.json()["items"][0]["title"] == "Your insight was acknowledged"

    fi = await client.get(f"{API}/taxonomy", headers=await world.auth("anna"))
    en = await client.get(f"{API}/taxonomy", headers=await world.auth("ben"))
    assert fi.status_code == en.status_code == 200
    assert fi.json() != en.json()


async def test_graphql_errors_and_notifications_in_the_readers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    bad = await client.post(
        "/graphql",
        json={
            "query": operation("PostInsight"),
            "variables": {"input": {"kind": "OBSERVATION", "text": ""}},
        },
        headers=await world.auth("anna"),
    )
    error = bad.json()["errors"][0]
    assert error["extensions"]["code"] == "validation_error"
    assert error["message"] == "Pyyntö ei vastaa skeemaa."
    english = await client.post(
        "/graphql",
        json={
            "query": operation("PostInsight"),
            "variables": {"input": {"kind": "OBSERVATION", "text": ""}},
        },
        headers=await world.auth("ben"),
    )
    assert english.json()["errors"][0]["message"] == "The input does not match the schema."


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Asiakas kysyi, milloin kassajonot lyhenevät aamuisin.", "fi"),
        ("Kunden frågade när köerna vid kassan blir kortare på morgonen.", "sv"),
        ("The customer asked when the morning queues at the till get shorter.", "en"),
        ("Ok.", None),
    ],
)
async def test_the_language_of_comments_is_detected(
    client: httpx.AsyncClient, world: World, body: str, language: str | None
) -> None:
    posted = await client.post(
        f"{API}/insights",
        json={"kind": "observation", "text": "Kassajono on pitkä aamuisin."},
        headers=await world.auth("anna"),
    )
    comment = await client.post(
        f"{API}/insights/{posted.json()['id']}/comments",
        json={"body": body},
        headers=await world.auth("anna"),
    )
    assert comment.status_code == 201, comment.text
    assert comment.json()["language"] == language
    thread = await client.get(
        f"{API}/insights/{posted.json()['id']}/comments", headers=await world.auth("mia")
    )
    assert thread.json()[0]["language"] == language
