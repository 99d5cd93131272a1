"""Per-request loaders for data a field needs beyond what its object came with.

Each fetches an object's extra data only when a query asks for it, and at most once per
object and request; the service layer decides what the caller may see.
"""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from strawberry.dataloader import DataLoader

from app.actions import service as actions_service
from app.insights import comments as insight_comments
from app.insights import endorsements as insight_endorsements
from app.insights import timeline as insight_timeline
from app.loop import followup
from app.org import service as org_service
from app.org.principal import Principal
from app.org.schemas import UnitOut
from app.platform.errors import DomainError
from app.web.unit_of_work import Session

if TYPE_CHECKING:
    from app.gql.context import Context

T = TypeVar("T")

Fetch = Callable[[Session, Principal, uuid.UUID], Awaitable[T]]


async def _unit(session: Session, caller: Principal, unit_id: uuid.UUID) -> UnitOut:
    return UnitOut.model_validate(await org_service.get_unit(session, caller, unit_id))


class Loaders:
    def __init__(self, context: "Context") -> None:
        self._context = context
        self.insight = self._each(followup.insight_detail)
        self.timeline = self._each(insight_timeline.timeline)
        self.comments = self._each(insight_comments.list_comments)
        self.endorsements = self._each(insight_endorsements.list_endorsements)
        self.action = self._each(actions_service.get_action)
        self.unit = self._each(_unit)

    def _each(self, fetch: Fetch[T]) -> DataLoader[uuid.UUID, T]:
        # The services read one object at a time, so a batch is a sequence of calls; what the
        # loader adds is that no object is fetched twice in a request.
        async def load(keys: list[uuid.UUID]) -> Sequence[T | BaseException]:
            found: list[T | BaseException] = []
            for key in keys:
                try:
                    found.append(await self._context.read(fetch, key))
                except DomainError as exc:
                    found.append(exc)
            return found

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
        ):
            loader.clear_all()
