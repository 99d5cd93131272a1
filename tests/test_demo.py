"""The demo organisation: what someone trying the platform would notice."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.actions.models import Action, ActionInsight, ActionStatus
from app.analytics import linkage
from app.analytics.linkage_schemas import LinkageQuery
from app.demo.content.organisation import DEMO_LOGINS
from app.demo.seed import seed_demo
from app.demo.summary import DemoSummary
from app.insights import queries as insight_queries
from app.insights.models import (
    Comment,
    Endorsement,
    Insight,
    InsightEvent,
    InsightStatus,
    Visibility,
)
from app.insights.schemas import InsightFilters
from app.org import service as org_service
from app.org.models import Person, Role, RoleGrant, Unit, UnitKind
from app.org.taxonomy import InsightKind
from app.platform import clock
from app.surveys.models import SurveyWave, WaveStatus
from app.themes import catchup, journey, reports
from app.themes import service as theme_service
from app.themes.report_schemas import ThemeReportQuery
from app.web.runtime import Runtime


async def test_demo_chain(session: AsyncSession) -> None:
    summary = await seed_demo(session)
    assert isinstance(summary, DemoSummary)
    org_id = summary.org_id
    # The seed moved the clock through ninety days and let it go again.
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(minutes=1)

    # ~30 people in every role, in a tree of regions, stores, teams and functions.
    people = await session.scalar(select(func.count()).where(Person.org_id == org_id))
    assert people is not None and 25 <= people <= 40
    roles = set(await session.scalars(select(RoleGrant.role).where(RoleGrant.org_id == org_id)))
    assert roles == set(Role)
    kinds = set(await session.scalars(select(Unit.kind).where(Unit.org_id == org_id)))
    assert kinds == set(UnitKind)

    insights = (
        await session.execute(
            select(
                Insight.kind,
                Insight.status,
                Insight.language,
                Insight.visibility,
                Insight.loop_closed_at,
            ).where(Insight.org_id == org_id)
        )
    ).all()
    assert len(insights) >= 180
    assert {i.kind for i in insights} == set(InsightKind)
    statuses = Counter(i.status for i in insights)
    assert set(statuses) == set(InsightStatus)
    assert {"fi", "en"} <= {i.language for i in insights}
    languages = Counter(i.language for i in insights)
    assert languages["fi"] > languages["en"] > 10
    confidential = sum(i.visibility is Visibility.CONFIDENTIAL for i in insights)
    assert 0.05 * len(insights) <= confidential <= 0.2 * len(insights)

    # Closed loops, and resolved ones whose reporter is still waiting to hear.
    assert any(i.loop_closed_at is not None for i in insights)
    assert any(i.status is InsightStatus.RESOLVED and i.loop_closed_at is None for i in insights)
    assert any(i.status is InsightStatus.DECLINED and i.loop_closed_at for i in insights)
    # Merged duplicates whose reporters heard the outcome with the parent's, and "me too"s.
    assert any(i.status is InsightStatus.MERGED and i.loop_closed_at for i in insights)
    backed = await session.scalar(
        select(func.count()).select_from(Endorsement).where(Endorsement.org_id == org_id)
    )
    assert backed

    # Two-way threads.
    commenters = await session.execute(
        select(Comment.insight_id, func.count(func.distinct(Comment.author_id)))
        .where(Comment.org_id == org_id)
        .group_by(Comment.insight_id)
    )
    assert any(n == 2 for _, n in commenters)
    confidential_replies = await session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(Insight, (Insight.org_id == Comment.org_id) & (Insight.id == Comment.insight_id))
        .where(
            Comment.org_id == org_id,
            Comment.author_id == Insight.author_id,
            Insight.visibility == Visibility.CONFIDENTIAL,
        )
    )
    assert confidential_replies

    # Ninety days of history, replayed in order: every timeline runs forward in time.
    oldest = await session.scalar(
        select(func.min(Insight.created_at)).where(Insight.org_id == org_id)
    )
    assert oldest is not None and oldest < datetime.now(UTC) - timedelta(days=80)
    events = await session.execute(
        select(InsightEvent.insight_id, InsightEvent.created_at)
        .where(InsightEvent.org_id == org_id)
        .order_by(InsightEvent.id)
    )
    latest: dict[object, datetime] = {}
    for insight_id, created_at in events:
        assert created_at >= latest.get(insight_id, created_at)
        latest[insight_id] = created_at

    # Actions, some answering insights from several units, some done with an outcome.
    rows = await session.execute(
        select(ActionInsight.action_id, func.count(func.distinct(Insight.unit_id)))
        .join(
            Insight,
            (Insight.org_id == ActionInsight.org_id) & (Insight.id == ActionInsight.insight_id),
        )
        .where(ActionInsight.org_id == org_id)
        .group_by(ActionInsight.action_id)
    )
    units_per_action = {action_id: n for action_id, n in rows}
    assert 15 <= len(units_per_action) <= 25
    assert max(units_per_action.values()) >= 4
    done = list(
        await session.scalars(
            select(Action).where(Action.org_id == org_id, Action.status == ActionStatus.DONE)
        )
    )
    assert done and all(a.outcome and a.completed_at for a in done)

    # The published logins exist, with the role they are published for.
    for role, email in DEMO_LOGINS.items():
        person = await session.scalar(
            select(Person).where(Person.org_id == org_id, Person.email == email)
        )
        assert person is not None, email
        principal = await org_service.load_principal(session, person.subject)
        assert principal is not None
        units = await org_service.unit_names(session, org_id, [g.unit_id for g in principal.grants])
        grants = {(g.role, units[g.unit_id]) for g in principal.grants}
        expected = {
            "frontline": (Role.FRONTLINE, "Helsinki Kamppi"),
            "store_manager": (Role.MANAGER, "Helsinki Kamppi"),
            "region_manager": (Role.MANAGER, "Etelä-Suomi"),
            "hr": (Role.HR, "Pohjolan Kauppa Oy"),
            "admin": (Role.ADMIN, "Pohjolan Kauppa Oy"),
        }[role]
        assert expected in grants, (role, grants)
    assert set(DEMO_LOGINS) == {"frontline", "store_manager", "region_manager", "hr", "admin"}

    # The store manager's inbox has work in it, the overdue first.
    manager = await session.scalar(
        select(Person).where(Person.org_id == org_id, Person.email == DEMO_LOGINS["store_manager"])
    )
    assert manager is not None
    principal = await org_service.load_principal(session, manager.subject)
    assert principal is not None
    inbox = await insight_queries.list_insights(
        session, principal, scope="inbox", filters=InsightFilters(), limit=100
    )
    flags = [item.overdue for item in inbox.items]
    assert flags and flags[0] and not flags[-1]
    assert flags == sorted(flags, reverse=True)

    # The frontline login has followed-up insights of their own.
    frontline = await session.scalar(
        select(Person).where(Person.org_id == org_id, Person.email == DEMO_LOGINS["frontline"])
    )
    assert frontline is not None
    me = await org_service.load_principal(session, frontline.subject)
    assert me is not None
    mine = await insight_queries.list_insights(
        session, me, scope="mine", filters=InsightFilters(), limit=100
    )
    assert len(mine.items) >= 8
    assert any(item.loop_closed_at for item in mine.items)

    # The printed summary names every login and the counts.
    text = str(summary)
    assert all(email in text for email in DEMO_LOGINS.values())
    assert str(summary.insights) in text and '"demo"' in text
    assert summary.insights == len(insights)


async def test_the_demo_shows_themes_out_of_the_box(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], runtime: Runtime
) -> None:
    """What `insight seed --demo` and `make run` do after seeding: embed every insight and
    re-cluster, so that themes, their reach and the journey heat map have something to show."""
    summary = await seed_demo(session)
    await session.commit()
    embedder = runtime.embedder
    assert embedder is not None

    async def quiet(step: str, done: int, total: int) -> None:
        return None

    embedded = await catchup.embed_all(sessions, embedder, quiet)
    # Every insight is taken from the backlog; merged ones follow their parent, unembedded.
    assert embedded.embedded + embedded.dropped >= summary.insights
    outcome = await catchup.recluster_now(sessions, summary.org_id, embedder, quiet)
    assert outcome.themes >= 5
    assert outcome.themed >= summary.insights // 2

    hr = next(login for login in summary.logins if login.role == "hr")
    person = await session.scalar(select(Person).where(Person.email == hr.email))
    assert person is not None
    actor = await org_service.load_principal(session, person.subject)
    assert actor is not None
    themes = await theme_service.list_themes(session, actor)
    assert len(themes) >= 5
    assert all(t.label_fi and t.label_en for t in themes)
    reach = await reports.theme_reach(session, actor, ThemeReportQuery())
    assert reach and reach[0].insights > 0
    assert {r.breadth.value for r in reach} & {"local", "systemic"}
    matrix = await journey.journey_matrix(session, actor, ThemeReportQuery())
    assert sum(map(sum, matrix.counts)) > 0


async def test_the_demo_shows_linkage_for_hr(session: AsyncSession) -> None:
    """Two closed pulse waves, an open one, and a year of customer outcomes per store: HR's
    linkage has enough units, the planted association shows, and the store too small for
    its answers to be shown is held back."""
    summary = await seed_demo(session)
    waves = Counter(
        (
            await session.execute(
                select(SurveyWave.status).where(SurveyWave.org_id == summary.org_id)
            )
        ).scalars()
    )
    assert waves == {WaveStatus.CLOSED: 2, WaveStatus.OPEN: 1}
    hr = next(login for login in summary.logins if login.role == "hr")
    person = await session.scalar(select(Person).where(Person.email == hr.email))
    assert person is not None
    actor = await org_service.load_principal(session, person.subject)
    assert actor is not None
    report = await linkage.linkage(session, actor, LinkageQuery())
    assert report.sufficient and len(report.points) >= 30
    assert report.suppressed_periods >= 2
    assert "Rovaniemi Revontuli" not in {p.unit.name for p in report.points}
    assert report.model is not None
    slope = report.model.within_unit_slope
    assert slope.low is not None and slope.low > 0
    drivers = await linkage.drivers(session, actor, LinkageQuery())
    assert drivers.sufficient and len(drivers.drivers) == 4
