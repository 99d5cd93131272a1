"""The request id: one token that follows a piece of work from the HTTP request (or the
job run) that began it into its log lines, the jobs it defers and the webhooks it sends.

It lives in a context variable, so whatever runs on behalf of a request (in its task, or
in tasks started from it) finds it without being handed it."""

import re
import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

HEADER = "X-Request-ID"
# A job deferred with this keyword argument runs under that request id.
JOB_ARGUMENT = "request_id"
# What a request id sent by a client (or its load balancer) may look like to be kept:
# short, and nothing that could forge a log line or a header.
_SANE = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")


@dataclass(slots=True)
class Work:
    """What is known of the work under way: its request id and, once the caller is known,
    their organisation. Shared (not copied) by the tasks a request starts."""

    request_id: str
    org_id: uuid.UUID | None = None


_current: ContextVar[Work | None] = ContextVar("insight_work", default=None)


def new() -> str:
    return uuid.uuid4().hex


def accepted(sent: str | None) -> str:
    """The id sent when it is a sane token, else a new one."""
    if sent is not None and _SANE.fullmatch(sent):
        return sent
    return new()


def current() -> str | None:
    work = _current.get()
    return work.request_id if work is not None else None


def bind(work: Work) -> Token[Work | None]:
    return _current.set(work)


def unbind(token: Token[Work | None]) -> None:
    _current.reset(token)


def note_organisation(org_id: uuid.UUID) -> None:
    """The work under way acts for `org_id` (its log line says so)."""
    work = _current.get()
    if work is not None:
        work.org_id = org_id


# Where a timeline event keeps the request id of the work that wrote it, for the webhooks
# it becomes; the timeline's readers never show it.
EVENT_KEY = "request_id"


def stamped(data: dict[str, Any]) -> dict[str, Any]:
    """An event's `data` with the current request id, if any."""
    found = current()
    return {**data, EVENT_KEY: found} if found else data


def unstamped(data: dict[str, Any]) -> dict[str, Any]:
    """An event's `data` as its readers see it: without the request id."""
    if EVENT_KEY not in data:
        return data
    return {key: value for key, value in data.items() if key != EVENT_KEY}


def job_arguments(**arguments: object) -> dict[str, object]:
    """The arguments of a job deferred now: `arguments` with the current request id, so the
    job's log lines and the webhooks it sends carry it."""
    found = current()
    return {**arguments, JOB_ARGUMENT: found} if found else dict(arguments)
