"""What a frontline worker writes: an insight's text and facets, composed from the templates."""

import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.demo.content.phrases import FALLBACK_COLLEAGUES, LEADS, NUMBERS, SLOT_POOLS, TAILS
from app.demo.content.themes import AFFINITY, STORE_THEMES, THEMES
from app.demo.schedule import Schedule
from app.demo.specs import DEFAULT, Template, Theme
from app.demo.world import Member, Node, World
from app.org.models import Role, UnitKind
from app.org.taxonomy import ImpactLevel, InsightKind

THEMES_BY_KEY: dict[str, Theme] = {t.key: t for t in THEMES}

_SLOT = re.compile(r"\{([^{}]+)\}")
_UNWRITTEN = Template(InsightKind.OBSERVATION, "")


@dataclass(eq=False, slots=True)
class Plan:
    """One insight: what will be posted, and by whom and when."""

    author: Member
    node: Node
    theme: Theme
    created: datetime
    tpl: Template = _UNWRITTEN
    kind: InsightKind = InsightKind.OBSERVATION
    text: str = ""
    stage: str | None = None
    touchpoint: str | None = None
    impact: ImpactLevel = ImpactLevel.NONE
    affected: int | None = None
    occurred: datetime | None = None
    confidential: bool = False
    id: uuid.UUID | None = None
    answer_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def lang(self) -> str:
        return self.author.lang


def templates(theme: Theme, lang: str, tags: tuple[str, ...] = ()) -> list[Template]:
    """The templates a writer of `lang` uses; with `tags`, only those about that."""
    candidates = theme.en if lang == "en" and theme.en else theme.fi
    return [t for t in candidates if t.tag in tags] if tags else list(candidates)


def affinity(node: Node) -> dict[str, int]:
    """Which themes the people of `node` write about, and how often."""
    return AFFINITY.get(node.key, STORE_THEMES)


class Writer:
    """Composes insights from one random stream, so what is written, and when it was posted,
    is the same whatever time of day the seed runs."""

    def __init__(self, world: World, schedule: Schedule, rng: random.Random) -> None:
        self.world = world
        self.schedule = schedule
        self.rng = rng

    def working_hours(self, days_ago: float) -> datetime:
        """A moment `days_ago` back, during opening hours (about 7–20 in Finland)."""
        day = self.schedule.now - timedelta(days=days_ago)
        moment = day.replace(
            hour=self.rng.randint(5, 17), minute=self.rng.randrange(60), second=0, microsecond=0
        )
        while moment > self.schedule.latest:
            moment -= timedelta(days=1)
        return moment

    def authors_for(self, unit_key: str, theme: str, tags: tuple[str, ...]) -> list[Member]:
        """Frontline people in the unit's subtree who would write about `theme`."""
        node = self.world.nodes[unit_key]
        return [
            m
            for m in self.world.members.values()
            if m.role is Role.FRONTLINE
            and m.node.within(node)
            and theme in affinity(m.node)
            and (m.lang == "fi" or THEMES_BY_KEY[theme].en)
            and templates(THEMES_BY_KEY[theme], m.lang, tags)
        ]

    def compose(self, plan: Plan, tags: tuple[str, ...] = ()) -> None:
        """Fill in `plan` from one of its theme's templates: text, facets, visibility, and when
        it happened."""
        rng, theme, lang = self.rng, plan.theme, plan.lang
        tpl = rng.choice(templates(theme, lang, tags))
        plan.tpl, plan.kind = tpl, tpl.kind
        plan.stage = rng.choice(theme.stages) if tpl.stage == DEFAULT else tpl.stage
        plan.touchpoint = (
            rng.choice(theme.touchpoints) if tpl.touchpoint == DEFAULT else tpl.touchpoint
        )
        if plan.node.key == "apk" and plan.touchpoint not in (None, "social_media", "web"):
            # The customer service centre hears everything by phone, chat or e-mail.
            plan.touchpoint = rng.choice(("phone", "chat", "email"))
        if plan.kind in (InsightKind.PRAISE, InsightKind.IDEA):
            plan.impact = rng.choice((ImpactLevel.NONE, ImpactLevel.LOW))
        else:
            plan.impact = rng.choice(theme.impacts)
        low, high = theme.affected
        if plan.kind is InsightKind.PRAISE:
            plan.affected = 1
        elif plan.kind is InsightKind.IDEA or high == 0 or rng.random() < 0.2:
            plan.affected = None
        else:
            plan.affected = rng.randint(low, high)
        plan.confidential = rng.random() < (theme.confidential or 0.0) + (
            0.05 if plan.kind is InsightKind.COMPLAINT else 0.0
        )
        body = self.fill(tpl.text, plan)
        if theme.key == "praise":
            tone = "praise"
        elif tpl.kind is InsightKind.IDEA:
            tone = "idea"
        else:
            tone = "problem"
        reported = plan.kind in (InsightKind.COMPLAINT, InsightKind.OBSERVATION)
        lead = rng.choice(LEADS[lang]) if reported else ""
        tail = rng.choice(TAILS[lang][tone])
        plan.text = " ".join(part for part in (lead, body, tail) if part)
        back = (
            timedelta(hours=20 + rng.uniform(0, 8))
            if rng.random() < 0.15
            else timedelta(minutes=rng.uniform(2, 180))
        )
        plan.occurred = plan.created - back

    def fill(self, template: str, plan: Plan) -> str:
        rng = self.rng
        price = rng.randint(99, 699) / 100

        def colleague() -> str:
            store = plan.node.store
            around = [
                m
                for m in self.world.members.values()
                if m is not plan.author and m.node.within(store)
            ]
            # Mostly a fellow frontline worker; the store manager when no one else is there.
            names = [m.first for m in around if m.role is Role.FRONTLINE] or [
                m.first for m in around
            ]
            return rng.choice(names or list(FALLBACK_COLLEAGUES))

        def money(amount: float) -> str:
            text = f"{amount:.2f}"
            return text if plan.lang == "en" else text.replace(".", ",")

        def value(name: str) -> str:
            if "|" in name:
                return rng.choice(name.split("|"))
            if name in SLOT_POOLS:
                return rng.choice(SLOT_POOLS[name])
            match name:
                case "Product" | "Product_en":
                    word = rng.choice(SLOT_POOLS[name.lower()])
                    return word[0].upper() + word[1:]
                case "price":
                    return money(price)
                case "price2":
                    return money(price + rng.randint(20, 150) / 100)
                case "affected":
                    return str(plan.affected or rng.randint(3, 12))
                case "colleague":
                    return colleague()
                case "store":
                    stores = [n for n in self.world.nodes.values() if n.unit.kind is UnitKind.STORE]
                    node = plan.node if plan.node.unit.kind is UnitKind.STORE else None
                    return (node or rng.choice(stores)).unit.name
                case "till":
                    return str(rng.randint(1, 8))
                case "till_count":
                    return str(rng.randint(4, 8))
                case "open_tills":
                    return str(rng.randint(2, 3))
                case "minutes":
                    return str(rng.randrange(10, 40, 5))
                case "days":
                    return str(rng.randint(2, 6))
                case "count":
                    return rng.choice(NUMBERS[plan.lang])
                case "comments":
                    return str(rng.randrange(40, 300, 10))
                case "hours":
                    return str(rng.randint(2, 4))
            raise KeyError(name)

        return _SLOT.sub(lambda m: value(m.group(1)), template)
