"""Who is calling: a person of one organisation with role grants over unit subtrees."""

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from app.org.models import Role
from app.platform.i18n import Locale


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    unit_id: uuid.UUID
    unit_path: str


@dataclass(frozen=True, slots=True)
class Principal:
    person_id: uuid.UUID
    org_id: uuid.UUID
    display_name: str
    locale: Locale
    home_unit_id: uuid.UUID
    grants: tuple[Grant, ...]
    # The path of the home unit, and of the nearest store at or above it (None when the
    # person is homed above every store): they bound which colleagues' insights the person
    # may read (`app.insights.policies.colleague_pattern`).
    home_path: str
    store_path: str | None
    # The organisation's `directory_version` when the person and grants were read: the
    # principal is good while it stays (`Principals`).
    directory_version: int = 0

    def paths(self, *roles: Role) -> list[str]:
        """Unit-path prefixes of the subtrees where the person holds any of `roles`."""
        return [g.unit_path for g in self.grants if g.role in roles]

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def covers(self, unit_path: str, *roles: Role) -> bool:
        """Whether one of `roles` is held on `unit_path` or an ancestor of it."""
        return any(unit_path.startswith(p) for p in self.paths(*roles))


# How many callers one process keeps.
MAX_PRINCIPALS = 4096


class Principals:
    """Callers by their bearer token, each for the token's life at most, the least recently
    used dropped first. Safe to share between threads.

    A held principal may be stale: its grants are those of when it was read. Whoever uses
    one checks its `directory_version` against the organisation's in the same transaction
    before acting on it (`app.web.caller.authenticate` with the statement that binds the
    request to the organisation, posting inside its one writing statement) and reads the
    person again when it moved. A revoked grant, a deactivated person or a moved unit thus
    takes effect with the first statement that begins after the change commits, in every
    process."""

    def __init__(self, size: int = MAX_PRINCIPALS) -> None:
        self._size = size
        self._held: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        with self._lock:
            found = self._held.get(token)
            if found is None:
                return None
            if found[1] <= time.time():
                del self._held[token]
                return None
            self._held.move_to_end(token)
            return found[0]

    def put(self, token: str, principal: Principal, expires_at: float) -> None:
        with self._lock:
            self._held[token] = (principal, expires_at)
            self._held.move_to_end(token)
            while len(self._held) > self._size:
                self._held.popitem(last=False)
