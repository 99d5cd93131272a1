<%!
    import re

    # Alembic wraps the commands it writes in "please adjust" banners; the revision is
    # adjusted, so they go.
    BANNER = re.compile(r"\s*# ### [^\n]* ###")

    def commands(body):
        return BANNER.sub("", body or "").strip() or "pass"
%>\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | None = ${repr(down_revision)}
% if branch_labels:
branch_labels = ${repr(branch_labels)}
% endif
% if depends_on:
depends_on = ${repr(depends_on)}
% endif


def upgrade() -> None:
    ${commands(upgrades)}


def downgrade() -> None:
    ${commands(downgrades)}
