"""Imports every domain's tables so that `Base.metadata` is complete (for Alembic and tests)."""

from app.actions import models as actions_models
from app.analytics import models as analytics_models
from app.auth import models as auth_models
from app.insights import models as insights_models
from app.loop import models as loop_models
from app.notify import models as notify_models
from app.org import models as org_models
from app.outcomes import models as outcomes_models
from app.platform.db import Base
from app.privacy import models as privacy_models
from app.routing import models as routing_models
from app.surveys import models as surveys_models
from app.themes import models as themes_models
from app.web import ratelimit as ratelimit_models
from app.web.idempotency import models as idempotency_models
from app.webhooks import models as webhooks_models

metadata = Base.metadata

__all__ = [
    "actions_models",
    "analytics_models",
    "auth_models",
    "idempotency_models",
    "insights_models",
    "loop_models",
    "metadata",
    "notify_models",
    "org_models",
    "outcomes_models",
    "privacy_models",
    "ratelimit_models",
    "routing_models",
    "surveys_models",
    "themes_models",
    "webhooks_models",
]
