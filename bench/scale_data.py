"""The million-insight organisation that `bench/hot_paths.py` measures the platform at.

    .venv/bin/python bench/scale_data.py [--insights 1000000] [--fresh] [--database NAME]

On INSIGHT_DATABASE_URL's server, or the embedded one (as bench/hot_paths.py), it builds a
database `insight_scale`, or reuses it when a complete one of the same size and data format is
there (the marker table `bench_scale_marker` is written last):

- migrated with `app.platform.migrations.upgrade`;
- through the app's own services: the organisation with its default routing rule, a company
  root, REGIONS regions of STORES_PER_REGION stores (every TEAM_EVERY-th store with two teams
  beneath), a manager on every store and region, two company managers and an HR person;
- with COPY (what the services would write): FRONTLINE_PER_STORE frontline people in every
  store and their grants, and the insights, spread unevenly over the stores and about three
  years, more of them lately: mostly resolved or declined (acknowledged, closed and the loop
  closed at consistent times), a few per cent open (some overdue), some escalated to the
  region or the company, a few merged into an earlier insight of the same store; one store
  (the store manager persona's) carries a neglected backlog, so that its inbox, its
  region's and the company's have twenty pages of open insights;
- in SQL from those rows: the timelines (`posted`, `routed`, `escalated`, `acknowledged`,
  `started`, `resolved`/`declined`, `merged`/`merged_into`, `reporter_told`, `loop_closed`,
  with the data the services write) and the reporters' answers (`loop_communications`).

It is written as the server's superuser, as bench/themes_scale.py does, with
`session_replication_role = replica` (no foreign-key or queueing triggers: the rows are built
consistent) and the tables' secondary indexes dropped during the load and built after it.
Then ANALYZE. Other scripts use `build()`, `personas()` and `tokens()`.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import numpy as np
from sqlalchemy import make_url, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.auth.tokens import BuiltinKeys, issue_access_token  # noqa: E402
from app.insights import policies as insight_policies  # noqa: E402
from app.org import service as org_service  # noqa: E402
from app.org.models import Organisation, Role, UnitKind  # noqa: E402
from app.org.taxonomy import DEFAULT_JOURNEY_STAGES, DEFAULT_TOUCHPOINTS  # noqa: E402
from app.platform.db import create_engine, session_factory, start_embedded_server  # noqa: E402
from app.platform.migrations import upgrade  # noqa: E402
from app.routing import service as routing_service  # noqa: E402
from app.routing.models import RoutingRule  # noqa: E402

DATABASE = "insight_scale"
SLUG = "scale"
# Bump when what is built changes: a database of another format is rebuilt.
FORMAT_VERSION = 1
MARKER = "bench_scale_marker"
REGIONS, STORES_PER_REGION = 20, 100
TEAM_EVERY, TEAMS_PER_STORE, PEOPLE_PER_TEAM = 20, 2, 3
FRONTLINE_PER_STORE = 10
# The persona store's neglected backlog: open insights past their deadlines.
BACKLOG = 3_000
YEARS = 3
SEED = 20261201
COPY_BATCH = 50_000
ISSUER = "http://127.0.0.1:8000"
AUDIENCE = "insight-api"
ACK_MINUTES, RESPOND_MINUTES = 48 * 60, 168 * 60
PERSONA_SUBJECTS = {
    "store_manager": "scale|store-manager",
    "region_manager": "scale|region-manager",
    "company_manager": "scale|company-manager",
    "frontline": "scale|frontline",
    "hr": "scale|hr",
}

TEXTS = (
    ("fi", "Itsepalvelukassa ei hyväksy bonuskorttia aamuisin, asiakkaat joutuvat jonoon."),
    ("fi", "Maitohyllyn jäähdytys pettää iltapäivisin ja tuotteet lämpenevät."),
    ("fi", "Asiakas kysyi gluteenittomia leipiä, mutta hylly oli tyhjä jo kymmeneltä."),
    ("fi", "Pullonpalautusautomaatti on ollut rikki kolme päivää."),
    ("fi", "Kassajonot venyvät lauantaisin, koska vain kaksi kassaa on auki."),
    ("fi", "Ehdotus: hintalaput myös ruotsiksi, moni asiakas kysyy niitä."),
    ("fi", "Asiakas kehui kalatiskin palvelua ja neuvoja ruoanlaittoon."),
    ("fi", "Verkkotilausten noutokaappi ei avaudu koodilla."),
    ("fi", "Lastauslaiturin ovi jumittaa, kuormat myöhästyvät."),
    ("fi", "Tarjouskampanjan tuotteita ei ollut hyllyssä kampanjan alkaessa."),
    ("en", "Self-checkout rejects the loyalty card in the morning; customers queue."),
    ("en", "The dairy fridge loses cooling in the afternoon and products warm up."),
    ("en", "A customer asked for gluten-free bread but the shelf was empty by ten."),
    ("en", "The bottle return machine has been broken for three days."),
    ("en", "Checkout queues are long on Saturdays with only two tills open."),
    ("en", "Idea: price labels in Swedish too, many customers ask for them."),
    ("en", "A customer praised the fish counter's service and cooking tips."),
    ("en", "The click-and-collect locker does not open with the code."),
    ("en", "The loading dock door sticks and deliveries run late."),
    ("en", "Campaign products were not on the shelf when the campaign started."),
)
KINDS = ("observation", "customer_story", "idea", "complaint", "praise")
KIND_WEIGHTS = (0.35, 0.2, 0.15, 0.25, 0.05)
RESOLUTIONS = ("Korjattu.", "Tilattu lisää.", "Huolto käynyt.", "Ohjeistettu henkilökunta.")
DECLINES = ("Ei toteuteta nyt.", "Ketjun päätös.", "Ei toistunut.")


def log(started: float, message: str) -> None:
    print(f"  [{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def server_url() -> str:
    """INSIGHT_DATABASE_URL's server, or the embedded one (as bench/hot_paths.py)."""
    url = os.environ.get("INSIGHT_DATABASE_URL")
    if url:
        return url
    return start_embedded_server(ROOT / ".insight" / "bench", database="postgres")


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    return await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database=parsed.database,
    )


async def _complete(server: str, database: str, insights: int) -> bool:
    admin = await connect(server)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
    finally:
        await admin.close()
    if not exists:
        return False
    conn = await connect(with_database(server, database))
    try:
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", MARKER):
            return False
        row = await conn.fetchrow(f"SELECT insights, format FROM {MARKER}")
    finally:
        await conn.close()
    return row is not None and tuple(row) == (insights, FORMAT_VERSION)


# ---------------------------------------------------------------------------------------
# The organisation, through the services


@dataclass
class Tree:
    org_id: uuid.UUID
    root: tuple[uuid.UUID, str]
    regions: list[tuple[uuid.UUID, str]]
    # (id, name, region index) of every store, and each store's teams (id, name)
    stores: list[tuple[uuid.UUID, str, int]]
    teams: dict[uuid.UUID, list[tuple[uuid.UUID, str]]]
    managers: dict[uuid.UUID, uuid.UUID]  # unit -> its manager (the company: the first)
    rule: tuple[uuid.UUID, str]


async def _build_tree(url: str, started: float) -> Tree:
    engine = create_engine(url, pool_size=1)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        org, root = await org_service.create_organisation(session, name="Scale Oy", slug=SLUG)
        await routing_service.add_default_rule(session, org)
        rule = (
            await session.execute(
                select(RoutingRule.id, RoutingRule.name).where(RoutingRule.org_id == org.id)
            )
        ).one()
        tree = Tree(org.id, (root.id, root.name), [], [], {}, {}, (rule.id, rule.name))
        for r in range(REGIONS):
            region = await org_service.create_unit(
                session, org_id=org.id, parent_id=root.id, name=f"Alue {r + 1:02}",
                kind=UnitKind.REGION,
            )  # fmt: skip
            tree.regions.append((region.id, region.name))
            for s in range(STORES_PER_REGION):
                store = await org_service.create_unit(
                    session, org_id=org.id, parent_id=region.id,
                    name=f"Myymälä {r + 1:02}-{s + 1:03}", kind=UnitKind.STORE,
                )  # fmt: skip
                tree.stores.append((store.id, store.name, r))
                if s % TEAM_EVERY == TEAM_EVERY - 1:
                    teams = []
                    for t in range(TEAMS_PER_STORE):
                        team = await org_service.create_unit(
                            session, org_id=org.id, parent_id=store.id,
                            name=f"{store.name} tiimi {t + 1}", kind=UnitKind.TEAM,
                        )  # fmt: skip
                        teams.append((team.id, team.name))
                    tree.teams[store.id] = teams
        units = 1 + len(tree.regions) + len(tree.stores) + sum(map(len, tree.teams.values()))
        log(started, f"{units:,} units")

        async def manager(
            key: str, home: uuid.UUID, role: Role, subject: str | None = None
        ) -> uuid.UUID:
            person = await org_service.create_person(
                session, org_id=org.id, email=f"{key}@scale.test", display_name=key,
                home_unit_id=home, subject=subject or f"scale|{key}",
            )  # fmt: skip
            await org_service.grant_role(
                session, org_id=org.id, person_id=person.id, role=role, unit_id=home
            )
            return person.id

        tree.managers[root.id] = await manager(
            "company-1", root.id, Role.MANAGER, PERSONA_SUBJECTS["company_manager"]
        )
        await manager("company-2", root.id, Role.MANAGER)
        await manager("hr", root.id, Role.HR, PERSONA_SUBJECTS["hr"])
        persona_store = _persona_store(tree)
        for r, (region_id, _) in enumerate(tree.regions):
            subject = (
                PERSONA_SUBJECTS["region_manager"] if r == tree.stores[persona_store][2] else None
            )
            tree.managers[region_id] = await manager(
                f"region-{r + 1:02}", region_id, Role.MANAGER, subject
            )
        for i, (store_id, _, r) in enumerate(tree.stores):
            subject = PERSONA_SUBJECTS["store_manager"] if i == persona_store else None
            tree.managers[store_id] = await manager(
                f"store-{r + 1:02}-{i % STORES_PER_REGION + 1:03}", store_id, Role.MANAGER, subject
            )
    await engine.dispose()
    log(started, f"{len(tree.managers) + 2:,} managers and HR with their grants")
    return tree


def _store_weights() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    weights = rng.lognormal(0.0, 1.0, REGIONS * STORES_PER_REGION)
    return weights / weights.sum()


def _persona_store(tree: Tree) -> int:
    """The busiest store without teams: the store manager persona's."""
    weights = _store_weights()
    for i in np.argsort(-weights):
        if tree.stores[int(i)][0] not in tree.teams:
            return int(i)
    raise AssertionError("no store without teams")


# ---------------------------------------------------------------------------------------
# Frontline people, with COPY


async def _copy_frontline(
    conn: asyncpg.Connection, tree: Tree, started: float
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Frontline people homed in every store (some in its teams), each with a frontline
    grant on their home unit, as `create_person` and `grant_role` write them. Returns the
    people by home unit."""
    people, grants = [], []
    by_unit: dict[uuid.UUID, list[uuid.UUID]] = {}
    persona_store = _persona_store(tree)
    for i, (store_id, _, r) in enumerate(tree.stores):
        homes = [store_id] * FRONTLINE_PER_STORE
        for t, (team_id, _) in enumerate(tree.teams.get(store_id, [])):
            for k in range(PEOPLE_PER_TEAM):
                homes[t * PEOPLE_PER_TEAM + k] = team_id
        for k, home in enumerate(homes):
            person_id = uuid.uuid4()
            key = f"staff-{r + 1:02}-{i % STORES_PER_REGION + 1:03}-{k + 1:02}"
            subject = (
                PERSONA_SUBJECTS["frontline"]
                if i == persona_store and k == FRONTLINE_PER_STORE - 1
                else f"insight|{person_id}"
            )
            people.append(
                (tree.org_id, person_id, subject, f"{key}@scale.test", key, home, "fi", True)
            )
            grants.append((tree.org_id, person_id, "frontline", home))
            by_unit.setdefault(home, []).append(person_id)
    await conn.copy_records_to_table(
        "people",
        records=people,
        columns=(
            "org_id", "id", "subject", "email", "display_name", "home_unit_id", "locale",
            "active",
        ),
    )  # fmt: skip
    await conn.copy_records_to_table(
        "role_grants", records=grants, columns=("org_id", "person_id", "role", "unit_id")
    )
    log(started, f"{len(people):,} frontline people and grants copied")
    return by_unit


# ---------------------------------------------------------------------------------------
# Insights, with COPY

INSIGHT_COLUMNS = (
    "org_id", "id", "unit_id", "shown_unit_id", "author_id", "kind", "text", "language",
    "journey_stage", "touchpoint", "customer_impact", "occurred_at", "visibility", "status",
    "owner_unit_id", "ack_due_at", "respond_due_at", "ack_minutes", "respond_minutes",
    "escalation_level", "acknowledged_at", "closed_at", "resolution", "loop_closed_at",
    "merged_into_id", "endorsement_count", "version", "created_at", "updated_at",
)  # fmt: skip

OPEN = ("new", "acknowledged", "in_progress")


@dataclass
class Plan:
    """Per insight, drawn with numpy: which store, when, what became of it."""

    store: np.ndarray
    age_days: np.ndarray
    status: np.ndarray
    level: np.ndarray
    ack_hours: np.ndarray
    close_hours: np.ndarray
    told_hours: np.ndarray
    told: np.ndarray
    confidential: np.ndarray
    text: np.ndarray
    kind: np.ndarray
    impact: np.ndarray
    stage: np.ndarray
    touchpoint: np.ndarray
    in_team: np.ndarray
    occurred_hours: np.ndarray


def _plan(n: int, persona_store: int, rng: np.random.Generator) -> Plan:
    weights = _store_weights()
    backlog = min(BACKLOG, n // 10)
    regular = n - backlog
    store = np.concatenate(
        [rng.choice(len(weights), size=regular, p=weights), np.full(backlog, persona_store)]
    )
    # More insights lately: the chain grew over the years.
    days = 365.0 * YEARS
    age = np.concatenate(
        [days * (1.0 - np.sqrt(rng.uniform(0.0, 1.0, regular))), rng.uniform(9.0, 120.0, backlog)]
    )
    recent = age <= 30
    status = np.empty(n, dtype=object)
    old_choice = rng.choice(
        ("resolved", "declined", "merged", "in_progress", "acknowledged", "new"),
        size=n, p=(0.80, 0.12, 0.05, 0.01, 0.01, 0.01),
    )  # fmt: skip
    new_choice = rng.choice(
        ("new", "acknowledged", "in_progress", "resolved", "declined", "merged"),
        size=n, p=(0.25, 0.2, 0.2, 0.25, 0.05, 0.05),
    )  # fmt: skip
    status[:] = np.where(recent, new_choice, old_choice)
    status[regular:] = rng.choice(OPEN, size=backlog, p=(0.5, 0.3, 0.2))
    is_open = np.isin(status, OPEN)
    # Overdue: new past the acknowledgement deadline, or open past the response deadline.
    overdue = is_open & (((status == "new") & (age > 2)) | (age > 7))
    u = rng.uniform(0.0, 1.0, n)
    level = np.zeros(n, dtype=np.int16)
    # Open and overdue: escalated once (to the region) or twice (to the company) mostly.
    level[overdue & (u < 0.45)] = 1
    level[overdue & (u >= 0.45) & (u < 0.65)] = 2
    closed_or_merged = ~is_open & (age > 4.5)
    level[closed_or_merged & (u < 0.15)] = 1
    level[closed_or_merged & (u >= 0.15) & (u < 0.21)] = 2
    # The persona store's backlog reaches its region more than the company.
    in_backlog = np.zeros(n, dtype=bool)
    in_backlog[regular:] = True
    level[in_backlog] = np.where(u[in_backlog] < 0.4, 1, np.where(u[in_backlog] < 0.5, 2, 0))
    level[in_backlog & ~overdue] = 0
    return Plan(
        store=store,
        age_days=age,
        status=status,
        level=level,
        # Hours from posting (after any escalation) to acknowledging, closing, telling.
        ack_hours=rng.lognormal(np.log(10.0), 1.0, n),
        close_hours=rng.lognormal(np.log(60.0), 1.1, n),
        told_hours=rng.lognormal(np.log(4.0), 1.0, n),
        told=rng.uniform(0.0, 1.0, n) < 0.82,
        confidential=rng.uniform(0.0, 1.0, n) < 0.12,
        text=rng.integers(len(TEXTS), size=n),
        kind=rng.choice(len(KINDS), size=n, p=KIND_WEIGHTS),
        impact=rng.choice(4, size=n, p=(0.4, 0.3, 0.2, 0.1)),
        stage=rng.integers(-len(DEFAULT_JOURNEY_STAGES) * 2, len(DEFAULT_JOURNEY_STAGES), size=n),
        touchpoint=rng.integers(-len(DEFAULT_TOUCHPOINTS) * 2, len(DEFAULT_TOUCHPOINTS), size=n),
        in_team=rng.uniform(0.0, 1.0, n) < 0.4,
        occurred_hours=rng.uniform(0.0, 30.0, n),
    )


async def _shown_units(
    url: str, tree: Tree, frontline: dict[uuid.UUID, list[uuid.UUID]]
) -> dict[uuid.UUID, uuid.UUID]:
    """Where a confidential insight posted at each unit is shown, by the app's own rule
    (`policies.shown_unit`) for every team, every store with teams and the first store of
    each region; the other stores are alike (their own people are enough), which those
    first stores confirm."""
    engine = create_engine(url, pool_size=1)
    shown: dict[uuid.UUID, uuid.UUID] = {}
    asked: list[uuid.UUID] = []
    for i, (store_id, _, _) in enumerate(tree.stores):
        teams = tree.teams.get(store_id, [])
        if teams or i % STORES_PER_REGION == 0:
            asked += [store_id, *(team_id for team_id, _ in teams)]
    async with session_factory(engine)() as session:
        least = await session.scalar(
            select(Organisation.confidential_unit_min_people).where(Organisation.id == tree.org_id)
        )
        for unit_id in asked:
            found = await session.scalar(insight_policies.shown_unit(tree.org_id, unit_id))
            assert found is not None
            shown[unit_id] = found
    await engine.dispose()
    for i, (store_id, _, _) in enumerate(tree.stores):
        if store_id not in shown:
            assert least is not None and len(frontline[store_id]) + 1 >= least
            assert (
                shown[tree.stores[i - i % STORES_PER_REGION][0]]
                == tree.stores[i - i % STORES_PER_REGION][0]
            )
            shown[store_id] = store_id
    return shown


async def _copy_insights(
    conn: asyncpg.Connection,
    tree: Tree,
    frontline: dict[uuid.UUID, list[uuid.UUID]],
    shown: dict[uuid.UUID, uuid.UUID],
    n: int,
    now: datetime,
    started: float,
) -> None:
    rng = np.random.default_rng(SEED + 1)
    persona_store = _persona_store(tree)
    plan = _plan(n, persona_store, rng)
    log(started, "insights planned")
    hour = timedelta(hours=1)
    stages = [key for key, _, _ in DEFAULT_JOURNEY_STAGES]
    touchpoints = [key for key, _, _ in DEFAULT_TOUCHPOINTS]
    region_of = [tree.regions[r][0] for _, _, r in tree.stores]
    root_id = tree.root[0]
    org_id = tree.org_id
    last_in_store: dict[int, uuid.UUID] = {}
    pick = rng.integers(0, 1 << 30, size=n).tolist()
    ack_hours_ = plan.ack_hours.tolist()
    age_days_ = plan.age_days.tolist()
    close_hours_ = plan.close_hours.tolist()
    confidential_ = plan.confidential.tolist()
    impact_ = plan.impact.tolist()
    in_team_ = plan.in_team.tolist()
    kind_ = plan.kind.tolist()
    level_ = plan.level.tolist()
    occurred_hours_ = plan.occurred_hours.tolist()
    stage_ = plan.stage.tolist()
    status_ = plan.status.tolist()
    store_ = plan.store.tolist()
    text_ = plan.text.tolist()
    told_ = plan.told.tolist()
    told_hours_ = plan.told_hours.tolist()
    touchpoint_ = plan.touchpoint.tolist()

    def rows(first: int, stop: int) -> list[tuple[Any, ...]]:
        """Rows `first` to `stop`, in order (merges look back at earlier rows)."""
        batch: list[tuple[Any, ...]] = []
        for i in range(first, stop):
            batch.append(row(i))
        return batch

    def row(i: int) -> tuple[Any, ...]:
        s = int(store_[i])
        store_id = tree.stores[s][0]
        teams = tree.teams.get(store_id)
        unit_id = teams[int(pick[i]) % len(teams)][0] if teams and in_team_[i] else store_id
        people = frontline[unit_id]
        author = people[int(pick[i]) % len(people)]
        created = now - timedelta(days=float(age_days_[i]))
        status = str(status_[i])
        level = int(level_[i])
        owner = (store_id, region_of[s], root_id)[level]
        # Each escalation came at the deadline missed: two days apart.
        escalated_until = created + timedelta(days=2 * level)
        merged_into = None
        if status == "merged":
            merged_into = last_in_store.get(s)
            if merged_into is None:
                status = "new"
        version = 1 + level
        acknowledged_at = closed_at = loop_closed_at = resolution = None
        updated = escalated_until
        if status != "new" and not (status == "merged" and pick[i] % 2):
            acknowledged_at = min(escalated_until + ack_hours_[i] * hour, now - 0.02 * hour)
            acknowledged_at = max(acknowledged_at, created + 0.01 * hour)
            updated = acknowledged_at
            version += 1
        if status == "in_progress":
            version += 1
        if status in ("resolved", "declined"):
            assert acknowledged_at is not None
            closed_at = min(acknowledged_at + close_hours_[i] * hour, now - 0.01 * hour)
            closed_at = max(closed_at, acknowledged_at)
            version += 2 if pick[i] % 2 == 0 else 1  # started on the way half the time
            resolution = (RESOLUTIONS if status == "resolved" else DECLINES)[int(pick[i]) % 3]
            updated = closed_at
            if told_[i]:
                loop_closed_at = min(closed_at + told_hours_[i] * hour, now)
                updated = loop_closed_at
                version += 1
        if status == "merged":
            updated = max(updated, created + hour)
            version += 1
        if level and status == "new":
            ack_due = escalated_until + timedelta(minutes=ACK_MINUTES)
        else:
            ack_due = created + timedelta(minutes=ACK_MINUTES)
        respond_due = (escalated_until if level else created) + timedelta(minutes=RESPOND_MINUTES)
        language, text = TEXTS[int(text_[i])]
        confidential = bool(confidential_[i])
        insight_id = uuid.uuid4()
        found = (
            org_id,
            insight_id,
            unit_id,
            shown[unit_id] if confidential else unit_id,
            author,
            KINDS[int(kind_[i])],
            text,
            language,
            stages[stage_[i]] if stage_[i] >= 0 else None,
            touchpoints[touchpoint_[i]] if touchpoint_[i] >= 0 else None,
            int(impact_[i]),
            created - occurred_hours_[i] * hour,
            "confidential" if confidential else "named",
            status,
            owner,
            ack_due,
            respond_due,
            ACK_MINUTES,
            RESPOND_MINUTES,
            level,
            acknowledged_at,
            closed_at,
            resolution,
            loop_closed_at,
            merged_into,
            0,
            version,
            created,
            min(updated, now),
        )
        if status != "merged":
            last_in_store[s] = insight_id
        return found

    # The next batch is made in a thread while the server takes the one before.
    pending = asyncio.create_task(asyncio.to_thread(rows, 0, min(n, COPY_BATCH)))
    next_report = 0.2
    for first in range(0, n, COPY_BATCH):
        batch = await pending
        stop = min(n, first + COPY_BATCH)
        if stop < n:
            pending = asyncio.create_task(asyncio.to_thread(rows, stop, min(n, stop + COPY_BATCH)))
        await conn.copy_records_to_table("insights", records=batch, columns=INSIGHT_COLUMNS)
        while stop / n >= next_report - 1e-9:
            log(started, f"{next_report:4.0%} of {n:,} insights copied")
            next_report += 0.2


# ---------------------------------------------------------------------------------------
# Timelines and answers, in SQL from the insights

# The unit each insight was first routed to (its store: teams have no managers) and the
# manager who acted on it (its owner's).
_HELPERS = """
CREATE TEMP TABLE bench_unit_manager (unit_id uuid PRIMARY KEY, person_id uuid NOT NULL);
CREATE TEMP TABLE bench_unit_chain (unit_id uuid PRIMARY KEY, store_id uuid NOT NULL,
  region_id uuid NOT NULL, company_id uuid NOT NULL);
"""

_EVENTS: tuple[tuple[str, str], ...] = (
    (
        "posted",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, 'posted', i.author_id,
             jsonb_build_object('kind', i.kind, 'unit_id', i.shown_unit_id,
                                'customer_contact', false),
             i.created_at, i.created_at
           FROM insights i""",
    ),
    (
        "routed",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, 'routed', NULL,
             jsonb_build_object('owner_unit_id', s.id, 'owner_unit', s.name,
               'rule_id', $1::text, 'rule', $2::text,
               'reason', jsonb_build_object('matched', '{}'::jsonb,
                                            'target', jsonb_build_object('levels_up', 0)),
               'managers', 1,
               'ack_due_at', to_char((i.created_at + make_interval(mins => i.ack_minutes))
                                     AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               'respond_due_at', to_char((i.created_at + make_interval(mins => i.respond_minutes))
                                     AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
             i.created_at, i.created_at
           FROM insights i
           JOIN units u ON u.org_id = i.org_id AND u.id = i.unit_id
           JOIN units s ON s.org_id = i.org_id
             AND s.id = CASE WHEN u.kind = 'team' THEN u.parent_id ELSE u.id END""",
    ),
    (
        "escalated",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, 'escalated', NULL,
             jsonb_build_object('deadline_missed',
                 CASE WHEN i.acknowledged_at IS NULL OR i.acknowledged_at > e.at
                      THEN 'acknowledge' ELSE 'respond' END,
               'due_at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               'from_unit_id', f.id, 'from_unit', f.name, 'to_unit_id', t.id, 'to_unit', t.name,
               'level', e.level, 'managers', 1,
               'ack_due_at', to_char((e.at + make_interval(mins => i.ack_minutes))
                             AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'),
               'respond_due_at', to_char((e.at + make_interval(mins => i.respond_minutes))
                             AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')),
             e.at, e.at
           FROM insights i
           JOIN bench_unit_chain ch ON ch.unit_id = i.unit_id
           CROSS JOIN LATERAL generate_series(1, i.escalation_level) AS l(level)
           CROSS JOIN LATERAL (SELECT l.level,
                 i.created_at + make_interval(days => 2 * l.level) AS at) e
           JOIN units f ON f.org_id = i.org_id
             AND f.id = CASE e.level WHEN 1 THEN ch.store_id ELSE ch.region_id END
           JOIN units t ON t.org_id = i.org_id
             AND t.id = CASE e.level WHEN 1 THEN ch.region_id ELSE ch.company_id END
           WHERE i.escalation_level > 0""",
    ),
    (
        "acknowledged",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, 'acknowledged', m.person_id,
             jsonb_build_object('from', 'new', 'to', 'acknowledged'),
             i.acknowledged_at, i.acknowledged_at
           FROM insights i JOIN bench_unit_manager m ON m.unit_id = i.owner_unit_id
           WHERE i.acknowledged_at IS NOT NULL""",
    ),
    (
        "started",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, 'started', m.person_id,
             jsonb_build_object('from', 'acknowledged', 'to', 'in_progress'),
             t.at, t.at
           FROM insights i JOIN bench_unit_manager m ON m.unit_id = i.owner_unit_id
           CROSS JOIN LATERAL (SELECT CASE WHEN i.status = 'in_progress'
                 THEN i.acknowledged_at + (i.updated_at - i.acknowledged_at) / 2
                 ELSE i.acknowledged_at + (i.closed_at - i.acknowledged_at) / 2 END AS at) t
           WHERE i.status = 'in_progress'
              OR (i.status IN ('resolved', 'declined')
                  AND i.version - i.escalation_level
                      - CASE WHEN i.loop_closed_at IS NULL THEN 0 ELSE 1 END = 4)""",
    ),
    (
        "closed",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, i.id, i.status, m.person_id,
             jsonb_build_object('from',
                 CASE WHEN i.version - i.escalation_level
                      - CASE WHEN i.loop_closed_at IS NULL THEN 0 ELSE 1 END = 4
                      THEN 'in_progress' ELSE 'acknowledged' END,
               'to', i.status, 'note', i.resolution),
             i.closed_at, i.closed_at
           FROM insights i JOIN bench_unit_manager m ON m.unit_id = i.owner_unit_id
           WHERE i.status IN ('resolved', 'declined')""",
    ),
    (
        "merged",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT i.org_id, x.id, x.type, m.person_id, x.data, i.updated_at,
             i.updated_at
           FROM insights i
           JOIN insights p ON p.org_id = i.org_id AND p.id = i.merged_into_id
           JOIN bench_unit_manager m ON m.unit_id = p.owner_unit_id
           CROSS JOIN LATERAL (VALUES
             (p.id, 'merged', jsonb_build_object('insight_ids', jsonb_build_array(i.id))),
             (i.id, 'merged_into', jsonb_build_object('parent_id', p.id))) AS x(id, type, data)
           WHERE i.status = 'merged'""",
    ),
)

_ANSWERS = """
INSERT INTO loop_communications (org_id, id, insight_id, audience, recipient_id, channel,
  message, author_id, status, sent_at, delivered_at, acknowledged_at, created_at, attempts)
SELECT i.org_id, gen_random_uuid(), i.id, 'reporter', i.author_id, 'in_app',
  'Kiitos! ' || i.resolution, m.person_id, 'delivered', i.loop_closed_at, i.loop_closed_at,
  CASE WHEN get_byte(uuid_send(i.id), 1) < 160 THEN i.loop_closed_at + interval '3 hours' END,
  i.loop_closed_at, 0
FROM insights i JOIN bench_unit_manager m ON m.unit_id = i.owner_unit_id
WHERE i.loop_closed_at IS NOT NULL
"""

_TOLD = (
    (
        "reporter_told",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT c.org_id, c.insight_id, 'reporter_told', c.author_id,
             jsonb_build_object('communication_id', c.id, 'channel', 'in_app', 'recipients', 1),
             c.created_at, c.created_at
           FROM loop_communications c""",
    ),
    (
        "loop_closed",
        """INSERT INTO insight_events (org_id, insight_id, type, actor_id, data, created_at,
             webhooks_dispatched_at)
           SELECT c.org_id, c.insight_id, 'loop_closed', c.author_id, '{}'::jsonb,
             c.created_at, c.created_at
           FROM loop_communications c""",
    ),
)

LOADED_TABLES = ("insights", "insight_events", "loop_communications")


async def _drop_indexes(conn: asyncpg.Connection) -> list[str]:
    """Drop the loaded tables' secondary indexes; returns their definitions to rebuild."""
    rows = await conn.fetch(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
           FROM pg_index i
           WHERE i.indrelid = ANY($1::regclass[]) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        list(LOADED_TABLES),
    )
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [row["def"] for row in rows]


async def _write_bulk(url: str, tree: Tree, n: int, started: float) -> None:
    conn = await connect(url)
    try:
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '512MB'")
        await conn.execute("SET synchronous_commit = off")
        frontline = await _copy_frontline(conn, tree, started)
        # Frontline people count towards where a confidential insight is shown: they are
        # in, so the app's own rule answers now.
        shown = await _shown_units(url, tree, frontline)
        log(started, f"shown units of {len(shown):,} units")
        indexes = await _drop_indexes(conn)
        now = datetime.now(UTC).replace(microsecond=0)
        await _copy_insights(conn, tree, frontline, shown, n, now, started)
        await conn.execute(_HELPERS)
        await conn.copy_records_to_table("bench_unit_manager", records=list(tree.managers.items()))
        chain = [
            (store_id, store_id, tree.regions[r][0], tree.root[0]) for store_id, _, r in tree.stores
        ]
        for store_id, _, r in tree.stores:
            for team_id, _ in tree.teams.get(store_id, []):
                chain.append((team_id, store_id, tree.regions[r][0], tree.root[0]))
        await conn.copy_records_to_table("bench_unit_chain", records=chain)
        await conn.execute("ANALYZE insights")
        await conn.execute("ANALYZE bench_unit_manager")
        await conn.execute("ANALYZE bench_unit_chain")
        for name, statement in _EVENTS:
            args = (str(tree.rule[0]), tree.rule[1]) if name == "routed" else ()
            status = await conn.execute(statement, *args)
            log(started, f"{status.split()[-1]:>9} {name} events")
        status = await conn.execute(_ANSWERS)
        log(started, f"{status.split()[-1]:>9} answers to reporters")
        for name, statement in _TOLD:
            status = await conn.execute(statement)
            log(started, f"{status.split()[-1]:>9} {name} events")
        for definition in indexes:
            await conn.execute(definition)
            log(started, f"rebuilt {definition.split(' ON ')[0].removeprefix('CREATE ')}")
        await conn.execute("SET session_replication_role = origin")
        await conn.execute("VACUUM ANALYZE")
        log(started, "VACUUM ANALYZE")
        await conn.execute(
            f"CREATE TABLE {MARKER} (insights integer NOT NULL, format integer NOT NULL, "
            "built_at timestamptz NOT NULL DEFAULT now())"
        )
        await conn.execute(
            f"INSERT INTO {MARKER} (insights, format) VALUES ($1, $2)", n, FORMAT_VERSION
        )
    finally:
        await conn.close()


async def build(
    server_url: str,
    *,
    database: str = DATABASE,
    insights: int = 1_000_000,
    fresh: bool = False,
) -> str:
    """The SQLAlchemy URL of a complete scale database on `server_url`, built unless a
    complete one of `insights` insights in this data format is there (or `fresh`)."""
    url = with_database(server_url, database)
    if not fresh and await _complete(server_url, database, insights):
        print(f"scale database {database}: reusing the complete one ({insights:,} insights)")
        return url
    started = time.perf_counter()
    print(f"scale database {database}: building {insights:,} insights", flush=True)
    admin = await connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{database}"')
    finally:
        await admin.close()
    await asyncio.to_thread(upgrade, url)
    log(started, "migrated")
    tree = await _build_tree(url, started)
    await _write_bulk(url, tree, insights, started)
    print(f"scale database {database}: built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


# ---------------------------------------------------------------------------------------
# Personas and their tokens


@dataclass(frozen=True)
class Persona:
    name: str
    subject: str
    person_id: uuid.UUID
    org_id: uuid.UUID
    home_unit_id: uuid.UUID
    # The unit of the persona's grant (a frontline person's: the home unit).
    unit_id: uuid.UUID


async def personas(url: str) -> dict[str, Persona]:
    """The named personas of a built scale database: `store_manager` (of the busiest store,
    with a backlog), `region_manager` (of that store's region), `company_manager`,
    `frontline` (in that store) and `hr` (over the company)."""
    conn = await connect(url)
    try:
        rows = await conn.fetch(
            """SELECT p.subject, p.id, p.org_id, p.home_unit_id, g.unit_id
               FROM people p JOIN role_grants g ON g.org_id = p.org_id AND g.person_id = p.id
               WHERE p.subject = ANY($1::text[])""",
            list(PERSONA_SUBJECTS.values()),
        )
    finally:
        await conn.close()
    by_subject = {row["subject"]: row for row in rows}
    found = {}
    for name, subject in PERSONA_SUBJECTS.items():
        row = by_subject[subject]
        found[name] = Persona(
            name, subject, row["id"], row["org_id"], row["home_unit_id"], row["unit_id"]
        )
    return found


async def tokens(
    url: str, *, issuer: str = ISSUER, lifetime_seconds: int = 4 * 3600
) -> dict[str, str]:
    """Access tokens of the built-in issuer for every persona, as bench/hot_paths.py issues
    them; the API must run with INSIGHT_PUBLIC_URL = `issuer`."""
    engine = create_engine(url, pool_size=1)
    keys = BuiltinKeys(session_factory(engine))
    issued = {}
    try:
        for name, subject in PERSONA_SUBJECTS.items():
            issued[name] = await issue_access_token(
                keys, issuer=issuer, audience=AUDIENCE, subject=subject,
                lifetime_seconds=lifetime_seconds,
            )  # fmt: skip
    finally:
        await engine.dispose()
    return issued


async def verify(url: str) -> dict[str, dict[str, Any]]:
    """The app's own GET /api/v1/inbox, GET /api/v1/insights and listening metrics (the last
    30 days, by unit) for the store, region and company managers, in process
    (`create_app` over httpx's ASGI transport): each must answer 200 with rows. Returns
    what each saw: rows on the first page, whether there is a next one, insights measured."""
    from app.main import create_app
    from app.platform.settings import Settings
    from app.web.runtime import Runtime

    seen: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            database_url=url,
            public_url="http://bench.test",
            data_dir=Path(data_dir),
            inprocess_worker=False,
            rate_limit_person_per_minute=0,
            rate_limit_org_per_minute=0,
        )
        runtime = Runtime.build(settings)
        try:
            issued = await tokens(url, issuer=settings.issuer)
            app = create_app(runtime=runtime)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench.test"
            ) as client:
                for name in ("store_manager", "region_manager", "company_manager"):
                    headers = {"Authorization": f"Bearer {issued[name]}"}
                    got: dict[str, Any] = {}
                    for path in ("/api/v1/inbox", "/api/v1/insights"):
                        t0 = time.perf_counter()
                        response = await client.get(path, params={"limit": 50}, headers=headers)
                        assert response.status_code == 200, (name, path, response.text[:500])
                        page = response.json()
                        assert page["items"], (name, path, "no rows")
                        got[path] = (
                            len(page["items"]),
                            page["next_cursor"] is not None,
                            round((time.perf_counter() - t0) * 1000),
                        )
                    t0 = time.perf_counter()
                    response = await client.get(
                        "/api/v1/metrics/listening", params={"group_by": "unit"}, headers=headers
                    )
                    assert response.status_code == 200, (name, response.text[:500])
                    metrics = response.json()
                    assert metrics["totals"]["insights"] > 0, (name, "no insights measured")
                    got["metrics"] = (
                        metrics["totals"]["insights"],
                        len(metrics.get("units") or []),
                        round((time.perf_counter() - t0) * 1000),
                    )
                    seen[name] = got
                    print(f"  verified {name}: {got}", flush=True)
        finally:
            await runtime.close()
    return seen


def main(argv: list[str] | None = None, run: Callable[..., Any] = asyncio.run) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--insights", type=int, default=1_000_000)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--fresh", action="store_true", help="rebuild even a complete one")
    parser.add_argument("--no-verify", action="store_true", help="skip the API smoke check")
    args = parser.parse_args(argv)

    async def go() -> None:
        url = await build(
            server_url(), database=args.database, insights=args.insights, fresh=args.fresh
        )
        conn = await connect(url)
        try:
            counts = await conn.fetch(
                "SELECT status::text, count(*) FROM insights GROUP BY 1 ORDER BY 2 DESC"
            )
            events = await conn.fetchval("SELECT count(*) FROM insight_events")
        finally:
            await conn.close()
        print("insights by status: " + ", ".join(f"{s} {c:,}" for s, c in counts))
        print(f"events: {events:,}")
        for name, persona in (await personas(url)).items():
            print(f"{name}: {persona.subject} unit {persona.unit_id}")
        if not args.no_verify:
            await verify(url)

    run(go())


if __name__ == "__main__":
    main()
