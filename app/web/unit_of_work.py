"""The one unit of work of a request, REST or GraphQL: one session, committed when the request
succeeded, with its audit entry, or rolled back when it failed. A request sent with an
Idempotency-Key hands its session to the idempotency middleware instead, which commits it
together with the response it stores for retries."""

import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from app.org.principal import Principal
from app.privacy import audit
from app.privacy.models import AuditKind
from app.web.idempotency.claim import pending_claim
from app.web.runtime import Runtime

log = logging.getLogger(__name__)

# Where the authenticated caller sits: `Request.state.principal`.
PRINCIPAL_STATE = "principal"
# Noted in `session.info` by a request that wrote its own audit entry (`audit_rider`).
AUDIT_RECORDED = audit.RECORDED


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value


async def discard(session: AsyncSession) -> None:
    """Roll back and close a request's session. On a lost connection the server has rolled
    back already, so failing to here is no failure."""
    try:
        await session.rollback()
    except Exception as exc:
        log.warning("could not roll back a request's session: %s", exc)
    try:
        await session.close()
    except Exception as exc:
        log.warning("could not close a request's session: %s", exc)


async def complete(
    session: AsyncSession,
    state: Any,
    caller: Principal | None,
    *,
    changes: bool,
    operation: str,
    target: dict[str, Any],
    keyed: bool = True,
) -> None:
    """Finish a request that succeeded: its audit entry (every change, and every read by HR
    or an administrator) goes into its own transaction, which is then committed, or adopted
    by the request's Idempotency-Key claim (`state` is `Request.state`) when `keyed`. Any
    failure rolls everything back and is raised."""
    try:
        # A request may have written its own entry with its other rows (posting).
        if caller is not None and not session.info.pop(audit.RECORDED, False):
            kind = audit.kind_of(caller, changes=changes)
            if kind is not None:
                await audit.record(session, caller, kind=kind, operation=operation, target=target)
    except BaseException:
        await discard(session)
        raise
    claim = pending_claim(state) if keyed else None
    if claim is not None and claim.adopt(session):
        return
    try:
        await session.commit()
    except BaseException:
        await discard(session)
        raise
    await session.close()


def _template(path: str, params: dict[str, Any]) -> str:
    """The route's template: the path with each parameter's value put back as its name."""
    names = {str(value): name for name, value in params.items()}
    return "/".join(
        "{" + names[segment] + "}" if segment in names else segment for segment in path.split("/")
    )


def audit_note(request: Request) -> tuple[str, dict[str, Any]]:
    """The operation and target the request's audit entry names, for a request that writes
    its entry itself, with its other rows, and then notes so in `session.info`
    (`audit.RECORDED`)."""
    # The URL's path as `request.url.path` has it, without building the whole URL.
    path = request.scope.get("root_path", "") + request.scope["path"]
    return (
        f"{request.method} {_template(path, request.path_params)}",
        {**request.query_params, **request.path_params},
    )


def audit_rider(request: Request) -> Callable[[Principal], tuple[Table, dict[str, Any]]]:
    """The audit entry of a changing request as a row of the audit table, for a request
    that writes it with its other rows and then notes `audit.RECORDED` in `session.info`."""
    operation, target = audit_note(request)

    def row(caller: Principal) -> tuple[Table, dict[str, Any]]:
        values = audit.entry(caller, kind=AuditKind.CHANGE, operation=operation, target=target)
        return audit.entries, values

    return row


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per REST request: committed before the response is sent, rolled back
    on any error, so a client never sees success for something that was not stored."""
    session = runtime(request).sessions()
    try:
        yield session
    except BaseException:
        await discard(session)
        raise
    caller = getattr(request.state, PRINCIPAL_STATE, None)
    await complete(
        session,
        request.state,
        caller if isinstance(caller, Principal) else None,
        changes=request.method in audit.CHANGING_METHODS,
        operation=audit_note(request)[0],
        target=audit_note(request)[1],
    )


Session = Annotated[AsyncSession, Depends(_session, scope="function")]
