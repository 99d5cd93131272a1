"""Who may import EX results and CX outcomes, and over which units.

HR and administrators import, list and delete imports. Every unit a file names must be in
the subtree of one of their HR or administrator grants; a unit elsewhere in the
organisation is a bad row ("outside your scope"), and a unit of another organisation is
simply unknown. Deleting an import takes a scope covering every unit it holds. The
`insight import` command runs as the operator of the installation: the whole organisation.
"""

import uuid
from dataclasses import dataclass

from app.org.models import Role
from app.org.principal import Principal
from app.platform.errors import Forbidden

IMPORTERS = (Role.HR, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class ImportScope:
    """Where an import may put values: an organisation and unit-path prefixes."""

    org_id: uuid.UUID
    person_id: uuid.UUID | None
    prefixes: tuple[str, ...]

    def covers(self, unit_path: str) -> bool:
        return any(unit_path.startswith(prefix) for prefix in self.prefixes)


def importer_scope(actor: Principal) -> ImportScope:
    if not actor.has_role(*IMPORTERS):
        raise Forbidden(
            "Only HR and administrators import EX results and CX outcomes.",
            code="not_an_importer",
        )
    return ImportScope(actor.org_id, actor.person_id, tuple(actor.paths(*IMPORTERS)))


def operator_scope(org_id: uuid.UUID) -> ImportScope:
    """The whole organisation, for the operator's command line."""
    return ImportScope(org_id, None, ("",))


def require_covers_all(scope: ImportScope, unit_paths: list[str]) -> None:
    if not all(scope.covers(path) for path in unit_paths):
        raise Forbidden(
            "The import holds values of units outside your scope.", code="import_out_of_scope"
        )
