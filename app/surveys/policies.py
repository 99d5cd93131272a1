"""Who defines surveys, opens and closes their waves, answers them and reads their results.

- HR and administrators define surveys and open and close waves, for units in the subtrees
  of their grants. Administrators alone set the organisation's floor (`survey_min_group`),
  which may be raised and never lowered: a lower floor would release groups that, set
  against figures already read under the higher one, differ by fewer answers than either.
- Everyone whose home unit lies in a subtree a survey targets answers each of its waves
  once, whatever their roles: managers and HR are staff too.
- Results, comments and response rates are for HR and administrators over the subtrees of
  their grants and for managers over their own subtree, the reading scope of the insight
  inbox. A unit out of that scope is as missing as one that does not exist. What they read
  is held to the floors (`app.surveys.floors`) whoever reads it: no role sees a smaller group.
- Results and comments are read once a wave has closed; response rates also while it is
  open, to follow participation.
- Survey definitions and their waves are no secret to those readers (a manager needs a
  wave's id to read its results for their unit).
"""

import uuid
from collections.abc import Iterable

from app.insights.policies import READERS
from app.org.models import Role
from app.org.principal import Principal
from app.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.surveys.floors import DEFAULT_MIN_GROUP

OFFICERS = (Role.HR, Role.ADMIN)


def require_officer(actor: Principal) -> None:
    if not actor.has_role(*OFFICERS):
        raise Forbidden("Only HR and administrators run surveys.", code="not_survey_officer")


def require_targets_in_reach(actor: Principal, unit_paths: Iterable[str]) -> None:
    """A survey asks only units in the subtrees where the caller is HR or an administrator."""
    if not all(actor.covers(path, *OFFICERS) for path in unit_paths):
        raise Forbidden(
            "A survey can target only units where you are HR or an administrator.",
            code="target_out_of_reach",
        )


def require_reader(actor: Principal) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden(
            "Survey results are for managers, HR and administrators.", code="not_a_reader"
        )


def require_scope(actor: Principal, unit_path: str) -> None:
    """A unit outside the caller's reading subtrees is as missing as one that does not exist."""
    if not actor.covers(unit_path, *READERS):
        raise NotFound("No such unit.")


def default_unit_id(actor: Principal) -> uuid.UUID:
    """The top of the caller's reading scope: the one grant whose subtree holds the others."""
    grants = [g for g in actor.grants if g.role in READERS]
    top = min(grants, key=lambda g: len(g.unit_path))
    if all(g.unit_path.startswith(top.unit_path) for g in grants):
        return top.unit_id
    raise InvalidInput(
        "You read more than one part of the organisation: choose a unit.", code="unit_required"
    )


def answers(actor: Principal, target_paths: Iterable[str]) -> bool:
    """Whether the caller's home unit lies in a subtree the survey targets."""
    return any(actor.home_path.startswith(path) for path in target_paths)


def require_answerer(actor: Principal, target_paths: Iterable[str]) -> None:
    if not answers(actor, target_paths):
        raise Forbidden("This survey does not ask your unit.", code="not_surveyed")


def require_closed(accepting_answers: bool) -> None:
    """Results and comments wait for the wave to close: two readings of an open wave would
    differ by the few answers given in between."""
    if accepting_answers:
        raise Conflict("Results are shown once the wave has closed.", code="wave_open")


def require_settings_reader(actor: Principal) -> None:
    require_officer(actor)


def require_settings_keeper(actor: Principal) -> None:
    if not actor.has_role(Role.ADMIN):
        raise Forbidden("Only administrators set the survey floor.", code="not_an_admin")


def require_min_group(current: int, wanted: int) -> None:
    if wanted < DEFAULT_MIN_GROUP:
        raise InvalidInput(
            f"The smallest group is at least {DEFAULT_MIN_GROUP} answers.",
            code="min_group_too_small",
            extra={"min_group": DEFAULT_MIN_GROUP},
        )
    if wanted < current:
        raise Conflict(
            "The survey floor can be raised, never lowered.",
            code="min_group_lowered",
            extra={"min_group": current},
        )
