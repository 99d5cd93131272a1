"""The demo's deeds in the order they happened, each done with the clock at its own moment."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from app.platform import clock

Step = Callable[[], Awaitable[object]]


class Schedule:
    def __init__(self, now: datetime) -> None:
        self.now = now
        # Nothing is planned closer to the present than this, so the seed never runs ahead.
        self.latest = now - timedelta(minutes=10)
        self._steps: list[tuple[datetime, int, Step]] = []

    def at(self, when: datetime, step: Step) -> None:
        self._steps.append((when, len(self._steps), step))

    def fits(self, when: datetime) -> bool:
        return when <= self.latest

    async def run(self) -> None:
        """Everything in the order it happened, each step at its own moment.

        The clock stays at the last step's moment; the caller lets it go.
        """
        for when, _, step in sorted(self._steps, key=lambda s: (s[0], s[1])):
            clock.freeze(when)
            await step()
