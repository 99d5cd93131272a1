"""The chain's actions: the insights that led to each, its progress, and the answers it gave."""

import random
import uuid
from datetime import datetime, timedelta

from app.actions.models import ActionStatus
from app.actions.schemas import ActionUpdate
from app.demo import deeds
from app.demo.content.actions import ACTIONS
from app.demo.content.phrases import ACTION_UNDER_WAY
from app.demo.specs import ActionSpec
from app.demo.stories import HISTORY_DAYS, Stories
from app.demo.writing import THEMES_BY_KEY, Plan
from app.insights.models import InsightStatus


class ActionStories:
    """Plans the actions of `content.actions` into the stories. Duplicates and "me too" draw
    from their own stream, `echo`, leaving the other streams as they were."""

    def __init__(self, stories: Stories, echo: random.Random) -> None:
        self.stories = stories
        self.echo = echo

    def plan(self) -> None:
        """Every action of the content, with the insights that led to it."""
        stories, writer = self.stories, self.stories.writer
        for spec in ACTIONS:
            created = writer.working_hours(spec.created_days_ago)
            linked: list[Plan] = []
            for unit_key in spec.units:
                authors = writer.authors_for(unit_key, spec.theme, spec.tags)
                assert authors, (spec.title, unit_key)
                for _ in range(writer.rng.randint(*spec.per_unit)):
                    days_before = writer.rng.uniform(0.3, 20)
                    posted = max(
                        created - timedelta(days=days_before),
                        stories.schedule.now - timedelta(days=HISTORY_DAYS),
                    )
                    author = writer.rng.choice(authors)
                    theme = THEMES_BY_KEY[spec.theme]
                    linked.append(stories.new_plan(author, theme, posted, spec.tags))
            self.plan_action(spec, created, linked)

    def plan_action(self, spec: ActionSpec, created: datetime, linked: list[Plan]) -> None:
        """The action taken, worked on and finished, and what its insights' reporters heard."""
        stories, writer = self.stories, self.stories.writer
        rng = stories.flow
        creator, owner = stories.world.members[spec.creator], stories.world.members[spec.owner]
        holder: dict[str, uuid.UUID] = {}
        due_on = (created + timedelta(days=spec.due_in_days)).date()
        stories.do(created, deeds.create_action, creator, owner, spec, due_on, linked, holder)
        # Some were acknowledged, and discussed, before the action was taken.
        for plan in linked:
            ack = plan.created + stories.hours(1, 40)
            if ack < created - timedelta(hours=1) and rng.random() < 0.7:
                manager = stories.world.manager_for(plan.node)
                stories.do(ack, deeds.change_status, manager, plan, InsightStatus.ACKNOWLEDGED)
                stories.maybe_discuss(plan, manager, ack, created, chance=0.25)
        if linked and spec.finished_days_ago is not None:
            self.plan_echoes(linked[0], spec, created)
        if spec.started_days_ago is not None:
            started = writer.working_hours(spec.started_days_ago)
            started = max(started, created + timedelta(minutes=30))
            update = ActionUpdate(status=ActionStatus.IN_PROGRESS)
            stories.do(started, deeds.update_action, creator, holder, update)
        if spec.finished_days_ago is None:
            # Still under way: some reporters were told what is being done.
            for plan in linked:
                told = created + stories.hours(2, 72)
                if rng.random() < 0.3 and stories.schedule.fits(told):
                    message = ACTION_UNDER_WAY[plan.lang].format(title=spec.title)
                    stories.tell(plan, stories.world.manager_for(plan.node), told, message)
            return
        finished = max(writer.working_hours(spec.finished_days_ago), created + timedelta(hours=2))
        update = ActionUpdate(status=spec.status, outcome=spec.outcome_fi)
        stories.do(finished, deeds.update_action, creator, holder, update)
        for plan in linked:
            manager = stories.world.manager_for(plan.node)
            closed = finished + stories.hours(2, 72)
            if not stories.schedule.fits(closed):
                continue
            outcome_text = (spec.outcome_en if plan.lang == "en" else None) or spec.outcome_fi
            assert outcome_text is not None
            if spec.status is ActionStatus.DONE:
                stories.do(
                    closed, deeds.change_status, manager, plan, InsightStatus.RESOLVED, outcome_text
                )
                message = stories.answer_text(plan, outcome_text, declined=False)
            else:
                stories.do(
                    closed, deeds.change_status, manager, plan, InsightStatus.DECLINED, outcome_text
                )
                message = stories.answer_text(plan, outcome_text, declined=True)
            told = closed + stories.hours(0.5, 48)
            if rng.random() < 0.85 and stories.schedule.fits(told):
                stories.tell(plan, manager, told, message)

    def plan_echoes(self, plan: Plan, spec: ActionSpec, created: datetime) -> None:
        """Colleagues in the same unit see the same thing: one posts it again, and its manager
        merges the duplicate before acting; another says "me too". Both hear the outcome."""
        stories, writer, rng = self.stories, self.stories.writer, self.echo
        colleagues = [
            m
            for m in writer.authors_for(plan.node.key, spec.theme, spec.tags)
            if m.node is plan.node and m is not plan.author
        ]
        if not colleagues:
            return
        posted = plan.created + timedelta(hours=rng.uniform(1, 30))
        merged = posted + timedelta(hours=rng.uniform(0.5, 6))
        if rng.random() < 0.6 and merged < created:
            duplicate = stories.new_plan(rng.choice(colleagues), plan.theme, posted, spec.tags)
            manager = stories.world.manager_for(plan.node)
            stories.do(merged, deeds.merge, manager, plan, duplicate)
        backers = [m for m in colleagues if m is not plan.author]
        backed = plan.created + timedelta(hours=rng.uniform(2, 48))
        if rng.random() < 0.7 and backed < created:
            stories.do(backed, deeds.endorse, rng.choice(backers), plan)
