"""Who may read themes and who may change them.

Themes are the organisation's, but what a reader sees of them is measured over the
insights of their own reading scope (`app.themes.reports`). Managers and administrators,
who act on insights, curate themes: rename, merge, split, move an insight (which they must
be able to act on). HR reads them. Starting a re-clustering is for the same curators.
"""

from app.insights.policies import ACTORS, READERS
from app.org.principal import Principal
from app.platform.errors import Forbidden


def require_reader(actor: Principal) -> None:
    if not actor.has_role(*READERS):
        raise Forbidden("Themes are for managers, HR and administrators.", code="not_a_reader")


def require_curator(actor: Principal) -> None:
    if not actor.has_role(*ACTORS):
        raise Forbidden("Only managers and administrators change themes.", code="not_a_manager")


def reads_themes(actor: Principal) -> bool:
    """Whether an insight's theme is shown to the caller alongside the insight."""
    return actor.has_role(*READERS)
