"""What a GraphQL request carries: the bearer token, one database session and the loaders."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

import strawberry
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension
from strawberry.fastapi import BaseContext

from app.auth.dependencies import Session, authenticate
from app.auth.principal import Principal
from app.gql.errors import internal_error
from app.gql.loaders import Loaders
from app.runtime import Runtime

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class Context(BaseContext):
    """One request's state: its token, the caller once authenticated, the session, loaders."""

    def __init__(self, runtime: Runtime, token: str | None) -> None:
        super().__init__()
        self.runtime = runtime
        self.token = token
        # Opened by `Transaction` for the execution of one operation.
        self.session: Session | None = None
        self.loaders = Loaders(self)
        # Sibling fields resolve concurrently, but a session runs one statement at a time.
        self._lock = asyncio.Lock()
        self._caller: Principal | None = None

    async def read(
        self,
        operation: Callable[Concatenate[Session, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run a service function as the caller, who is authenticated on first use."""
        async with self._lock:
            if self.session is None:
                raise RuntimeError("The session exists only while an operation executes.")
            if self._caller is None:
                self._caller = await authenticate(self.runtime.validator, self.session, self.token)
            return await operation(self.session, self._caller, *args, **kwargs)

    async def write(
        self,
        operation: Callable[Concatenate[Session, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Like `read`, for a change: afterwards nothing loaded before it is trusted."""
        self.loaders.forget()
        return await self.read(operation, *args, **kwargs)


Info = strawberry.Info[Context, None]


async def context_getter(connection: HTTPConnection) -> Context:
    scheme, token = get_authorization_scheme_param(connection.headers.get("Authorization"))
    runtime: Runtime = connection.app.state.runtime
    return Context(runtime, token if scheme.lower() == "bearer" and token else None)


class Transaction(SchemaExtension):
    """One session per executed operation: committed when the result has no errors and
    rolled back when it has any, so a failed operation leaves nothing half-done."""

    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        async with context.runtime.sessions() as session:
            context.session = session
            yield
            result = self.execution_context.result
            if result is None or result.errors:
                await session.rollback()
                return
            try:
                await session.commit()
            except Exception as exc:
                log.exception("GraphQL commit failed")
                await session.rollback()
                result.data = None
                result.errors = [internal_error(exc)]
