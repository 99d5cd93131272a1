"""The few errors a client can get, each with a stable code shared by REST and GraphQL."""

from typing import Any


class DomainError(Exception):
    """A rule was broken. `code` is stable and documented; `status` is the HTTP status."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.extra = extra or {}
        super().__init__(self.detail)


class NotFound(DomainError):
    """Missing, or out of the caller's reach: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"
    title = "Not found"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"


class PreconditionFailed(DomainError):
    """The client's copy is stale (If-Match did not match)."""

    status = 412
    code = "version_mismatch"
    title = "The resource has changed"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


class TooLarge(DomainError):
    status = 413
    code = "too_large"
    title = "Content too large"


class Unavailable(DomainError):
    """The database could not be reached, or the connection to it was lost: nothing of the
    request was kept, and it is safe to send it again (Retry-After says when)."""

    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
