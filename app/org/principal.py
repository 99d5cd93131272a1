"""Who is calling: a person of one organisation with role grants over unit subtrees."""

import uuid
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

    def paths(self, *roles: Role) -> list[str]:
        """Unit-path prefixes of the subtrees where the person holds any of `roles`."""
        return [g.unit_path for g in self.grants if g.role in roles]

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    def covers(self, unit_path: str, *roles: Role) -> bool:
        """Whether one of `roles` is held on `unit_path` or an ancestor of it."""
        return any(unit_path.startswith(p) for p in self.paths(*roles))
