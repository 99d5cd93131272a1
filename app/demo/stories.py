"""What happened to each insight: acknowledged, discussed, worked on, closed and answered."""

import functools
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Concatenate, ParamSpec

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import deeds
from app.demo.content.organisation import AUTHOR_WEIGHT
from app.demo.content.phrases import (
    CLOSINGS,
    DECLINE_CLOSINGS,
    DECLINE_OPENINGS,
    FOLLOW_UPS,
    GENERIC,
    IDEA_CLOSINGS,
    IDEA_OPENINGS,
    INTERIM,
    PRAISE_OPENINGS,
    THANKS,
)
from app.demo.schedule import Schedule
from app.demo.specs import Theme
from app.demo.world import Member, World
from app.demo.writing import THEMES_BY_KEY, Plan, Writer, affinity
from app.insights.models import InsightStatus
from app.org.models import Role
from app.org.taxonomy import InsightKind

HISTORY_DAYS = 89

P = ParamSpec("P")


def _pick(options: dict[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    return options.get(lang, ())


class Stories:
    """Plans each insight's life from its own random stream, `flow`: how far a story got may
    depend on the time of day the seed runs, what was written does not."""

    def __init__(
        self,
        session: AsyncSession,
        world: World,
        schedule: Schedule,
        writer: Writer,
        flow: random.Random,
    ) -> None:
        self.session = session
        self.world = world
        self.schedule = schedule
        self.writer = writer
        self.flow = flow
        self.plans: list[Plan] = []

    def do(
        self,
        when: datetime,
        deed: Callable[Concatenate[AsyncSession, P], Awaitable[None]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Schedule `deed` (from `app.demo.deeds`) for the moment `when`."""
        self.schedule.at(when, functools.partial(deed, self.session, *args, **kwargs))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.flow.uniform(low, high))

    def new_plan(
        self, author: Member, theme: Theme, created: datetime, tags: tuple[str, ...] = ()
    ) -> Plan:
        """An insight `author` posts at `created`, written about `theme`."""
        plan = Plan(author=author, node=author.node, theme=theme, created=created)
        self.writer.compose(plan, tags)
        self.plans.append(plan)
        self.do(created, deeds.post, plan)
        return plan

    def plan_random(self, count: int) -> None:
        """`count` insights by frontline people about what their units write about, each
        living its life."""
        rng = self.writer.rng
        frontline = [m for m in self.world.members.values() if m.role is Role.FRONTLINE]
        weights = [AUTHOR_WEIGHT.get(m.key, 1.0) for m in frontline]
        for _ in range(count):
            author = rng.choices(frontline, weights)[0]
            themes = {
                k: w
                for k, w in affinity(author.node).items()
                if author.lang == "fi" or THEMES_BY_KEY[k].en
            }
            theme = THEMES_BY_KEY[rng.choices(list(themes), list(themes.values()))[0]]
            # More of them recently, as adoption grows.
            created = self.writer.working_hours(HISTORY_DAYS * rng.random() ** 1.6)
            plan = self.new_plan(author, theme, created)
            self.plan_lifecycle(plan)

    def plan_lifecycle(self, plan: Plan) -> None:
        """new → acknowledged → in progress → resolved | declined, as far as time allows."""
        rng = self.flow
        age = (self.schedule.now - plan.created).total_seconds() / 86400
        if age > 21:
            weights = (0.1, 0.13, 0.12, 0.3, 0.35)
        elif age > 7:
            weights = (0.22, 0.25, 0.23, 0.12, 0.18)
        elif age > 2:
            weights = (0.45, 0.3, 0.13, 0.06, 0.06)
        else:
            weights = (0.75, 0.22, 0.03, 0.0, 0.0)
        target = rng.choices(
            (
                InsightStatus.NEW,
                InsightStatus.ACKNOWLEDGED,
                InsightStatus.IN_PROGRESS,
                InsightStatus.RESOLVED,
                InsightStatus.DECLINED,
            ),
            weights,
        )[0]
        if plan.theme.key == "praise" and (target is not InsightStatus.NEW or age > 4):
            target = InsightStatus.RESOLVED  # thanks passed on, nothing to keep open
        reason = self.decline_reason(plan) if target is InsightStatus.DECLINED else None
        if target is InsightStatus.DECLINED and reason is None:
            # No good reason to say no, and no fix yet either: it waits in the backlog.
            target = InsightStatus.ACKNOWLEDGED
        manager = self.world.manager_for(plan.node)

        if target is InsightStatus.NEW:
            follow_up = plan.created + self.hours(20, 90)
            if rng.random() < 0.15 and self.schedule.fits(follow_up):
                body = rng.choice(FOLLOW_UPS[plan.lang])
                self.do(follow_up, deeds.comment, plan.author, plan, body)
            return

        # Usually within the deadline, sometimes late.
        ack = plan.created + (self.hours(1, 30) if rng.random() < 0.8 else self.hours(50, 120))
        praise = plan.theme.key == "praise"
        praise_at_once = praise and target is InsightStatus.RESOLVED
        # Praise is often simply thanked and closed.
        ack_needed = not (praise_at_once and rng.random() < 0.6)
        last = plan.created
        if ack_needed:
            if not self.schedule.fits(ack):
                return
            self.do(ack, deeds.change_status, manager, plan, InsightStatus.ACKNOWLEDGED)
            last = ack
        if target is InsightStatus.ACKNOWLEDGED:
            self.maybe_discuss(plan, manager, last, self.schedule.latest, chance=0.3)
            return

        if target is InsightStatus.IN_PROGRESS or (
            target is InsightStatus.RESOLVED and not praise and rng.random() < 0.4
        ):
            started = last + self.hours(2, 72)
            if not self.schedule.fits(started):
                self.maybe_discuss(plan, manager, last, self.schedule.latest, chance=0.3)
                return
            self.do(started, deeds.change_status, manager, plan, InsightStatus.IN_PROGRESS)
            self.maybe_discuss(plan, manager, last, started, chance=0.3)
            last = started
            if target is InsightStatus.IN_PROGRESS:
                interim = last + self.hours(2, 48)
                if rng.random() < 0.25 and self.schedule.fits(interim):
                    self.tell(plan, manager, interim, rng.choice(INTERIM[plan.lang]))
                return

        closed = last + self.hours(4, 24 * 8)
        if not self.schedule.fits(closed):
            self.maybe_discuss(plan, manager, last, self.schedule.latest, chance=0.3)
            return
        self.maybe_discuss(plan, manager, last, closed, chance=0.3)
        declined = target is InsightStatus.DECLINED
        note = reason if declined and reason else self.resolution(plan)
        self.do(closed, deeds.change_status, manager, plan, target, note)
        told = closed + self.hours(0.5, 60)
        if rng.random() < 0.85 and self.schedule.fits(told):
            self.tell(plan, manager, told, self.answer_text(plan, note, declined=declined))

    def resolution(self, plan: Plan) -> str:
        """What was done, in the reporter's language."""
        options = plan.theme.resolutions.get(plan.lang) or GENERIC["resolutions"][plan.lang]
        return plan.tpl.resolution or self.flow.choice(options)

    def decline_reason(self, plan: Plan) -> str | None:
        """Why nothing will be done, if there is a good reason for this kind of insight."""
        options = plan.theme.declines.get(plan.lang)
        return plan.tpl.decline or (self.flow.choice(options) if options else None)

    def maybe_discuss(
        self, plan: Plan, manager: Member, after: datetime, before: datetime, *, chance: float
    ) -> None:
        """A manager's question and the reporter's answer, if there is time before `before`."""
        rng = self.flow
        if plan.confidential:
            chance = max(chance, 0.6)  # the thread is how a confidential reporter is reached
        if rng.random() >= chance:
            return
        asked = after + self.hours(0.5, 24)
        replied = asked + self.hours(0.5, 20)
        if asked >= before or not self.schedule.fits(asked):
            return
        question = rng.choice(
            _pick(plan.theme.questions, plan.lang) or GENERIC["questions"][plan.lang]
        )
        self.do(asked, deeds.comment, manager, plan, question)
        if replied < before and self.schedule.fits(replied) and rng.random() < 0.85:
            reply = rng.choice(
                _pick(plan.theme.replies, plan.lang) or GENERIC["replies"][plan.lang]
            )
            self.do(replied, deeds.comment, plan.author, plan, reply)

    def answer_text(self, plan: Plan, note: str, *, declined: bool) -> str:
        """The message that closes the loop: thanks, what was done (or why not), an opening."""
        rng, lang = self.flow, plan.lang
        opening: tuple[str, ...]
        closing: tuple[str, ...]
        if declined:
            opening, closing = DECLINE_OPENINGS[lang], DECLINE_CLOSINGS[lang]
        elif plan.theme.key == "praise":
            opening, closing = PRAISE_OPENINGS[lang], ("",)
        elif plan.kind is InsightKind.IDEA:
            opening, closing = IDEA_OPENINGS[lang], IDEA_CLOSINGS[lang]
        else:
            opening, closing = THANKS[lang], CLOSINGS[lang]
        parts = (rng.choice(opening), note, rng.choice(closing))
        return " ".join(p for p in parts if p)

    def tell(self, plan: Plan, manager: Member, when: datetime, message: str) -> None:
        self.do(when, deeds.tell_reporter, manager, plan, message)
        # Most reporters confirm they have read the answer.
        read = when + self.hours(0.5, 40)
        if self.flow.random() < 0.7 and self.schedule.fits(read):
            self.do(read, deeds.acknowledge_answers, plan)

    def plan_reading(self) -> None:
        """People read their notifications now and then; the latest ones are still unread."""
        rng = self.flow
        for member in self.world.members.values():
            gap = (2.0, 6.0) if member.role is Role.MANAGER else (4.0, 12.0)
            moment = self.schedule.now - timedelta(days=HISTORY_DAYS - rng.uniform(0, 4))
            stop = self.schedule.now - timedelta(days=rng.uniform(0.3, 3))
            while moment < stop:
                self.do(moment, deeds.read_notifications, member)
                moment += timedelta(days=rng.uniform(*gap))
