from functools import cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting comes from the environment with the prefix INSIGHT_."""

    model_config = SettingsConfigDict(env_prefix="INSIGHT_", env_file=".env", extra="ignore")

    # Without a URL the platform runs its own PostgreSQL in `data_dir`.
    database_url: str | None = None
    data_dir: Path = Path(".insight")
    db_pool_size: int = 10

    # Where clients reach the API; the built-in issuer uses it as its `iss`.
    public_url: str = "http://127.0.0.1:8000"

    # External OpenID provider. When unset, the built-in issuer signs tokens.
    oidc_issuer: str | None = None
    oidc_audience: str = "insight-api"
    oidc_jwks_cache_seconds: int = 300
    # Claim of an external token that names the person (matched to person.subject).
    oidc_subject_claim: str = "sub"

    access_token_minutes: int = 30
    refresh_token_days: int = 30
    authorization_code_seconds: int = 120
    # The built-in issuer's one registered client: the mobile app, a public client that
    # proves itself with PKCE. A loopback redirect URI matches on any port (RFC 8252 §7.3),
    # so development tools can listen wherever a port is free.
    oauth_client_id: str = "insight-app"
    oauth_redirect_uris: list[str] = ["insight://oauth/callback", "http://127.0.0.1:8765/callback"]

    # Run the task queue's worker (deadlines and escalation) inside `insight serve`. Turn it
    # off when separate `insight worker` processes run the queue.
    inprocess_worker: bool = True

    # Webhooks go to public HTTPS addresses only. Development and tests may allow plain HTTP
    # to 127.0.0.1 and localhost; private and link-local targets are refused either way.
    webhook_allow_loopback: bool = False

    # E-mail goes out through this SMTP server; without a host nothing is e-mailed (customer
    # messages stay in-process, staff see notifications in the app only).
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "Insight <insight@localhost>"
    # Upgrade the connection with STARTTLS (port 587); off only for local relays and tests.
    smtp_starttls: bool = True

    graphql_ide: bool = True
    graphql_max_depth: int = 12

    @cached_property
    def builtin_issuer(self) -> bool:
        return self.oidc_issuer is None

    @cached_property
    def issuer(self) -> str:
        return self.oidc_issuer or self.public_url.rstrip("/")
