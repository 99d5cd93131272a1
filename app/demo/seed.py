"""Seeding the demo organisation: the entry point for the `insight` command and the tests."""

import random

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.actions import ActionStories
from app.demo.schedule import Schedule
from app.demo.stories import Stories
from app.demo.summary import DemoSummary, summarise
from app.demo.surveys import seed_surveys
from app.demo.world import build_world
from app.demo.writing import Writer
from app.platform import clock

SEED = 2026
INSIGHT_COUNT = 200


async def seed_demo(session: AsyncSession) -> DemoSummary:
    """Create the demo retail chain in `session` (which the caller commits)."""
    schedule = Schedule(clock.now())
    try:
        world = await build_world(session)
        # One random stream for each part of the story (see Writer, Stories and ActionStories),
        # so a change to one leaves the others as they were. Reproducible, not for security.
        writing = random.Random(SEED)  # noqa: S311
        flow = random.Random(SEED + 1)  # noqa: S311
        echo = random.Random(SEED + 2)  # noqa: S311
        writer = Writer(world, schedule, writing)
        stories = Stories(session, world, schedule, writer, flow)
        ActionStories(stories, echo).plan()
        stories.plan_random(INSIGHT_COUNT - len(stories.plans))
        stories.plan_reading()
        await schedule.run()
    finally:
        clock.freeze(None)
    await seed_surveys(session, world, clock.now())
    return await summarise(session, world)
