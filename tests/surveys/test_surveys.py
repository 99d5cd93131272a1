"""Pulse surveys end to end: defining one, its waves, answering once and anonymously, and
results that the floors hold back where a group is too small."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform import clock
from tests.factories import World
from tests.gql.client import GraphQL, codes, gid
from tests.surveys.support import (
    API,
    LIKERT_KEYS,
    answer_body,
    ok,
    put_answers,
    survey_body,
    survey_with_wave,
)


@pytest.fixture(autouse=True)
def thawed() -> Any:
    yield
    clock.freeze(None)


async def test_hr_defines_a_survey_that_readers_list(
    client: httpx.AsyncClient, world: World
) -> None:
    body = survey_body([world.units["south"].id])
    created = await ok(
        await client.post(f"{API}/surveys", json=body, headers=await world.auth("hanna")), 201
    )
    assert [i["key"] for i in created["items"]] == [*LIKERT_KEYS, "enps", "comment"]
    assert [i["position"] for i in created["items"]] == [0, 1, 2, 3, 4]
    assert created["items"][0]["factor"] == "wellbeing"
    assert created["target_units"] == [{"id": str(world.units["south"].id), "name": "South"}]

    for reader in ("mia", "hanna", "aaro"):
        listed = await ok(await client.get(f"{API}/surveys", headers=await world.auth(reader)))
        assert [s["id"] for s in listed] == [created["id"]]
    one = await ok(
        await client.get(f"{API}/surveys/{created['id']}", headers=await world.auth("mia"))
    )
    assert one == created

    anna = await world.auth("anna")
    refused = await client.post(f"{API}/surveys", json=body, headers=anna)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_survey_officer")
    assert (await client.get(f"{API}/surveys", headers=anna)).json()["code"] == "not_a_reader"
    # Another organisation's administrator finds nothing.
    pekka = await world.auth("pekka")
    assert (await client.get(f"{API}/surveys/{created['id']}", headers=pekka)).status_code == 404
    assert (await client.get(f"{API}/surveys", headers=pekka)).json() == []


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {**body, "items": [i for i in body["items"] if i["key"] != key]}


def _edited(body: dict[str, Any], item_key: str, **change: Any) -> dict[str, Any]:
    items = [{**i, **change} if i["key"] == item_key else i for i in body["items"]]
    return {**body, "items": items}


def _invalid_bodies(good: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    enps = next(i for i in good["items"] if i["kind"] == "enps")
    comment = next(i for i in good["items"] if i["kind"] == "comment")
    likert_only = {**good, "items": [i for i in good["items"] if i["kind"] == "likert"]}
    return [
        (_edited(good, "q_tools", key="q_workload"), "duplicate_item_key"),
        (_edited(good, "q_tools", factor=None), "factor_required"),
        (_edited(good, "enps", factor="wellbeing"), "factor_not_allowed"),
        (_without(good, "enps"), "one_enps_item"),
        ({**good, "items": [*good["items"], {**enps, "key": "enps2"}]}, "one_enps_item"),
        ({**good, "items": [*good["items"], {**comment, "key": "c2"}]}, "one_comment_item"),
        ({**likert_only, "items": [enps, comment]}, "likert_item_required"),
        ({**good, "target_unit_ids": [str(world_missing_unit)]}, "unknown_unit"),
    ]


world_missing_unit = "00000000-0000-4000-8000-000000000001"


async def test_a_survey_that_is_not_one_pulse_survey_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    good = survey_body([world.units["south"].id])
    for locale in ("en", "fi"):
        headers = {**await world.auth("hanna"), "Accept-Language": locale}
        for body, code in _invalid_bodies(good):
            refused = await client.post(f"{API}/surveys", json=body, headers=headers)
            assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text
            if locale == "fi":
                assert refused.json()["title"] == "Virheellinen syöte"
    # Another organisation's unit is as unknown as a missing one.
    other = await client.post(
        f"{API}/surveys",
        json=survey_body([world.units["p_branch"].id]),
        headers=await world.auth("hanna"),
    )
    assert other.json()["code"] == "unknown_unit"
    # Out of an HR grant's subtree: refused.
    rita_is_no_officer = await client.post(
        f"{API}/surveys", json=good, headers=await world.auth("rita")
    )
    assert rita_is_no_officer.json()["code"] == "not_survey_officer"
    # Scale values are the schema's to refuse.
    bad_value = await client.post(
        f"{API}/surveys", json={**good, "unknown": 1}, headers=await world.auth("hanna")
    )
    assert bad_value.status_code == 422


async def test_a_wave_counts_the_people_asked_and_opens_once(
    client: httpx.AsyncClient, world: World
) -> None:
    clock.freeze(datetime(2026, 11, 20, 9, tzinfo=UTC))
    hanna = await world.auth("hanna")
    survey = await ok(
        await client.post(
            f"{API}/surveys", json=survey_body([world.units["south"].id]), headers=hanna
        ),
        201,
    )
    wave = await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves", json={"label": "Marraskuu"}, headers=hanna
        ),
        201,
    )
    # Anna, Aku, Ben, Mia, Max and Rita are at home in the south.
    assert (wave["period"], wave["status"], wave["eligible"]) == ("2026-11", "open", 6)
    again = await client.post(
        f"{API}/surveys/{survey['id']}/waves", json={"label": "Toinen"}, headers=hanna
    )
    assert (again.status_code, again.json()["code"]) == (409, "wave_already_open")
    past = await client.post(
        f"{API}/surveys/{survey['id']}/waves",
        json={"label": "Menneet", "closes_at": "2026-11-19T09:00:00Z"},
        headers=hanna,
    )
    assert past.json()["code"] == "closes_in_past"
    bad_period = await client.post(
        f"{API}/surveys/{survey['id']}/waves",
        json={"label": "Virhe", "period": "2026-13"},
        headers=hanna,
    )
    assert bad_period.status_code == 422

    closed = await ok(await client.post(f"{API}/waves/{wave['id']}/close", headers=hanna))
    assert closed["status"] == "closed" and closed["closed_at"] is not None
    # Closing again changes nothing.
    assert (await client.post(f"{API}/waves/{wave['id']}/close", headers=hanna)).json() == closed
    answer = await client.post(
        f"{API}/waves/{wave['id']}/responses", json=answer_body(), headers=await world.auth("anna")
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "wave_closed")

    second = await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves",
            json={"label": "Joulukuu", "period": "2026-12"},
            headers=hanna,
        ),
        201,
    )
    listed = await ok(
        await client.get(f"{API}/surveys/{survey['id']}/waves", headers=await world.auth("mia"))
    )
    assert {w["id"] for w in listed} == {wave["id"], second["id"]}
    assert (
        await client.post(f"{API}/waves/{second['id']}/close", headers=await world.auth("mia"))
    ).json()["code"] == "not_survey_officer"


async def test_staff_answer_once_in_their_language(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    _, wave = await survey_with_wave(client, world, ["south"])
    anna, ben = await world.auth("anna"), await world.auth("ben")
    waiting = await ok(await client.get(f"{API}/waves/open", headers=anna))
    assert [w["id"] for w in waiting] == [wave["id"]]
    assert waiting[0]["questions"][0] == {
        "key": "q_workload",
        "kind": "likert",
        "factor": "wellbeing",
        "text": "Kysymys q_workload",
    }
    english = await ok(await client.get(f"{API}/waves/open", headers=ben))
    assert english[0]["questions"][3]["text"] == "Would you recommend your workplace?"

    path = f"{API}/waves/{wave['id']}/responses"
    incomplete = await client.post(
        path, json={"likert": {"q_workload": 4}, "enps": 8}, headers=anna
    )
    assert incomplete.json()["code"] == "likert_answers_incomplete"
    unknown = await client.post(
        path, json={"likert": {**answer_body()["likert"], "q_other": 3}, "enps": 8}, headers=anna
    )
    assert unknown.json()["code"] == "unknown_item"
    out_of_scale = await client.post(path, json=answer_body((6, 3, 3)), headers=anna)
    assert out_of_scale.status_code == 422

    comment = "Kassalla on liian vähän väkeä iltaisin ja jonot venyvät."
    receipt = await ok(
        await client.post(path, json=answer_body(comment=comment), headers=anna), 201
    )
    assert receipt == {"wave_id": wave["id"], "answered": True}
    twice = await client.post(path, json=answer_body(), headers=anna)
    assert (twice.status_code, twice.json()["code"]) == (409, "already_answered")
    assert await ok(await client.get(f"{API}/waves/open", headers=anna)) == []

    # Cecilia's store is in the north, which the survey does not ask.
    cecilia = await world.auth("cecilia")
    assert await ok(await client.get(f"{API}/waves/open", headers=cecilia)) == []
    refused = await client.post(path, json=answer_body(), headers=cecilia)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_surveyed")
    # Another organisation's staff find no such wave.
    assert (await client.post(path, json=answer_body(), headers=await world.auth("olli"))).json()[
        "code"
    ] == "not_found"

    stored = (
        (
            await session.execute(
                text("SELECT * FROM survey_responses WHERE wave_id = :w"), {"w": wave["id"]}
            )
        )
        .mappings()
        .all()
    )
    assert len(stored) == 1
    assert stored[0]["unit_id"] == world.units["team_a1"].id
    assert stored[0]["likert"] == [4, 3, 5] and stored[0]["enps"] == 9
    assert stored[0]["comment"] == comment and stored[0]["comment_language"] == "fi"


async def test_a_survey_without_a_comment_takes_none(
    client: httpx.AsyncClient, world: World
) -> None:
    _, wave = await survey_with_wave(client, world, ["south"], comment=False)
    refused = await client.post(
        f"{API}/waves/{wave['id']}/responses",
        json=answer_body(comment="Jotain sanottavaa."),
        headers=await world.auth("anna"),
    )
    assert refused.json()["code"] == "comment_not_asked"


async def test_a_wave_past_its_closing_time_takes_no_answers(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    clock.freeze(now)
    hanna = await world.auth("hanna")
    survey = await ok(
        await client.post(
            f"{API}/surveys", json=survey_body([world.units["south"].id]), headers=hanna
        ),
        201,
    )
    closes = (now + timedelta(hours=1)).isoformat()
    wave = await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves",
            json={"label": "Lyhyt", "closes_at": closes},
            headers=hanna,
        ),
        201,
    )
    clock.freeze(now + timedelta(hours=2))
    anna, hanna = await world.auth("anna"), await world.auth("hanna")
    assert await ok(await client.get(f"{API}/waves/open", headers=anna)) == []
    late = await client.post(
        f"{API}/waves/{wave['id']}/responses", json=answer_body(), headers=anna
    )
    assert (late.status_code, late.json()["code"]) == (409, "wave_closed")
    shown = await ok(await client.get(f"{API}/waves/{wave['id']}", headers=hanna))
    assert shown["status"] == "closed"
    # Its results may be read, and the first reading closes (and seals) it as of then.
    await ok(await client.get(f"{API}/waves/{wave['id']}/results", headers=hanna))
    stored = (
        await session.execute(
            text("SELECT status, closed_at FROM survey_waves WHERE id = :w"), {"w": wave["id"]}
        )
    ).one()
    assert (stored.status, stored.closed_at.isoformat()) == ("closed", closes)
    # Its survey may open the next wave.
    await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves", json={"label": "Seuraava"}, headers=hanna
        ),
        201,
    )


async def test_an_answer_cannot_be_tied_to_its_author(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    columns = {
        table: {
            r.column_name
            for r in await session.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = :t"),
                {"t": table},
            )
        }
        for table in ("survey_responses", "survey_participation")
    }
    assert columns["survey_responses"] == {
        "org_id",
        "id",
        "wave_id",
        "unit_id",
        "likert",
        "enps",
        "comment",
        "comment_language",
    }
    assert columns["survey_participation"] == {"org_id", "wave_id", "person_id"}
    # All the two share is the organisation and the wave: nothing to join one answer on.
    assert columns["survey_responses"] & columns["survey_participation"] == {"org_id", "wave_id"}

    _, wave = await survey_with_wave(client, world, ["south"])
    anna = await world.auth("anna")
    await ok(
        await client.post(
            f"{API}/waves/{wave['id']}/responses",
            json=answer_body(comment="Salainen ajatus."),
            headers={**anna, "Idempotency-Key": "vastaus-1"},
        ),
        201,
    )
    gql = GraphQL(client, world)
    answered = await gql.run(
        "aku",
        "AnswerSurvey",
        input={"waveId": gid("Wave", wave["id"]), "likert": [], "enps": 3},
    )
    assert codes(answered) == ["likert_answers_incomplete"]
    response_ids = [
        str(r)
        for r in (
            await session.execute(
                text("SELECT id FROM survey_responses WHERE wave_id = :w"), {"w": wave["id"]}
            )
        ).scalars()
    ]
    assert len(response_ids) == 1
    # The audit trail says that Anna answered the wave, and nothing that names the answer.
    trail = (
        await session.execute(
            text("SELECT operation, target::text AS target FROM audit_log WHERE actor_id = :p"),
            {"p": world.people["anna"].id},
        )
    ).all()
    answered_rows = [t for t in trail if "responses" in t.operation]
    assert answered_rows and all(wave["id"] in t.target for t in answered_rows)
    stored_anywhere = await session.scalar(
        text(
            "SELECT count(*) FROM audit_log a WHERE a.target::text LIKE :id OR a.operation LIKE :id"
        ),
        {"id": f"%{response_ids[0]}%"},
    )
    assert stored_anywhere == 0
    replay = await session.scalar(
        text(
            "SELECT count(*) FROM idempotency_keys "
            "WHERE convert_from(response_body, 'UTF8') LIKE :id"
        ),
        {"id": f"%{response_ids[0]}%"},
    )
    assert replay == 0

    # In the database, an answer would share its transaction id with the participation
    # record and audit entry written with it, and its place in the table would follow the
    # order of arrival: closing the wave writes its answers anew, in the order of their ids.
    for who in ("mia", "max"):
        await ok(
            await client.post(
                f"{API}/waves/{wave['id']}/responses",
                json=answer_body(),
                headers=await world.auth(who),
            ),
            201,
        )

    async def xmins(sql: str) -> set[str]:
        rows = await session.execute(text(sql), {"w": wave["id"]})
        return {str(x) for x in rows.scalars()}

    answers_sql = "SELECT xmin::text FROM survey_responses WHERE wave_id = :w"
    marks_sql = (
        "SELECT xmin::text FROM survey_participation WHERE wave_id = :w "
        "UNION SELECT xmin::text FROM audit_log"
    )
    marks = await xmins(marks_sql)
    assert await xmins(answers_sql) <= marks
    await ok(
        await client.post(f"{API}/waves/{wave['id']}/close", headers=await world.auth("hanna"))
    )
    # Only the closing (HR's audit entry says so) shares a transaction with them now.
    assert not await xmins(answers_sql) & marks
    in_place = (
        (
            await session.execute(
                text("SELECT id FROM survey_responses WHERE wave_id = :w ORDER BY ctid"),
                {"w": wave["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert len(in_place) == 3 and in_place == sorted(in_place)


async def _answers(
    session: AsyncSession, world: World, wave_id: str, counts: dict[str, int]
) -> list[dict[str, Any]]:
    """`counts[unit]` answers at each unit: Likert (1..5 cycling), eNPS 0..10 cycling, and a
    comment each."""
    answers = []
    index = 0
    for unit, count in counts.items():
        for _ in range(count):
            answers.append(
                {
                    "unit_id": world.units[unit].id,
                    "likert": [1 + index % 5, 1 + (index * 2) % 5, 5],
                    "enps": index % 11,
                    "comment": f"Kommentti {index:02d} {unit}",
                }
            )
            index += 1
    await put_answers(session, world.kauppa.id, wave_id, answers)
    return answers


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 2)


async def test_results_release_only_groups_the_floors_allow(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    _, wave = await survey_with_wave(client, world, ["root"])
    # Store A 5 of its own and 2 in its team; store B 6; the north none. With a floor of 5,
    # team A1 is too small, store A (7) and store B (6) are released, and so on upwards.
    answers = await _answers(session, world, wave["id"], {"store_a": 5, "team_a1": 2, "store_b": 6})
    hanna = await world.auth("hanna")
    results = f"{API}/waves/{wave['id']}/results"
    # While answers come in, two readings would differ by the few given in between.
    for path in (results, f"{API}/waves/{wave['id']}/comments"):
        early = await client.get(path, headers=hanna)
        assert (early.status_code, early.json()["code"]) == (409, "wave_open")
    following = await ok(
        await client.get(f"{API}/waves/{wave['id']}/response-rates", headers=hanna)
    )
    assert following["unit"]["responded"] == 13
    await ok(await client.post(f"{API}/waves/{wave['id']}/close", headers=hanna))

    top = await ok(await client.get(results, headers=hanna))
    assert top["min_group"] == 5
    assert top["unit"]["unit"]["name"] == "Kauppa Oy" and top["unit"]["n"] == 13
    assert top["unit"]["eligible"] == 10
    assert top["unit"]["response_rate"] == 1.3
    by_name = {c["unit"]["name"]: c for c in top["children"]}
    assert by_name["North"] == {
        **by_name["North"],
        "suppressed": True,
        "reason": "no_answers",
        "n": None,
        "enps": None,
    }
    assert by_name["South"]["n"] == 13
    items = {i["key"]: i for i in top["unit"]["items"]}
    assert items["q_workload"]["mean"] == _mean([a["likert"][0] for a in answers])
    assert sum(d["count"] for d in items["q_workload"]["distribution"]) == 13
    factors = {f["factor"]: f["mean"] for f in top["unit"]["factors"]}
    assert factors["wellbeing"] == _mean([v for a in answers for v in a["likert"][:2]])
    assert factors["leadership"] == 5.0
    enps = [a["enps"] for a in answers]
    promoters, detractors = sum(e >= 9 for e in enps), sum(e <= 6 for e in enps)
    assert top["unit"]["enps"]["score"] == round(100 * (promoters - detractors) / 13, 1)
    assert top["unit"]["enps"]["promoters"] == promoters

    south = await ok(
        await client.get(results, params={"unit_id": str(world.units["south"].id)}, headers=hanna)
    )
    assert {c["unit"]["name"]: c["n"] for c in south["children"]} == {
        "Store A": 7,
        "Store B": 6,
    }
    # Mia manages store A: her results are its subtree; the team is too small to show.
    mine = await ok(await client.get(results, headers=await world.auth("mia")))
    assert mine["unit"]["n"] == 7
    assert mine["children"] == [
        {
            "unit": {"id": str(world.units["team_a1"].id), "name": "Team A1"},
            "eligible": 1,
            "suppressed": True,
            "reason": "too_few_answers",
            "n": None,
            "response_rate": None,
            "factors": [],
            "items": [],
            "enps": None,
        }
    ]
    outside = await client.get(
        results, params={"unit_id": str(world.units["south"].id)}, headers=await world.auth("mia")
    )
    assert outside.status_code == 404
    frontline = await client.get(results, headers=await world.auth("anna"))
    assert frontline.json()["code"] == "not_a_reader"

    rates = await ok(await client.get(f"{API}/waves/{wave['id']}/response-rates", headers=hanna))
    assert rates["unit"]["responded"] == 13 and rates["unit"]["eligible"] == 10
    north = next(c for c in rates["children"] if c["unit"]["name"] == "North")
    assert (north["eligible"], north["responded"], north["reason"]) == (2, None, "no_answers")
    team = await ok(
        await client.get(
            f"{API}/waves/{wave['id']}/response-rates", headers=await world.auth("mia")
        )
    )
    assert team["children"][0]["responded"] is None
    assert team["children"][0]["eligible"] == 1

    # Comments: 13 in the south, store A's 7 and store B's 6 under the floor of 10.
    comments = f"{API}/waves/{wave['id']}/comments"
    all_of_them = await ok(await client.get(comments, headers=hanna))
    assert all_of_them["floor"] == 10 and not all_of_them["suppressed"]
    texts = [c["text"] for c in all_of_them["comments"]]
    assert texts == sorted(a["comment"] for a in answers)
    store = await ok(await client.get(comments, headers=await world.auth("mia")))
    assert (store["suppressed"], store["reason"], store["comments"]) == (
        True,
        "too_few_answers",
        [],
    )


async def test_the_floor_is_raised_and_never_lowered(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    _, wave = await survey_with_wave(client, world, ["root"])
    await _answers(session, world, wave["id"], {"store_a": 7, "store_b": 6})
    settings = f"{API}/surveys/settings"
    aaro = await world.auth("aaro")
    await ok(await client.post(f"{API}/waves/{wave['id']}/close", headers=aaro))
    assert await ok(await client.get(settings, headers=await world.auth("hanna"))) == {
        "min_group": 5,
        "comment_floor": 10,
    }
    assert (await client.get(settings, headers=await world.auth("mia"))).status_code == 403
    assert (
        await client.put(settings, json={"min_group": 8}, headers=await world.auth("hanna"))
    ).json()["code"] == "not_an_admin"
    raised = await ok(await client.put(settings, json={"min_group": 12}, headers=aaro))
    assert raised == {"min_group": 12, "comment_floor": 12}
    lowered = await client.put(settings, json={"min_group": 6}, headers=aaro)
    assert (lowered.status_code, lowered.json()["code"]) == (409, "min_group_lowered")
    too_small = await client.put(
        settings, json={"min_group": 4}, headers={**aaro, "Accept-Language": "fi"}
    )
    assert (too_small.status_code, too_small.json()["code"]) == (422, "min_group_too_small")
    assert "5" in too_small.json()["detail"]

    south = await ok(
        await client.get(
            f"{API}/waves/{wave['id']}/results",
            params={"unit_id": str(world.units["south"].id)},
            headers=await world.auth("hanna"),
        )
    )
    assert south["min_group"] == 12 and south["unit"]["n"] == 13
    assert [c["suppressed"] for c in south["children"]] == [True, True]


async def test_surveys_over_graphql(client: httpx.AsyncClient, world: World) -> None:
    gql = GraphQL(client, world)
    body = survey_body([world.units["south"].id])
    items = [
        {
            "key": i["key"],
            "kind": i["kind"].upper(),
            "factor": i.get("factor"),
            "textFi": i["text_fi"],
            "textEn": i["text_en"],
        }
        for i in body["items"]
    ]
    created = await gql.data(
        "hanna",
        "CreateSurvey",
        input={
            "name": "Pulssi",
            "items": items,
            "targetUnitIds": [gid("Unit", world.units["south"].id)],
        },
    )
    survey = created["createSurvey"]["survey"]
    assert survey["targetUnits"][0]["name"] == "South"
    refused = await gql.run(
        "hanna",
        "CreateSurvey",
        input={
            "name": "Tyhjä",
            "items": items[:3],
            "targetUnitIds": [gid("Unit", world.units["south"].id)],
        },
    )
    assert codes(refused) == ["one_enps_item"]

    opened = await gql.data(
        "hanna", "OpenWave", input={"surveyId": survey["id"], "label": "Marraskuu"}
    )
    wave = opened["openWave"]["wave"]
    assert (wave["status"], wave["eligible"]) == ("OPEN", 6)

    waiting = await gql.data("anna", "OpenWaves")
    assert [w["id"] for w in waiting["openWaves"]] == [wave["id"]]
    assert waiting["openWaves"][0]["questions"][0]["text"] == "Kysymys q_workload"
    answer = {
        "waveId": wave["id"],
        "likert": [{"key": k, "value": 4} for k in LIKERT_KEYS],
        "enps": 10,
        "comment": "Hyvä tiimi.",
    }
    done = await gql.data("anna", "AnswerSurvey", input=answer)
    assert done["answerSurvey"] == {"waveId": wave["id"], "answered": True}
    assert codes(await gql.run("anna", "AnswerSurvey", input=answer)) == ["already_answered"]
    assert codes(await gql.run("cecilia", "AnswerSurvey", input=answer)) == ["not_surveyed"]

    listed = await gql.data("mia", "Surveys")
    assert listed["surveys"][0]["waves"][0]["id"] == wave["id"]
    early = await gql.run("hanna", "WaveResults", waveId=wave["id"])
    assert codes(early) == ["wave_open"]

    closed = await gql.data("hanna", "CloseWave", input={"waveId": wave["id"]})
    assert closed["closeWave"]["wave"]["status"] == "CLOSED"
    assert codes(await gql.run("ben", "AnswerSurvey", input=answer)) == ["wave_closed"]
    results = await gql.data("hanna", "WaveResults", waveId=wave["id"])
    assert results["waveResults"]["unit"]["suppressed"] is True
    assert results["waveResults"]["unit"]["reason"] == "TOO_FEW_ANSWERS"
    assert results["waveResults"]["unit"]["n"] is None
    assert results["waveResults"]["minGroup"] == 5
    comments = await gql.data(
        "hanna", "WaveComments", waveId=wave["id"], unitId=gid("Unit", world.units["south"].id)
    )
    assert comments["waveComments"]["comments"] == []
    assert comments["waveComments"]["suppressed"] is True
    node = await gql.data("mia", "Node", id=wave["id"])
    assert node["node"]["id"] == wave["id"]
    assert (await gql.data("pekka", "Node", id=wave["id"]))["node"] is None


async def test_a_raised_floor_never_lets_two_readings_differ_by_a_few(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    """Team A1 has 6 answers and store A 2 of its own. Under a floor of 5 the team is shown
    and store A is not (its 2 are blocked with the south's own). Under 8 store A alone
    would be (6 + 2): read after the team, it would give store A's own 2 answers away. A
    wave read before the floor was raised keeps the old floor as well; a wave closed
    afterwards has only the new one."""
    counts = {"team_a1": 6, "store_a": 2, "store_b": 5, "south": 3}
    survey, wave = await survey_with_wave(client, world, ["root"])
    await _answers(session, world, wave["id"], counts)
    aaro = await world.auth("aaro")
    await ok(await client.post(f"{API}/waves/{wave['id']}/close", headers=aaro))
    store_a = {"unit_id": str(world.units["store_a"].id)}
    results = f"{API}/waves/{wave['id']}/results"
    before = await ok(await client.get(results, params=store_a, headers=aaro))
    assert before["unit"]["suppressed"] and before["children"][0]["n"] == 6

    await ok(await client.put(f"{API}/surveys/settings", json={"min_group": 8}, headers=aaro))
    after = await ok(await client.get(results, params=store_a, headers=aaro))
    assert after["min_group"] == 8
    assert after["unit"]["suppressed"] and after["unit"]["reason"] == "too_few_answers"
    assert after["children"][0]["suppressed"]
    south = await ok(
        await client.get(results, params={"unit_id": str(world.units["south"].id)}, headers=aaro)
    )
    assert south["unit"]["n"] == 16
    assert [c["suppressed"] for c in south["children"]] == [True, True]
    rates = await ok(
        await client.get(f"{API}/waves/{wave['id']}/response-rates", params=store_a, headers=aaro)
    )
    assert rates["unit"]["responded"] is None

    later = await ok(
        await client.post(
            f"{API}/surveys/{survey['id']}/waves", json={"label": "Joulukuu"}, headers=aaro
        ),
        201,
    )
    await _answers(session, world, later["id"], counts)
    await ok(await client.post(f"{API}/waves/{later['id']}/close", headers=aaro))
    fresh = await ok(
        await client.get(f"{API}/waves/{later['id']}/results", params=store_a, headers=aaro)
    )
    assert fresh["unit"]["n"] == 8 and fresh["children"][0]["suppressed"]
