"""Imports of CX outcomes and EX results over REST: CSV and JSON, whole or not at all."""

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.outcomes.models import CxOutcome, ExAggregate, ExResponse
from app.platform.db import table
from tests.factories import World
from tests.outcomes.helpers import API, bad_rows, post_csv, post_json, stored

NOTHING = {"data_imports": 0, "ex_responses": 0, "ex_aggregates": 0, "cx_outcomes": 0}


async def test_cx_outcomes_from_a_finnish_excel_file(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    # Excel in Finnish settings: a BOM, semicolons, decimal commas, CRLF; names or ids.
    store_b = world.units["store_b"].id
    body = (
        "\ufeffUnit;Period;Measure;Value;N\r\n"
        "store a;2026-09;nps;42;318\r\n"
        "Store A;2026-09;csat;87,5;290\r\n"
        f"{store_b};2026-10;ces;2,4;\r\n"
        "Store A;2026-10;complaint_rate;0,8;1200\r\n"
        ";;;;\r\n"
    )
    response = await post_csv(client, world, "hanna", "cx_outcomes", body, source="cx.csv")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["created"] is True
    assert (report["kind"], report["rows"], report["units"]) == ("cx_outcomes", 4, 2)
    assert report["periods"] == ["2026-09", "2026-10"]
    assert report["measures"] == ["ces", "complaint_rate", "csat", "nps"]
    assert report["source"] == "cx.csv"
    assert report["created_by"] == str(world.people["hanna"].id)
    t = table(CxOutcome)
    found = (
        await session.execute(
            select(t.c.unit_id, t.c.measure, t.c.value, t.c.n).order_by(t.c.value)
        )
    ).all()
    store_a = world.units["store_a"].id
    assert [tuple(r) for r in found] == [
        (store_a, "complaint_rate", 0.8, 1200),
        (store_b, "ces", 2.4, None),
        (store_a, "nps", 42.0, 318),
        (store_a, "csat", 87.5, 290),
    ]


async def test_ex_aggregates_as_json(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    store_a = str(world.units["store_a"].id)
    rows = [
        {"unit": store_a, "period": "2026-11", "measure": "wellbeing", "n": 12, "mean": 3.9},
        {"unit": "Store B", "period": "2026-11", "measure": "eNPS", "n": 9, "mean": -12.5},
    ]
    response = await post_json(client, world, "aaro", "ex_aggregates", rows)
    assert response.status_code == 201, response.text
    assert response.json()["measures"] == ["enps", "wellbeing"]
    t = table(ExAggregate)
    found = (await session.execute(select(t.c.measure, t.c.n, t.c.mean).order_by(t.c.n))).all()
    assert [tuple(r) for r in found] == [("enps", 9, -12.5), ("wellbeing", 12, 3.9)]


async def test_ex_responses_from_csv_and_json(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = (
        "unit,period,Wellbeing,Workload,Team Spirit,enps\n"
        'Store A,2026-10,4,"3,5",5,9\n'
        "Store A,2026-10,4,3.5,5,9\n"  # two people may answer alike
        "Store A,2026-10,,2,,\n"
        "Store A,2026-10,,,,0\n"
    )
    response = await post_csv(client, world, "hanna", "ex_responses", body)
    assert response.status_code == 201, response.text
    assert response.json()["rows"] == 4
    assert response.json()["measures"] == ["team_spirit", "wellbeing", "workload"]
    rows = [{"unit": "Store B", "period": "2026-10", "scores": {"Wellbeing": 5}, "enps": 10}]
    response = await post_json(client, world, "hanna", "ex_responses", rows)
    assert response.status_code == 201, response.text
    t = table(ExResponse)
    found = (await session.execute(select(t.c.scores, t.c.enps))).all()
    assert sorted((sorted(s.items()), e if e is not None else -1) for s, e in found) == [
        ([], 0),
        ([("team_spirit", 5.0), ("wellbeing", 4.0), ("workload", 3.5)], 9),
        ([("team_spirit", 5.0), ("wellbeing", 4.0), ("workload", 3.5)], 9),
        ([("wellbeing", 5.0)], 10),
        ([("workload", 2.0)], -1),
    ]


CX = "unit,period,measure,value,n\nStore A,2026-09,nps,42,318\nStore B,2026-09,nps,-5,120\n"


async def test_the_same_rows_again_change_nothing(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    first = await post_csv(client, world, "hanna", "cx_outcomes", CX)
    assert first.status_code == 201, first.text
    before = await stored(session)
    # The same rows, in another order, with another delimiter, by another person.
    again = (
        "unit;period;measure;value;n\nStore B;2026-09;NPS;-5;120\nstore a;2026-09;nps;42,0;318\n"
    )
    for who, body in (("hanna", CX), ("aaro", again)):
        response = await post_csv(client, world, who, "cx_outcomes", body)
        assert response.status_code == 200, response.text
        assert response.json() == {**first.json(), "created": False}
    store_a = str(world.units["store_a"].id)
    rows = [
        {"unit": "Store B", "period": "2026-09", "measure": "nps", "value": -5, "n": 120},
        {"unit": store_a, "period": "2026-09", "measure": "nps", "value": 42, "n": 318},
    ]
    response = await post_json(client, world, "hanna", "cx_outcomes", rows, replace=True)
    assert (response.status_code, response.json()["id"]) == (200, first.json()["id"])
    assert await stored(session) == before == {**NOTHING, "data_imports": 1, "cx_outcomes": 2}


async def test_values_already_imported_are_bad_rows_unless_replaced(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    first = (await post_csv(client, world, "hanna", "cx_outcomes", CX)).json()
    corrected = (
        "unit,period,measure,value,n\nStore A,2026-09,nps,44,320\nStore C,2026-09,nps,7,80\n"
    )
    refused = await post_csv(client, world, "hanna", "cx_outcomes", corrected)
    assert bad_rows(refused) == [(2, None, "already_imported")]
    assert first["id"] in refused.json()["errors"][0]["reason"]
    assert await stored(session) == {**NOTHING, "data_imports": 1, "cx_outcomes": 2}

    replaced = await post_csv(client, world, "hanna", "cx_outcomes", corrected, replace=True)
    assert replaced.status_code == 201, replaced.text
    assert (replaced.json()["rows"], replaced.json()["replaced"]) == (2, 1)
    t = table(CxOutcome)
    values = dict((await session.execute(select(t.c.unit_id, t.c.value))).all())
    assert values == {
        world.units["store_a"].id: 44.0,
        world.units["store_b"].id: -5.0,
        world.units["store_c"].id: 7.0,
    }
    earlier = await client.get(f"{API}/imports/{first['id']}", headers=await world.auth("hanna"))
    assert (earlier.json()["rows"], earlier.json()["units"]) == (1, 1)
    listed = await client.get(f"{API}/imports", headers=await world.auth("hanna"))
    assert [i["id"] for i in listed.json()] == [replaced.json()["id"], first["id"]]


async def test_responses_of_a_unit_and_month_come_from_one_import(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = "unit,period,wellbeing\nStore A,2026-10,4\nStore A,2026-10,5\n"
    first = await post_csv(client, world, "hanna", "ex_responses", body)
    assert first.status_code == 201
    more = "unit,period,wellbeing\nStore A,2026-10,2\nStore B,2026-10,3\n"
    assert bad_rows(await post_csv(client, world, "hanna", "ex_responses", more)) == [
        (2, None, "already_imported")
    ]
    replaced = await post_csv(client, world, "hanna", "ex_responses", more, replace=True)
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["replaced"] == 2
    # The first import has nothing left: it is gone, so its file may come again.
    gone = await client.get(
        f"{API}/imports/{first.json()['id']}", headers=await world.auth("hanna")
    )
    assert gone.status_code == 404
    assert await stored(session) == {**NOTHING, "data_imports": 1, "ex_responses": 2}


async def test_every_bad_row_is_reported_and_nothing_is_stored(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    other_org = world.units["p_branch"].id
    body = (
        "unit,period,measure,value,n\n"
        "Store A,2026-09,nps,42,318\n"  # 2: good
        "Nowhere,2026-09,nps,1,\n"  # 3
        f"{other_org},2026-09,nps,1,\n"  # 4: another organisation's unit is unknown
        "Store A,2026-13,nps,1,\n"  # 5
        "Store A,2026-09,nps,101,\n"  # 6
        "Store A,2026-09,csat,1.234,5\n"  # 7: good (1.234 %)
        "Store A,2026-09,ces,8,\n"  # 8
        "Store A,2026-09,complaint_rate,-1,\n"  # 9
        "Store A,2026-09,happiness,3,\n"  # 10
        "Store A,2026-09,nps,12,\n"  # 11: duplicate of line 2
        "Store A,2026-10,nps,1.234,5,9\n"  # 12: too many columns
        'Store A,2026-10,nps,"1,5",2.5\n'  # 13: n must be whole
        "Store A,2026-10,ces,abc,0\n"  # 14: two bad cells
        ",2026-10,ces,3,\n"  # 15
        'Store A,2026-11,nps,"1.234,5",\n'  # 16: ambiguous number
        "Store A,2026-11,ces,a\x00b,\n"  # 17
    )
    response = await post_csv(client, world, "hanna", "cx_outcomes", body)
    assert bad_rows(response) == [
        (3, "unit", "unknown_unit"),
        (4, "unit", "unknown_unit"),
        (5, "period", "bad_period"),
        (6, "value", "out_of_range"),
        (8, "value", "out_of_range"),
        (9, "value", "below_minimum"),
        (10, "measure", "unknown_measure"),
        (11, None, "duplicate_in_file"),
        (12, "6", "too_many_columns"),
        (13, "n", "not_a_whole_number"),
        (14, "value", "not_a_number"),
        (14, "n", "below_minimum"),
        (15, "unit", "missing_value"),
        (16, "value", "not_a_number"),
        (17, "value", "nul_character"),
    ]
    problem = response.json()
    assert problem["bad_rows"] == 15
    errors = {(e["line"], e["column"]): e for e in problem["errors"]}
    # Hanna reads Finnish.
    assert errors[(11, None)]["reason"] == "Sama yksikkö, jakso ja mittari on jo rivillä 2."
    assert errors[(6, "value")]["value"] == "101"
    assert errors[(17, "value")]["value"] == "a\ufffdb"
    assert await stored(session) == NOTHING


async def test_reasons_come_in_the_callers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    body = "unit;period;measure;value\nKauppa X;2026-09;nps;1\n"
    finnish = await post_csv(client, world, "hanna", "cx_outcomes", body)
    assert finnish.json()["title"] == "Virheellinen tuonti"
    assert finnish.json()["detail"].startswith("Tuonnissa on 1 virheellistä riviä")
    assert finnish.json()["errors"][0]["reason"].startswith("Tuntematon yksikkö")
    english = await post_csv(
        client, world, "hanna", "cx_outcomes", body, headers={"Accept-Language": "en"}
    )
    assert english.json()["title"] == "The import has bad rows"
    assert english.json()["errors"][0]["reason"] == (
        "Unknown unit: give the unit's id or its exact name."
    )


async def test_the_shape_of_the_file_is_checked(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    cases = [
        ("cx_outcomes", "", [(1, None, "empty_file")]),
        ("cx_outcomes", "\ufeff\n\n", [(1, None, "empty_file")]),
        ("cx_outcomes", "unit,period,measure,value\n", [(2, None, "no_rows")]),
        (
            "cx_outcomes",
            "unit,period,value\nStore A,2026-09,1\n",
            [(1, "measure", "missing_column")],
        ),
        (
            "ex_aggregates",
            "unit,period,measure,n,mean,colour\n",
            [(1, "colour", "unknown_column")],
        ),
        ("ex_aggregates", "unit,period,measure,n,mean,n\n", [(1, "n", "duplicate_column")]),
        ("ex_responses", "unit,period\nStore A,2026-09\n", [(1, None, "missing_column")]),
        ("ex_responses", "unit,period,työ%\nStore A,2026-09,3\n", [(1, "työ%", "bad_column_name")]),
        (
            "ex_responses",
            ",".join(f"f{i}" for i in range(61)) + "\n",
            [(1, None, "too_many_columns")],
        ),
        (
            "cx_outcomes",
            'unit,period,measure,value\nStore A,2026-09,nps,"42\n',
            [(2, None, "unclosed_quote")],
        ),
        (
            "ex_responses",
            "unit,period,wellbeing\nStore A,2026-09,\n",
            [(2, None, "empty_response")],
        ),
    ]
    for kind, body, expected in cases:
        assert bad_rows(await post_csv(client, world, "hanna", kind, body)) == expected, body
    assert await stored(session) == NOTHING


async def test_a_quoted_cell_may_span_lines(client: httpx.AsyncClient, world: World) -> None:
    body = 'unit,period,measure,value\n"Store A",2026-09,nps,1\n"Store\nA",2026-09,ces,9\n'
    assert bad_rows(await post_csv(client, world, "hanna", "cx_outcomes", body)) == [
        (3, "unit", "unknown_unit"),
        (3, "value", "out_of_range"),
    ]


async def test_a_file_that_is_not_utf8_is_refused_with_the_offset(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    body = "unit;period;measure;value\nMyymälä;2026-09;nps;1\n".encode("latin-1")
    response = await post_csv(client, world, "hanna", "cx_outcomes", body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "bad_encoding"
    assert (problem["offset"], problem["line"]) == (30, 2)
    assert body[30:31] == "ä".encode("latin-1")
    assert await stored(session) == NOTHING


async def test_json_rows_are_checked_alike(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    rows = [
        {"unit": "Store A", "period": "2026-09", "scores": {"wellbeing": 6}, "enps": 11},
        "not a row",
        {"unit": "Store A", "period": "2026-09", "colour": "red", "scores": {"x y!": 3}},
        {"unit": "Store A\x00", "period": "2026-09", "enps": 3.5},
    ]
    response = await post_json(client, world, "hanna", "ex_responses", rows)
    assert bad_rows(response) == [
        (1, "wellbeing", "out_of_range"),
        (1, "enps", "out_of_range"),
        (2, None, "not_an_object"),
        (3, "colour", "unknown_column"),
        (3, "scores.x y!", "bad_column_name"),
        (4, "unit", "nul_character"),
        (4, "enps", "not_a_whole_number"),
    ]
    not_rows = await client.post(
        f"{API}/imports/ex_responses/rows", json=[1, 2], headers=await world.auth("hanna")
    )
    assert (not_rows.status_code, not_rows.json()["code"]) == (422, "import_invalid")
    assert await stored(session) == NOTHING


async def test_only_csv_or_json(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{API}/imports/cx_outcomes/rows",
        content=b"<xml/>",
        headers={**await world.auth("hanna"), "Content-Type": "application/xml"},
    )
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_import_type")


async def test_a_file_too_large_is_a_413(client: httpx.AsyncClient, world: World) -> None:
    row = b"Store A,2026-09,nps,42,318\n"
    body = b"unit,period,measure,value,n\n" + row * (21 * 1024 * 1024 // len(row))
    response = await post_csv(client, world, "hanna", "cx_outcomes", body)
    assert (response.status_code, response.json()["code"]) == (413, "payload_too_large")


async def test_too_many_rows_is_a_413(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    world.runtime.settings = world.runtime.settings.model_copy(update={"max_import_rows": 3})
    body = "unit,period,wellbeing\n" + "Store A,2026-09,4\n" * 4
    response = await post_csv(client, world, "hanna", "ex_responses", body)
    assert (response.status_code, response.json()["code"]) == (413, "too_many_rows")
    assert await stored(session) == NOTHING


async def test_thousands_of_rows_go_in_batches(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    lines = [
        f"Store {'AB'[i % 2]},2026-{1 + i % 12:02d},{i % 5 + 1},{i % 11}" for i in range(12_001)
    ]
    body = "unit,period,wellbeing,enps\n" + "\n".join(lines) + "\n"
    response = await post_csv(client, world, "hanna", "ex_responses", body)
    assert response.status_code == 201, response.text
    assert (response.json()["rows"], len(response.json()["periods"])) == (12_001, 12)
    assert (await stored(session))["ex_responses"] == 12_001
    # One bad row at the end refuses every batch already written.
    refused = await post_csv(
        client,
        world,
        "hanna",
        "ex_responses",
        body.replace("2026", "2025") + "Store A,2025-01,9,1\n",
    )
    assert bad_rows(refused) == [(12_003, "wellbeing", "out_of_range")]
    assert (await stored(session))["ex_responses"] == 12_001


async def test_a_file_replaced_in_part_is_not_the_same_any_more(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    first = (await post_csv(client, world, "hanna", "cx_outcomes", CX)).json()
    correction = "unit,period,measure,value,n\nStore A,2026-09,nps,50,318\n"
    assert (
        await post_csv(client, world, "hanna", "cx_outcomes", correction, replace=True)
    ).status_code == 201
    # The first file again would say "nothing changed" while its NPS of Store A is not
    # what is stored: it is refused for that row instead, or takes it back with replace.
    assert bad_rows(await post_csv(client, world, "hanna", "cx_outcomes", CX)) == [
        (2, None, "already_imported"),
        (3, None, "already_imported"),
    ]
    back = await post_csv(client, world, "hanna", "cx_outcomes", CX, replace=True)
    assert (back.status_code, back.json()["rows"], back.json()["replaced"]) == (201, 2, 2)
    assert back.json()["id"] != first["id"]
    gone = await client.get(f"{API}/imports/{first['id']}", headers=await world.auth("hanna"))
    assert gone.status_code == 404
    t = table(CxOutcome)
    values = dict((await session.execute(select(t.c.unit_id, t.c.value))).all())
    assert values == {world.units["store_a"].id: 42.0, world.units["store_b"].id: -5.0}
