"""What a running platform holds for its lifetime: settings, database and token validation."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.attachments.storage import AttachmentStore, store_from_settings
from app.auth.tokens import BuiltinKeys, KeySource, RemoteKeys, TokenValidator
from app.loop.channels import ByPerson, CustomerChannel, channel_from
from app.org.principal import Principals
from app.platform.db import create_engine, database_url, session_factory
from app.platform.settings import Settings
from app.routing.directory import Directories
from app.themes.embedder import Embedder, load_embedder
from app.web.ratelimit import (
    Limiter,
    PostgresStore,
    ProcessStore,
    RateLimits,
    RedisStore,
    Store,
)


def rate_limits_from(
    settings: Settings, engine: AsyncEngine | None = None, *, own_engine: bool = False
) -> RateLimits:
    """The limits `settings` ask for, counted where they say: in Redis when a URL is
    configured, else in the database of `engine` (its own pool when `own_engine`, closed
    with the limits), or in this process only when asked (or without an engine)."""
    store: Store
    if settings.rate_limit_store == "process":
        store = ProcessStore()
    elif settings.redis_url:
        store = RedisStore(settings.redis_url)
    elif engine is not None:
        if own_engine:
            url = engine.url.render_as_string(hide_password=False)
            store = PostgresStore(create_engine(url, pool_size=2), owned=True)
        else:
            store = PostgresStore(engine)
    else:
        store = ProcessStore()
    return RateLimits(
        person=Limiter(
            "person", settings.rate_limit_person_per_minute, settings.rate_limit_person_burst
        ),
        organisation=Limiter(
            "organisation", settings.rate_limit_org_per_minute, settings.rate_limit_org_burst
        ),
        store=store,
    )


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    validator: TokenValidator
    # Present only when the platform is its own issuer.
    builtin_keys: BuiltinKeys | None
    # Where attachment bytes are kept.
    attachments: AttachmentStore
    # Where customer messages go: e-mail and SMS contacts through SMTP and the SMS gateway
    # when they are configured; the rest await a person.
    customer_channel: CustomerChannel = field(default_factory=ByPerson)
    # Request rates per person and organisation, counted where the settings say (the
    # database by default, shared by every process).
    rate_limits: RateLimits | None = None
    # Turns insight texts into vectors, in requests that show similar insights and in the
    # in-process worker.
    embedder: Embedder | None = None
    # Callers by token, and organisations' routing directories, as this process last read
    # them; checked against the organisation's directory version before use.
    principals: Principals = field(default_factory=Principals)
    directories: Directories = field(default_factory=Directories)

    def __post_init__(self) -> None:
        if self.rate_limits is None:
            self.rate_limits = rate_limits_from(self.settings, self.engine)
        if self.embedder is None:
            self.embedder = load_embedder(self.settings.embedder)

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine | None = None) -> "Runtime":
        owned = engine is None
        engine = engine or create_engine(database_url(settings), pool_size=settings.db_pool_size)
        sessions = session_factory(engine)
        builtin = BuiltinKeys(sessions) if settings.builtin_issuer else None
        keys: KeySource = builtin or RemoteKeys(
            settings.issuer, cache_seconds=settings.oidc_jwks_cache_seconds
        )
        validator = TokenValidator(
            issuer=settings.issuer,
            audience=settings.oidc_audience,
            keys=keys,
            subject_claim=settings.oidc_subject_claim,
        )
        channel = channel_from(email=bool(settings.smtp_host), sms=bool(settings.sms_gateway_url))
        # A process's own engine gives the limits a pool of their own: a request holding a
        # connection never waits for another from the same pool to be counted.
        limits = rate_limits_from(settings, engine, own_engine=owned)
        return cls(
            settings,
            engine,
            sessions,
            validator,
            builtin,
            store_from_settings(settings),
            channel,
            rate_limits=limits,
        )

    async def close(self) -> None:
        if self.rate_limits is not None:
            await self.rate_limits.close()
        await self.engine.dispose()
