"""What the linkage reads: EX results and CX outcomes per unit and month."""

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.outcomes import reads
from tests.factories import World
from tests.outcomes.helpers import post_csv


async def test_values_per_unit_and_month(
    client: httpx.AsyncClient, world: World, session: AsyncSession
) -> None:
    responses = (
        "unit,period,wellbeing,workload,enps\n"
        "Store A,2026-09,4,2,10\n"
        "Store A,2026-09,5,,9\n"
        "Store A,2026-09,3,4,3\n"
        "Store A,2026-09,,,7\n"
        "Store A,2026-10,2,,\n"
    )
    aggregates = "unit,period,measure,n,mean\nStore B,2026-09,wellbeing,11,3.2\n"
    outcomes = "unit,period,measure,value,n\nStore A,2026-09,nps,42,300\nStore A,2026-10,ces,2.5,\n"
    for kind, body in (
        ("ex_responses", responses),
        ("ex_aggregates", aggregates),
        ("cx_outcomes", outcomes),
    ):
        assert (await post_csv(client, world, "hanna", kind, body)).status_code == 201
    org = world.kauppa.id
    a, b = world.units["store_a"].id, world.units["store_b"].id
    september = date(2026, 9, 1)

    ex = await reads.ex_results(session, org, start=september, end=date(2026, 10, 1))
    assert sorted((v.unit_id == a, v.measure, v.value, v.n, v.origin) for v in ex) == [
        (False, "wellbeing", 3.2, 11, "aggregates"),
        (True, "enps", 25.0, 4, "responses"),  # 2 promoters, 1 detractor of 4
        (True, "wellbeing", 4.0, 3, "responses"),
        (True, "workload", 3.0, 2, "responses"),
    ]
    only = await reads.ex_results(session, org, unit_ids=[b], measures=["wellbeing"])
    assert [(v.unit_id, v.value) for v in only] == [(b, 3.2)]

    cx = await reads.cx_outcomes(session, org)
    assert sorted((v.measure, v.value, v.n) for v in cx) == [("ces", 2.5, None), ("nps", 42.0, 300)]
    assert await reads.cx_outcomes(session, world.pankki.id) == []
    assert reads.measure_unit("nps") == "NPS, −100…100"
    assert reads.measure_unit("wellbeing") == "mean agreement (1–5)"
