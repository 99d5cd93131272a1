"""What a GraphQL request carries: the bearer token, one database session and the loaders."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import strawberry
from fastapi.security.utils import get_authorization_scheme_param
from graphql import FieldNode, OperationDefinitionNode
from starlette.requests import HTTPConnection
from strawberry.extensions import SchemaExtension
from strawberry.fastapi import BaseContext
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from app.gql.errors import internal_error
from app.gql.loaders import Loaders
from app.org.principal import Principal
from app.platform.errors import DomainError
from app.platform.i18n import DEFAULT, Locale, from_accept_language
from app.web.caller import authenticate, in_language, limit_rate
from app.web.runtime import Runtime
from app.web.unit_of_work import Session, complete, discard

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class Context(BaseContext):
    """One request's state: its token, the caller once authenticated, the session, loaders."""

    def __init__(
        self, runtime: Runtime, token: str | None, accept_language: str | None = None
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.token = token
        self.accept_language = accept_language
        # Opened by `Transaction` for the execution of one operation.
        self.session: Session | None = None
        self.loaders = Loaders(self)
        # Sibling fields resolve concurrently, but a session runs one statement at a time.
        self._lock = asyncio.Lock()
        # Service calls under way. When a field fails, GraphQL abandons its siblings; their
        # service calls run to the end all the same (a statement cancelled midway would
        # leave the connection unusable), and the transaction waits for them.
        self._running: set[asyncio.Future[Any]] = set()
        self._caller: Principal | None = None
        self._locale: Locale | None = None

    async def read(
        self,
        operation: Callable[Concatenate[Session, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run a service function as the caller, who is authenticated on first use. A caller
        that is cancelled stops waiting; the call itself finishes (see `settle`)."""
        call = asyncio.ensure_future(self._call(operation, *args, **kwargs))
        self._running.add(call)
        call.add_done_callback(self._running.discard)
        return await asyncio.shield(call)

    async def settle(self) -> None:
        """Wait until no service call of this request is under way."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _call(
        self,
        operation: Callable[Concatenate[Session, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        async with self._lock:
            if self.session is None:
                raise RuntimeError("The session exists only while an operation executes.")
            if self._caller is None:
                caller = in_language(
                    await authenticate(
                        self.runtime.validator, self.session, self.token, self.runtime.principals
                    ),
                    self.accept_language,
                )
                self._locale = caller.locale
                await limit_rate(self.runtime, caller)
                self._caller = caller
            return await operation(self.session, self._caller, *args, **kwargs)

    async def identify(self) -> None:
        """Learn who calls, if the token says, without failing when it does not."""
        with contextlib.suppress(DomainError):
            await self.read(_nothing)

    @property
    def caller(self) -> Principal | None:
        """The caller, once authenticated."""
        return self._caller

    @property
    def locale(self) -> Locale:
        """The language of this request's answers, errors included."""
        if self._locale is not None:
            return self._locale
        return from_accept_language(self.accept_language) or DEFAULT

    async def write(
        self,
        operation: Callable[Concatenate[Session, Principal, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Like `read`, for a change: afterwards nothing loaded before it is trusted."""
        self.loaders.forget()
        return await self.read(operation, *args, **kwargs)


async def _nothing(session: Session, caller: Principal) -> None:
    return None


Info = strawberry.Info[Context, None]


async def context_getter(connection: HTTPConnection) -> Context:
    scheme, token = get_authorization_scheme_param(connection.headers.get("Authorization"))
    runtime: Runtime = connection.app.state.runtime
    return Context(
        runtime,
        token if scheme.lower() == "bearer" and token else None,
        connection.headers.get("Accept-Language"),
    )


class Transaction(SchemaExtension):
    """One session per executed operation: committed when the result has no errors and
    rolled back when it has any, so a failed operation leaves nothing half-done."""

    async def on_execute(self) -> AsyncIterator[None]:
        context: Context = self.execution_context.context
        session = context.runtime.sessions()
        context.session = session
        try:
            if context.token is not None:
                # Known up front, so that every error, even one in the input before any
                # service runs, speaks the caller's language.
                await context.identify()
            yield
        except BaseException:
            await context.settle()
            await discard(session)
            raise
        await context.settle()
        result = self.execution_context.result
        if result is None or result.errors:
            await discard(session)
            return
        operation_type = self.execution_context.operation_type
        mutation = operation_type is OperationType.MUTATION
        variables = self.execution_context.variables or {}
        request = getattr(context, "request", None)
        try:
            await complete(
                session,
                request.state if request is not None else None,
                context.caller,
                changes=mutation,
                operation=(
                    f"graphql {operation_type.value} "
                    f"{self.execution_context.operation_name or 'anonymous'}"
                ),
                target={
                    "fields": sorted(_top_fields(self.execution_context)),
                    # Ids, never free text.
                    **{
                        name: value
                        for name, value in variables.items()
                        if name.lower().endswith(("id", "ids"))
                    },
                },
                # A mutation sent with an Idempotency-Key is committed by the idempotency
                # middleware, together with the response it stores.
                keyed=mutation,
            )
        except Exception as exc:
            log.exception("GraphQL commit failed")
            result.data = None
            result.errors = [internal_error(exc)]


def _top_fields(execution_context: ExecutionContext) -> set[str]:
    document = execution_context.graphql_document
    if document is None:
        return set()
    fields: set[str] = set()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for selection in definition.selection_set.selections:
                if isinstance(selection, FieldNode):
                    fields.add(selection.name.value)
    return fields
