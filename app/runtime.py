"""What a running platform holds for its lifetime: settings, database and token validation."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.tokens import BuiltinKeys, KeySource, RemoteKeys, TokenValidator
from app.db import create_engine, database_url, session_factory
from app.loop.channels import CustomerChannel, EmailChannel, InProcessChannel
from app.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    validator: TokenValidator
    # Present only when the platform is its own issuer.
    builtin_keys: BuiltinKeys | None
    # Where customer messages go: e-mail contacts through SMTP when it is configured.
    customer_channel: CustomerChannel = field(default_factory=InProcessChannel)

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine | None = None) -> "Runtime":
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
        channel: CustomerChannel = InProcessChannel()
        if settings.smtp_host:
            channel = EmailChannel(others=channel)
        return cls(settings, engine, sessions, validator, builtin, channel)

    async def close(self) -> None:
        await self.engine.dispose()
