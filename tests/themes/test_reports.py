"""The theme reports over the test world (see tests/factories.py): Kauppa's south region holds
stores A (with team A1) and B, the north region store C. Anna posts in team A1, Aku in store A,
Ben in store B, Cecilia in store C; Mia manages store A, Rita the south region, Hanna is HR."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.actions import service as actions_service
from app.actions.schemas import ActionCreate
from app.insights import service as insights_service
from app.insights.models import Insight, InsightStatus, Visibility
from app.insights.posting import create_insight
from app.insights.schemas import InsightCreate
from app.org import service as org_service
from app.org.principal import Principal
from app.org.taxonomy import ImpactLevel, InsightKind
from app.platform import clock
from app.platform.errors import Forbidden, InvalidInput, NotFound
from app.themes.journey import journey_matrix, status_times
from app.themes.models import Theme, ThemeMember, ThemeStatus
from app.themes.report_schemas import Breadth, PriorityTermName, ThemeReach, ThemeReportQuery
from app.themes.reports import theme_priorities, theme_reach, theme_reach_of
from tests.factories import World

EVERYONE = ThemeReportQuery()


@pytest.fixture(autouse=True)
def _thaw() -> Any:
    yield
    clock.freeze(None)


async def who(session: AsyncSession, world: World, name: str) -> Principal:
    principal = await org_service.load_principal(session, world.people[name].subject)
    assert principal is not None
    return principal


async def post(
    session: AsyncSession,
    world: World,
    name: str,
    *,
    unit: str | None = None,
    stage: str | None = None,
    impact: ImpactLevel = ImpactLevel.NONE,
    customers: int | None = None,
    visibility: Visibility = Visibility.NAMED,
) -> uuid.UUID:
    posted, _ = await create_insight(
        session,
        await who(session, world, name),
        InsightCreate(
            kind=InsightKind.OBSERVATION,
            text=f"Havainto {uuid.uuid4().hex[:6]}",
            unit_id=world.units[unit].id if unit else None,
            journey_stage=stage,
            customer_impact=impact,
            customers_affected=customers,
            visibility=visibility,
        ),
    )
    return posted.id


async def theme(
    session: AsyncSession,
    world: World,
    name: str,
    *insight_ids: uuid.UUID,
    org: str = "kauppa",
    status: ThemeStatus = ThemeStatus.ACTIVE,
) -> uuid.UUID:
    org_id = getattr(world, org).id
    now = clock.now()
    theme_id = uuid.uuid4()
    session.add(
        Theme(
            org_id=org_id,
            id=theme_id,
            status=status,
            label_fi=name,
            label_en=name,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    session.add_all(
        ThemeMember(org_id=org_id, insight_id=i, theme_id=theme_id, assigned_at=now)
        for i in insight_ids
    )
    await session.flush()
    return theme_id


async def set_posted(session: AsyncSession, insight_id: uuid.UUID, at: datetime) -> None:
    await session.execute(update(Insight).where(Insight.id == insight_id).values(created_at=at))


def by_name(reach: list[ThemeReach]) -> dict[str, ThemeReach]:
    return {r.theme.name: r for r in reach}


async def test_reach_counts_what_a_theme_gathers(session: AsyncSession, world: World) -> None:
    anna = await post(
        session, world, "anna", stage="purchase", impact=ImpactLevel.HIGH, customers=5
    )
    aku = await post(session, world, "aku", impact=ImpactLevel.LOW)
    ben = await post(session, world, "ben", impact=ImpactLevel.MEDIUM, customers=10)
    await session.execute(update(Insight).where(Insight.id == anna).values(endorsement_count=2))
    # Left out: a merged duplicate, an insight posted before the period, another theme's.
    merged = await post(session, world, "aku")
    await session.execute(
        update(Insight)
        .where(Insight.id == merged)
        .values(status=InsightStatus.MERGED, merged_into_id=aku)
    )
    old = await post(session, world, "ben")
    await set_posted(session, old, clock.now() - timedelta(days=120))
    retired = await post(session, world, "cecilia")
    await theme(session, world, "Kassat", anna, aku, ben, merged, old)
    await theme(session, world, "Vanha", retired, status=ThemeStatus.RETIRED)

    (reach,) = await theme_reach(session, await who(session, world, "hanna"), EVERYONE)
    assert reach.theme.name == "Kassat"
    assert (reach.insights, reach.reporters, reach.units, reach.stores) == (3, 3, 3, 2)
    assert (reach.customers_affected, reach.customers_affected_reported) == (15, 2)
    assert reach.endorsements == 2
    assert reach.mean_impact == pytest.approx(2.0)
    assert [(c.level, c.insights) for c in reach.impact] == [
        (ImpactLevel.NONE, 0),
        (ImpactLevel.LOW, 1),
        (ImpactLevel.MEDIUM, 1),
        (ImpactLevel.HIGH, 1),
    ]
    assert reach.open_now == 3
    assert reach.first_seen is not None and reach.last_seen is not None
    assert reach.first_seen <= reach.last_seen
    assert reach.breadth is Breadth.SYSTEMIC


async def test_few_reporters_are_not_counted_out_and_breadth_has_boundaries(
    session: AsyncSession, world: World
) -> None:
    async def themed(name: str, *posts: tuple[str, str | None]) -> None:
        ids = [await post(session, world, who_, unit=unit) for who_, unit in posts]
        await theme(session, world, name, *ids)

    await themed("one reporter, one unit", ("anna", None), ("anna", None))
    await themed("one reporter, two units", ("aku", None), ("aku", "team_a1"))
    await themed("two reporters", ("anna", None), ("aku", None))
    await themed("three reporters, one store", ("anna", None), ("aku", None), ("mia", None))
    await themed("systemic", ("anna", None), ("ben", None), ("mia", None))
    reach = by_name(await theme_reach(session, await who(session, world, "hanna"), EVERYONE))

    def seen(name: str) -> tuple[int | None, int | None, Breadth]:
        r = reach[name]
        return r.reporters, r.reporters_fewer_than, r.breadth

    assert seen("one reporter, one unit") == (None, 3, Breadth.ANECDOTAL)
    assert seen("one reporter, two units") == (None, 3, Breadth.ANECDOTAL)
    assert reach["one reporter, two units"].units == 2
    assert seen("two reporters") == (None, 3, Breadth.LOCAL)
    # Three reporters in two units (team A1 and store A) of one store.
    assert seen("three reporters, one store") == (3, None, Breadth.LOCAL)
    # Three reporters in three units (team A1, store B, store A) of two stores.
    assert seen("systemic") == (3, None, Breadth.SYSTEMIC)
    assert (reach["systemic"].units, reach["systemic"].stores) == (3, 2)


async def test_breadth_needs_two_stores_and_three_units(
    session: AsyncSession, world: World
) -> None:
    anna, aku, ben, rita, max_ = [
        await post(session, world, name) for name in ("anna", "aku", "ben", "rita", "max")
    ]
    # Three units and reporters but a single store (the region is above every store).
    await theme(session, world, "one store", anna, aku, rita)
    # Two stores and three reporters, but only two units.
    await theme(session, world, "two units", await post(session, world, "aku"), ben, max_)
    reach = by_name(await theme_reach(session, await who(session, world, "hanna"), EVERYONE))
    assert (reach["one store"].units, reach["one store"].stores) == (3, 1)
    assert reach["one store"].breadth is Breadth.LOCAL
    assert (reach["two units"].units, reach["two units"].stores) == (2, 2)
    assert reach["two units"].breadth is Breadth.LOCAL


async def test_a_confidential_insight_counts_where_it_is_shown(
    session: AsyncSession, world: World
) -> None:
    secret = await post(session, world, "anna", stage="support", visibility=Visibility.CONFIDENTIAL)
    named = await post(session, world, "ben", stage="support")
    theme_id = await theme(session, world, "Vuorot", secret, named)
    team, south = world.units["team_a1"].id, world.units["south"].id
    rita = await who(session, world, "rita")

    (reach,) = await theme_reach(session, rita, EVERYONE)
    # Shown at the south region (her team and store have too few people): in no store.
    assert (reach.units, reach.stores) == (2, 1)
    matrix = await journey_matrix(session, rita, EVERYONE)
    assert {(c.unit.id, c.insights) for c in matrix.by_unit} == {
        (south, 1),
        (world.units["store_b"].id, 1),
    }
    reports = [
        reach,
        matrix,
        await status_times(session, rita, EVERYONE),
        *await theme_priorities(session, rita, EVERYONE),
        await theme_reach_of(session, rita, theme_id, EVERYONE),
    ]
    for report in reports:
        assert str(team) not in report.model_dump_json()
        assert str(world.units["store_a"].id) not in report.model_dump_json()
    # Filtering by her team does not single it out.
    assert await theme_reach(session, rita, ThemeReportQuery(unit_id=team)) == []


async def test_a_reader_sees_their_scope_only(session: AsyncSession, world: World) -> None:
    theme_id = await theme(
        session,
        world,
        "Hyllyt",
        await post(session, world, "anna"),
        await post(session, world, "ben"),
    )
    mia = await who(session, world, "mia")
    (reach,) = await theme_reach(session, mia, EVERYONE)
    assert (reach.insights, reach.units) == (1, 1)
    assert (await theme_reach_of(session, mia, theme_id, EVERYONE)).insights == 1
    with pytest.raises(NotFound):
        await theme_reach(session, mia, ThemeReportQuery(unit_id=world.units["store_b"].id))
    with pytest.raises(NotFound):
        await journey_matrix(session, mia, ThemeReportQuery(unit_id=world.units["p_branch"].id))
    for report in (theme_reach, journey_matrix, status_times, theme_priorities):
        with pytest.raises(Forbidden) as denied:
            await report(session, await who(session, world, "anna"), EVERYONE)
        assert denied.value.code == "not_a_reader"


async def test_another_organisations_theme_is_not_found(
    session: AsyncSession, world: World
) -> None:
    theirs = await theme(
        session, world, "Pankin teema", await post(session, world, "olli"), org="pankki"
    )
    hanna = await who(session, world, "hanna")
    for theme_id in (theirs, uuid.uuid4()):
        with pytest.raises(NotFound) as missing:
            await theme_reach_of(session, hanna, theme_id, EVERYONE)
        assert missing.value.code == "not_found"
    # Their own administrator reads it.
    assert (
        await theme_reach_of(session, await who(session, world, "pekka"), theirs, EVERYONE)
    ).insights == 1


async def test_the_weekly_trend_has_every_week(session: AsyncSession, world: World) -> None:
    # Monday 2025-03-03 to Friday 2025-04-04: weeks 10 to 14.
    start = datetime(2025, 3, 3, 9, tzinfo=UTC)
    clock.freeze(datetime(2025, 4, 4, 12, tzinfo=UTC))
    early, late, later = [await post(session, world, "aku") for _ in range(3)]
    await set_posted(session, early, datetime(2025, 3, 4, tzinfo=UTC))
    await set_posted(session, late, datetime(2025, 3, 26, tzinfo=UTC))
    await set_posted(session, later, datetime(2025, 3, 27, tzinfo=UTC))
    theme_id = await theme(session, world, "Trendi", early, late, later)

    reach = await theme_reach_of(
        session, await who(session, world, "mia"), theme_id, ThemeReportQuery(start=start)
    )
    assert [(w.week, w.start, w.insights) for w in reach.trend] == [
        ("2025-W10", date(2025, 3, 3), 1),
        ("2025-W11", date(2025, 3, 10), 0),
        ("2025-W12", date(2025, 3, 17), 0),
        ("2025-W13", date(2025, 3, 24), 2),
        ("2025-W14", date(2025, 3, 31), 0),
    ]
    # A theme without insights in the period still has every week, all empty.
    monday = datetime(2025, 3, 3, tzinfo=UTC)
    empty = await theme_reach_of(
        session,
        await who(session, world, "mia"),
        theme_id,
        ThemeReportQuery(start=monday - timedelta(days=14), end=monday),
    )
    assert (empty.insights, empty.reporters_fewer_than, empty.first_seen) == (0, 3, None)
    assert [w.insights for w in empty.trend] == [0, 0]


async def test_the_period_is_checked(session: AsyncSession, world: World) -> None:
    hanna = await who(session, world, "hanna")
    now = clock.now()
    for start, end in ((now, now), (now - timedelta(days=800), now)):
        with pytest.raises(InvalidInput) as bad:
            await theme_reach(session, hanna, ThemeReportQuery(start=start, end=end))
        assert bad.value.code == "invalid_period"


async def test_journey_matrix(session: AsyncSession, world: World) -> None:
    a = [await post(session, world, "anna", stage="purchase") for _ in range(3)]
    b = [await post(session, world, "ben", stage="billing"), await post(session, world, "ben")]
    c = await post(session, world, "cecilia", stage="purchase")
    kassat = await theme(session, world, "Kassat", *a, b[0])
    laskut = await theme(session, world, "Laskut", b[1], c)
    hanna = await who(session, world, "hanna")
    matrix = await journey_matrix(session, hanna, EVERYONE)

    keys = [s.key for s in matrix.stages]
    assert keys[:3] == ["awareness", "research", "purchase"] and keys[-1] is None
    assert [t.id for t in matrix.themes] == [kassat, laskut]
    cells = {
        (s.key, t.name): matrix.counts[i][j]
        for i, s in enumerate(matrix.stages)
        for j, t in enumerate(matrix.themes)
    }
    assert cells["purchase", "Kassat"] == 3 and cells["billing", "Kassat"] == 1
    assert cells["purchase", "Laskut"] == 1 and cells[None, "Laskut"] == 1
    assert sum(sum(row) for row in matrix.counts) == 6
    # By the root's children: the regions.
    south, north = world.units["south"].id, world.units["north"].id
    assert {(c.stage, c.theme_id, c.unit.id, c.insights) for c in matrix.by_unit} == {
        ("purchase", kassat, south, 3),
        ("billing", kassat, south, 1),
        (None, laskut, south, 1),
        ("purchase", laskut, north, 1),
    }
    dominant = {
        d.theme.id: [(s.stage.key, s.insights, s.share) for s in d.stages]
        for d in matrix.dominant_stages
    }
    assert dominant[kassat] == [("purchase", 3, 0.75), ("billing", 1, 0.25)]
    assert dominant[laskut] == [("purchase", 1, 0.5)]


async def test_time_in_each_status_and_stalled_actions(session: AsyncSession, world: World) -> None:
    t0 = datetime(2025, 5, 5, 8, tzinfo=UTC)
    clock.freeze(t0)
    done = await post(session, world, "anna", stage="support")
    waiting = await post(session, world, "aku", stage="support")
    fresh = await post(session, world, "aku")
    mia = await who(session, world, "mia")
    moves = [
        (1, done, InsightStatus.ACKNOWLEDGED),
        (2, waiting, InsightStatus.ACKNOWLEDGED),
        (3, done, InsightStatus.IN_PROGRESS),
        (6, done, InsightStatus.RESOLVED),
    ]
    for hours, insight_id, status in moves:
        clock.freeze(t0 + timedelta(hours=hours))
        await insights_service.change_status(session, mia, insight_id, status, note="Korjattu.")
    clock.freeze(t0 + timedelta(hours=7))
    # Linking the action starts work on the insight it answers.
    await actions_service.create_action(
        session,
        mia,
        ActionCreate(title="Lisää kassoja", due_on=date(2025, 5, 1), insight_ids=[waiting]),
    )
    theme_id = await theme(session, world, "Palvelu", done, waiting, fresh)
    clock.freeze(t0 + timedelta(hours=10))

    times = await status_times(session, mia, EVERYONE)
    (by_theme,) = times.by_theme
    assert (by_theme.theme.id, by_theme.insights) == (theme_id, 3)
    hour = 3600.0
    seconds = {d.status: (d.count, d.median_seconds) for d in by_theme.statuses}
    # new: 1 h (done), 2 h (waiting), 10 h and counting (fresh).
    assert seconds[InsightStatus.NEW] == (3, 2 * hour)
    # acknowledged: 2 h (done), 5 h (waiting, until the action started it).
    assert seconds[InsightStatus.ACKNOWLEDGED] == (2, 3.5 * hour)
    # in progress: 3 h (done), 3 h and counting (waiting).
    assert seconds[InsightStatus.IN_PROGRESS] == (2, 3 * hour)
    assert (by_theme.actions.open, by_theme.actions.overdue) == (1, 1)
    assert by_theme.actions.median_open_age_seconds == 3 * hour

    stages = {g.stage.key: g for g in times.by_stage}
    assert set(stages) == {"support", None}
    assert stages["support"].insights == 2 and stages[None].insights == 1
    assert stages[None].actions.open == 0
    support = {d.status: d for d in stages["support"].statuses}
    assert support[InsightStatus.NEW].p90_seconds == pytest.approx(1.9 * hour)


async def test_priorities_explain_their_score(session: AsyncSession, world: World) -> None:
    posted = datetime(2025, 6, 2, 12, tzinfo=UTC)
    clock.freeze(posted)
    wide = [
        await post(session, world, name, impact=ImpactLevel.HIGH, customers=40)
        for name in ("anna", "aku", "ben", "cecilia")
    ]
    narrow = [await post(session, world, "anna") for _ in range(2)]
    await set_posted(session, narrow[0], clock.now() - timedelta(days=44))
    wide_id = await theme(session, world, "Laaja", *wide)
    narrow_id = await theme(session, world, "Kapea", *narrow)
    clock.freeze(posted + timedelta(minutes=1))

    ranked = await theme_priorities(session, await who(session, world, "hanna"), EVERYONE)
    assert [(p.rank, p.theme.id) for p in ranked] == [(1, wide_id), (2, narrow_id)]
    for priority in ranked:
        assert [t.name for t in priority.terms] == list(PriorityTermName)
        assert sum(t.weight for t in priority.terms) == pytest.approx(1.0)
        assert priority.score == pytest.approx(sum(t.contribution for t in priority.terms))
        for term in priority.terms:
            assert 0 <= term.value <= 1
            assert term.contribution == pytest.approx(term.weight * term.value, abs=1e-4)
    top, low = ({t.name: t for t in p.terms} for p in ranked)
    assert top[PriorityTermName.REACH].value == 1
    assert top[PriorityTermName.REACH].explanation == "4 reporters in 4 units"
    assert low[PriorityTermName.REACH].explanation == "fewer than 3 reporters in 1 unit"
    assert top[PriorityTermName.IMPACT].value == 1
    assert low[PriorityTermName.IMPACT].value == 0
    assert low[PriorityTermName.TREND].value == 0.5
    assert low[PriorityTermName.TREND].explanation == (
        "1 insight in the last 4 weeks, 1 in the 4 before"
    )
    assert low[PriorityTermName.OPEN_AGE].value == pytest.approx(22 / 60, abs=1e-3)
    assert low[PriorityTermName.OPEN_AGE].explanation == "2 open insights, median age 22 days"
