"""Per-person and per-organisation request rates (429 with Retry-After).

A generic cell rate algorithm: each key keeps one timestamp, the theoretical arrival time
of its next request, so memory is constant per active key and old keys are evicted
least-recently-used first. Limits are held per serving process: with several processes
behind a balancer each enforces its own share. No database statement is spent on it.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from app.platform.errors import DomainError


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, retry_after: int, policy: str) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after} seconds.",
            extra={"retry_after": retry_after},
        )
        self.headers = {"Retry-After": str(retry_after), "RateLimit-Policy": policy}


@dataclass
class Limiter:
    """`per_minute` requests a minute on average, `burst` of them at once."""

    name: str
    per_minute: int
    burst: int
    max_keys: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _next: OrderedDict[object, float] = field(default_factory=OrderedDict)

    @property
    def policy(self) -> str:
        # The IETF RateLimit-Policy field: quota per window of seconds.
        return f'"{self.name}";q={self.per_minute};w=60'

    def retry_after(self, key: object) -> float | None:
        """Seconds until `key` may try again, or None when this request may pass (and
        is counted)."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        interval = 60.0 / self.per_minute
        arrival = max(self._next.get(key, now), now)
        allowed_from = arrival + interval - self.burst * interval
        if now < allowed_from:
            return allowed_from - now
        self._next[key] = arrival + interval
        self._next.move_to_end(key)
        if len(self._next) > self.max_keys:
            self._next.popitem(last=False)
        return None

    def check(self, key: object) -> None:
        wait = self.retry_after(key)
        if wait is not None:
            raise RateLimited(max(1, int(wait + 0.999)), self.policy)


@dataclass
class RateLimits:
    person: Limiter
    organisation: Limiter

    def check(self, person_id: object, org_id: object) -> None:
        self.person.check(person_id)
        self.organisation.check(org_id)
