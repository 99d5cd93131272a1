"""Who may see and do what with an insight. Every read and write goes through these."""

import uuid
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CompoundSelect,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)

from app.insights.models import Insight, InsightStatus, Visibility
from app.org.models import Organisation, Person, Role, Unit
from app.org.principal import Principal
from app.platform.db import table
from app.platform.errors import Conflict, Forbidden, InvalidInput

# Roles that read every insight in their subtree; only some of them may act on it.
READERS = (Role.MANAGER, Role.HR, Role.ADMIN)
ACTORS = (Role.MANAGER, Role.ADMIN)

OPEN_STATUSES = (InsightStatus.NEW, InsightStatus.ACKNOWLEDGED, InsightStatus.IN_PROGRESS)
CLOSED_STATUSES = (InsightStatus.RESOLVED, InsightStatus.DECLINED)

# Any open insight may be merged into another as a duplicate.
TRANSITIONS: dict[InsightStatus, frozenset[InsightStatus]] = {
    InsightStatus.NEW: frozenset(
        {
            InsightStatus.ACKNOWLEDGED,
            InsightStatus.IN_PROGRESS,
            InsightStatus.RESOLVED,
            InsightStatus.DECLINED,
            InsightStatus.MERGED,
        }
    ),
    InsightStatus.ACKNOWLEDGED: frozenset(
        {
            InsightStatus.IN_PROGRESS,
            InsightStatus.RESOLVED,
            InsightStatus.DECLINED,
            InsightStatus.MERGED,
        }
    ),
    InsightStatus.IN_PROGRESS: frozenset(
        {InsightStatus.RESOLVED, InsightStatus.DECLINED, InsightStatus.MERGED}
    ),
    InsightStatus.RESOLVED: frozenset(),
    InsightStatus.DECLINED: frozenset(),
    # A merged insight follows its parent and never moves on its own.
    InsightStatus.MERGED: frozenset(),
}


def colleague_pattern(home_path: str, store_path: str | None) -> str:
    """The colleague rule, the one place it is defined: besides what their roles let them
    read, everyone may read the NAMED insights posted anywhere in the subtree of the nearest
    store at or above their home unit (a team member sees the whole store's), so that they
    can find what to back with "me too". Whoever is homed above every store (a region, the
    head office) reads only those posted at their home unit itself. Confidential insights
    never pass this rule, and another store's insights stay out of reach (404).

    Returns a LIKE pattern over unit paths; paths are hex digits and "/", so need no escaping.
    """
    return store_path + "%" if store_path is not None else home_path


def require_post_into(actor: Principal, unit_path: str) -> None:
    """Whom an insight may be posted for: any unit in the subtree of the nearest store at or
    above the poster's home unit (a team member may post for the whole store; someone homed
    above every store, for their home unit and below), and any unit in the subtree of one
    where they hold a role of any kind. Another store's units are out of reach: 403
    `unit_out_of_reach`, not a 404, as the unit tree is no secret inside the organisation
    (everyone may list it)."""
    home = actor.store_path if actor.store_path is not None else actor.home_path
    reach = [home, *(g.unit_path for g in actor.grants)]
    if not any(unit_path.startswith(prefix) for prefix in reach):
        raise Forbidden(
            "You can post only for your own store's units and those where you hold a role.",
            code="unit_out_of_reach",
        )


def visible_clause(
    author_id: ColumnElement[uuid.UUID],
    unit_id: ColumnElement[uuid.UUID],
    owner_unit_id: ColumnElement[uuid.UUID],
    visibility: ColumnElement[Visibility],
) -> ColumnElement[bool]:
    """SQL condition for the insights the caller may read: their own, those in or routed
    to a subtree where they hold a reading role, and their colleagues' named ones (see
    `colleague_pattern`). Bind it with `visibility_params(actor)`; the statement's shape
    does not depend on the caller, so its compiled form is reused.

    It tests the insight's own columns against the (few) units of those subtrees, so a list
    can be filtered, sorted and cut to a page before anything else is joined."""
    units = table(Unit)
    in_org = units.c.org_id == bindparam("org_id")
    readable = select(units.c.id).where(
        in_org, units.c.path.like(any_(bindparam("reader_patterns", type_=ARRAY(Text))))
    )
    colleagues = select(units.c.id).where(in_org, units.c.path.like(bindparam("colleague_pattern")))
    return or_(
        author_id == bindparam("reader_id"),
        unit_id.in_(readable),
        owner_unit_id.in_(readable),
        and_(visibility == Visibility.NAMED, unit_id.in_(colleagues)),
    )


def reads_whole_organisation(actor: Principal) -> bool:
    """Whether `actor` holds a reading role at the root of the tree, and so reads every
    insight of the organisation (`visible_clause` is true of each)."""
    return any(path.count("/") == 1 for path in actor.paths(*READERS))


def visible_ids() -> CompoundSelect[tuple[uuid.UUID]]:
    """The ids `visible_clause` lets through, as the union of one select per branch of it,
    each of which an index on the insight's own columns answers: for a caller who reads a
    small part of a large organisation this finds those insights without scanning the
    rest. Keep it in step with `visible_clause`; bind it with `visibility_params(actor)`."""
    units = table(Unit)
    in_org = units.c.org_id == bindparam("org_id")
    readable = select(units.c.id).where(
        in_org, units.c.path.like(any_(bindparam("reader_patterns", type_=ARRAY(Text))))
    )
    colleagues = select(units.c.id).where(in_org, units.c.path.like(bindparam("colleague_pattern")))
    c = table(Insight).alias("visible").c
    own = c.org_id == bindparam("org_id")
    return union_all(
        select(c.id).where(own, c.author_id == bindparam("reader_id")),
        select(c.id).where(own, c.unit_id.in_(readable)),
        select(c.id).where(own, c.owner_unit_id.in_(readable)),
        select(c.id).where(own, c.visibility == Visibility.NAMED, c.unit_id.in_(colleagues)),
    )


def visibility_params(actor: Principal) -> dict[str, Any]:
    # Unit paths are hex digits and "/", so they need no LIKE escaping.
    return {
        "org_id": actor.org_id,
        "reader_id": actor.person_id,
        "reader_patterns": [prefix + "%" for prefix in actor.paths(*READERS)],
        "colleague_pattern": colleague_pattern(actor.home_path, actor.store_path),
    }


def follows(actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str) -> bool:
    """The reporter and those whose roles cover the insight follow its thread and timeline;
    a colleague who reads it only by the colleague rule sees the insight, not the exchange."""
    return author_id == actor.person_id or (
        actor.covers(unit_path, *READERS) or actor.covers(owner_path, *READERS)
    )


def require_endorse(actor: Principal, author_id: uuid.UUID, status: InsightStatus) -> None:
    if author_id == actor.person_id:
        raise Forbidden("You cannot back your own insight.", code="own_insight")
    if status is InsightStatus.MERGED:
        raise Conflict("The insight was merged into another; back that one.", code="insight_merged")


def sees_endorsers(actor: Principal, unit_path: str, owner_path: str) -> bool:
    """Who backed an insight is shown to the managers who can act on it, and to nobody else."""
    return can_act(actor, unit_path, owner_path)


def require_mergeable(
    parent_id: uuid.UUID, parent_status: InsightStatus, child_id: uuid.UUID
) -> None:
    if child_id == parent_id:
        raise InvalidInput("An insight cannot be merged into itself.", code="merge_into_itself")
    if parent_status is InsightStatus.MERGED:
        raise Conflict(
            "The insight is itself merged; merge into its parent.", code="merge_into_merged"
        )


def may_erase_contact(
    actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str
) -> bool:
    """The reporter who recorded the contact, and the managers who can act."""
    return author_id == actor.person_id or can_act(actor, unit_path, owner_path)


def sees_contact_details(
    actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str
) -> bool:
    """Name and address: for those who must reach the customer, and the reporter who gave them."""
    return may_erase_contact(actor, author_id, unit_path, owner_path)


def can_act(actor: Principal, unit_path: str, owner_path: str) -> bool:
    """Managers and admins act on insights of their subtree or routed to it."""
    return actor.covers(unit_path, *ACTORS) or actor.covers(owner_path, *ACTORS)


def require_act(actor: Principal, unit_path: str, owner_path: str) -> None:
    if not can_act(actor, unit_path, owner_path):
        raise Forbidden("Only the insight's managers can do this.", code="not_insight_manager")


def can_comment(actor: Principal, author_id: uuid.UUID, unit_path: str, owner_path: str) -> bool:
    """The two sides of the thread: the reporter and the managers who can act."""
    return author_id == actor.person_id or can_act(actor, unit_path, owner_path)


def shows_reporter(actor: Principal, author_id: uuid.UUID, visibility: Visibility) -> bool:
    """A confidential reporter is named to nobody but themselves."""
    return visibility is Visibility.NAMED or author_id == actor.person_id


def require_transition(current: InsightStatus, target: InsightStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"An insight that is {current.value} cannot become {target.value}.",
            code="invalid_status_transition",
            extra={"current_status": current.value, "target_status": target.value},
        )


def managed_unit_ids(actor: Principal) -> list[uuid.UUID]:
    """The units whose routed insights `actor` owns: those where they may act."""
    return [g.unit_id for g in actor.grants if g.role in ACTORS]


def require_manager(actor: Principal) -> None:
    """403 `not_a_manager` for someone who may act on no insight at all."""
    if not actor.has_role(*ACTORS):
        raise Forbidden("Only managers triage insights.", code="not_a_manager")


def may_act_by_grants(grants: list[tuple[Role, str]], unit_path: str, owner_path: str) -> bool:
    """Whether someone holding `grants` (role, unit path) may act on an insight posted at
    `unit_path` and routed to `owner_path`."""
    return any(
        role in ACTORS and (unit_path.startswith(path) or owner_path.startswith(path))
        for role, path in grants
    )


def shows_unit(actor: Principal, author_id: uuid.UUID, visibility: Visibility) -> bool:
    """A named insight shows the unit it was posted in to everyone who reads it. A
    confidential one shows it only to its reporter: to others its `shown_unit_id` (see
    `shown_unit`), wherever the unit appears (responses, metrics, the timeline, webhooks), so
    that a unit of one or two people does not name the reporter."""
    return visibility is Visibility.NAMED or author_id == actor.person_id


def in_units_clause(
    author_id: ColumnElement[uuid.UUID],
    unit_id: ColumnElement[uuid.UUID],
    shown_unit_id: ColumnElement[uuid.UUID],
    units: Select[Any],
) -> ColumnElement[bool]:
    """SQL condition for a filter by unit: an insight is where the caller sees it (see
    `shows_unit`), so filtering by a small unit does not single out a confidential one
    posted there. Bind `reader_id` as `visibility_params` does."""
    return or_(
        shown_unit_id.in_(units),
        and_(author_id == bindparam("reader_id"), unit_id.in_(units)),
    )


def shown_unit(org_id: uuid.UUID, unit_id: uuid.UUID) -> Select[Any]:
    """The unit others see of a confidential insight posted at `unit_id` (a named one shows
    its own): the nearest unit at or above it where at least the organisation's
    `confidential_unit_min_people` active people have their home unit in its subtree (the
    top of the tree when no level has that many). Counting stops at the threshold, so a
    level costs at most that many index lookups."""
    posted = table(Unit).alias("posted")
    level = table(Unit).alias("level")
    home = table(Unit).alias("home")
    people = table(Person)
    orgs = table(Organisation)
    least = select(orgs.c.confidential_unit_min_people).where(orgs.c.id == org_id).scalar_subquery()
    at_home = (
        select(literal(1))
        .select_from(home)
        .join(people, and_(people.c.org_id == home.c.org_id, people.c.home_unit_id == home.c.id))
        .where(home.c.org_id == org_id, home.c.path.like(level.c.path + "%"), people.c.active)
        .limit(least)
        .correlate(level)
        .subquery()
    )
    enough = select(func.count()).select_from(at_home).scalar_subquery() >= least
    depth = func.length(level.c.path)
    return (
        select(level.c.id)
        .select_from(posted)
        .join(
            level, and_(level.c.org_id == posted.c.org_id, posted.c.path.like(level.c.path + "%"))
        )
        .where(posted.c.org_id == org_id, posted.c.id == unit_id)
        # The deepest level with enough people; failing that, the top of the tree.
        .order_by(case((enough, depth), else_=-depth).desc())
        .limit(1)
    )
