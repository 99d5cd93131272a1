"""Per-request loaders for data a field needs beyond what its object came with.

Each fetches an object's extra data only when a query asks for it, at most once per object
and request, and for all the objects of a page at once: one batched service call, a fixed
number of statements whatever the page's size. The service layer decides what the caller
may see; what it refuses for one key (404, 403) is that key's error alone.
"""

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from strawberry.dataloader import DataLoader

from app.actions import service as actions_service
from app.insights import comments as insight_comments
from app.insights import endorsements as insight_endorsements
from app.insights import timeline as insight_timeline
from app.loop import followup
from app.org import service as org_service
from app.org.principal import Principal
from app.platform.errors import DomainError, NotFound
from app.themes import service as themes_service
from app.web.unit_of_work import Session

if TYPE_CHECKING:
    from app.gql.context import Context

T = TypeVar("T")

# A batched read: every key's value or error, or the keys it found (others are missing).
Batch = Callable[
    [Session, Principal, Sequence[uuid.UUID]], Awaitable[Mapping[uuid.UUID, T | DomainError]]
]


class Loaders:
    def __init__(self, context: "Context") -> None:
        self._context = context
        self.insight = self._batched(followup.insight_details, "No such insight.")
        self.timeline = self._batched(insight_timeline.timelines, "No such insight.")
        self.comments = self._batched(insight_comments.threads, "No such insight.")
        self.endorsements = self._batched(insight_endorsements.endorsements_of, "No such insight.")
        self.action = self._batched(actions_service.get_actions, "No such action.")
        self.unit = self._batched(org_service.units_by_id, "No such unit.")
        # An insight without a theme is missing here: its `theme` is null.
        self.theme = self._batched(themes_service.themes_of_insights, "No theme.")

    def _batched(self, fetch: Batch[T], missing: str) -> DataLoader[uuid.UUID, T]:
        async def load(keys: list[uuid.UUID]) -> Sequence[T | BaseException]:
            try:
                found = await self._context.read(fetch, keys)
            except DomainError as exc:
                return [exc] * len(keys)
            return [found[key] if key in found else NotFound(missing) for key in keys]

        return DataLoader(load_fn=load)

    def forget(self) -> None:
        """Drop everything loaded so far: a change may have made it stale."""
        for loader in (
            self.insight,
            self.timeline,
            self.comments,
            self.endorsements,
            self.action,
            self.unit,
            self.theme,
        ):
            loader.clear_all()
