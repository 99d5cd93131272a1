import contextlib
import ipaddress
import re
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError


def _problem(message: str) -> PydanticCustomError:
    """A setting's problem in words, as the start-up check lists it."""
    return PydanticCustomError("invalid_setting", message)


def _web_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _problem("not an http:// or https:// URL with a host")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number in range)
    except ValueError as exc:
        raise _problem("the URL's port is not a number from 1 to 65535") from exc
    return value


def _secure_or_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or parts.hostname in ("127.0.0.1", "::1", "localhost")


# Settings that count something (bytes, seconds, items) and must be above zero.
_POSITIVE = (
    "db_pool_size",
    "oidc_jwks_cache_seconds",
    "access_token_minutes",
    "refresh_token_days",
    "authorization_code_seconds",
    "idempotency_ttl_hours",
    "idempotency_wait_seconds",
    "idempotency_lease_seconds",
    "max_body_bytes",
    "max_batch_body_bytes",
    "max_upload_bytes",
    "max_import_bytes",
    "max_import_rows",
    "max_request_headers",
    "max_request_header_bytes",
    "request_head_timeout_seconds",
    "request_body_timeout_seconds",
    "max_json_depth",
    "attachment_image_max_bytes",
    "attachment_audio_max_bytes",
    "attachment_audio_max_seconds",
    "attachment_image_max_dimension",
    "attachment_thumbnail_size",
    "attachment_image_max_pixels",
    "attachment_image_max_decoded_pixels",
    "attachment_image_decode_concurrency",
    "graphql_max_depth",
    "stalled_job_seconds",
    "shutdown_seconds",
)
# Request rates, where 0 turns the limit off.
_NOT_NEGATIVE = (
    "rate_limit_person_per_minute",
    "rate_limit_person_burst",
    "rate_limit_org_per_minute",
    "rate_limit_org_burst",
)
_EMBEDDER = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


class Settings(BaseSettings):
    """Every setting comes from the environment with the prefix INSIGHT_."""

    model_config = SettingsConfigDict(env_prefix="INSIGHT_", env_file=".env", extra="ignore")

    # Checked when the settings are read: each problem is one error of the ValidationError,
    # named by its setting, which `insight serve` and `insight worker` list before exiting.
    # The combinations are checked once every setting alone is valid.

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise _problem(
                "not a URL such as postgresql://user:password@host:5432/insight"
            ) from exc
        if url.get_backend_name() != "postgresql":
            raise _problem(f"names {url.get_backend_name()}; only PostgreSQL is supported")
        if not url.database:
            raise _problem("names no database (postgresql://user:password@host:5432/DATABASE)")
        return value

    @field_validator("public_url", "oidc_issuer", "sms_gateway_url", "s3_endpoint_url")
    @classmethod
    def _check_web_url(cls, value: str | None) -> str | None:
        return _web_url(value)

    @field_validator("oauth_redirect_uris")
    @classmethod
    def _check_redirect_uris(cls, value: list[str]) -> list[str]:
        for position, uri in enumerate(value):
            parts = urlsplit(uri)
            if not parts.scheme or not (parts.netloc or parts.path) or parts.fragment:
                raise _problem(f"entry {position + 1} is not an absolute URI without a fragment")
        return value

    @field_validator("port", "smtp_port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise _problem(f"{value} is not a port: a number from 1 to 65535")
        return value

    @field_validator(*_POSITIVE)
    @classmethod
    def _check_positive(cls, value: float) -> float:
        if value <= 0:
            raise _problem(f"must be above 0, not {value}")
        return value

    @field_validator(*_NOT_NEGATIVE)
    @classmethod
    def _check_not_negative(cls, value: int) -> int:
        if value < 0:
            raise _problem(f"must be 0 (no limit) or more, not {value}")
        return value

    @field_validator("host", "oidc_audience", "oidc_subject_claim", "oauth_client_id")
    @classmethod
    def _check_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise _problem("must not be empty")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _check_sender(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise _problem("not an e-mail address such as Insight <insight@example.com>")
        return value

    @field_validator("sms_sender")
    @classmethod
    def _check_sms_sender(cls, value: str) -> str:
        number = re.fullmatch(r"\+?\d{3,15}", value)
        if not number and not re.fullmatch(r"[A-Za-z0-9 ]{1,11}", value):
            raise _problem("must be a phone number or at most 11 letters and digits")
        return value

    @field_validator("embedder")
    @classmethod
    def _check_embedder(cls, value: str | None) -> str | None:
        if value is not None and not _EMBEDDER.fullmatch(value):
            raise _problem("must read package.module:factory")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Self:
        problems: list[tuple[str, str]] = []
        if self.smtp_host is None:
            problems += [
                (name, "is set but INSIGHT_SMTP_HOST is not, so nothing is e-mailed")
                for name in ("smtp_username", "smtp_password")
                if getattr(self, name) is not None
            ]
        elif (self.smtp_username is None) != (self.smtp_password is None):
            missing = "smtp_password" if self.smtp_password is None else "smtp_username"
            problems.append((missing, "must be set with the other SMTP credential"))
        if self.s3_bucket is None:
            problems += [
                (name, "is set but INSIGHT_S3_BUCKET is not, so attachments stay on disk")
                for name in ("s3_endpoint_url", "s3_region")
                if getattr(self, name) is not None
            ]
        if self.sms_gateway_token is not None and self.sms_gateway_url is None:
            problems.append(("sms_gateway_token", "is set but INSIGHT_SMS_GATEWAY_URL is not"))
        if self.oidc_issuer is not None and not _secure_or_local(self.oidc_issuer):
            problems.append(
                ("oidc_issuer", "must be https:// (plain http only on 127.0.0.1 or localhost)")
            )
        largest = max(self.attachment_image_max_bytes, self.attachment_audio_max_bytes)
        if largest > self.max_upload_bytes:
            problems.append(
                (
                    "max_upload_bytes",
                    f"is {self.max_upload_bytes} bytes, below the largest attachment "
                    f"({largest} bytes) that INSIGHT_ATTACHMENT_*_MAX_BYTES allow",
                )
            )
        if self.max_batch_body_bytes < self.max_body_bytes:
            problems.append(("max_batch_body_bytes", "must not be below INSIGHT_MAX_BODY_BYTES"))
        if self.attachment_thumbnail_size > self.attachment_image_max_dimension:
            problems.append(
                (
                    "attachment_thumbnail_size",
                    "must not be above INSIGHT_ATTACHMENT_IMAGE_MAX_DIMENSION",
                )
            )
        if problems:
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [
                    InitErrorDetails(type=_problem(message), loc=(name,), input=None)
                    for name, message in problems
                ],
            )
        return self

    # Without a URL the platform runs its own PostgreSQL in `data_dir`.
    database_url: str | None = None
    data_dir: Path = Path(".insight")
    db_pool_size: int = 10

    # The address `insight serve` listens on (its --host and --port override these).
    host: str = "127.0.0.1"
    port: int = 8000
    # Where clients reach the API; the built-in issuer uses it as its `iss`. Unset, it is
    # the address served (see `base_url`); set it when clients come through a proxy, a
    # container's published port or a name other than the listening address.
    public_url: str | None = None

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

    # Customers whose contact channel is SMS get their message through this HTTP SMS gateway
    # (a JSON POST, see docs/integrations.md#sms); without a URL an SMS waits for a person
    # to send it and mark it delivered.
    sms_gateway_url: str | None = None
    # Sent as `Authorization: Bearer <token>` when set.
    sms_gateway_token: str | None = None
    # The sender the gateway shows: a number or an alphanumeric name (at most 11 characters).
    sms_sender: str = "Insight"

    # Idempotency-Key: how long a key's response is kept for retries, how long a retry waits
    # for the first request with its key to finish, and how long a first request may hold
    # its key before a retry may take it over (a request that died holds it no longer).
    idempotency_ttl_hours: int = 24
    idempotency_wait_seconds: float = 10.0
    idempotency_lease_seconds: int = 60

    # The largest request bodies accepted (413 beyond): JSON requests, the offline sync
    # batch of up to 500 items, and attachment uploads.
    max_body_bytes: int = 1024 * 1024
    max_batch_body_bytes: int = 8 * 1024 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    # Imported EX results and CX outcomes (`POST /imports/{kind}/rows`): the file's bytes, and
    # its rows (413 beyond either).
    max_import_bytes: int = 20 * 1024 * 1024
    max_import_rows: int = 200_000
    # Request headers: how many, and their names and values in bytes (431 beyond). A
    # request's head (the request line with the headers) must arrive within the timeout,
    # and a body may pause for at most its timeout (408); the connection is closed then.
    max_request_headers: int = 100
    max_request_header_bytes: int = 32 * 1024
    request_head_timeout_seconds: float = 10.0
    request_body_timeout_seconds: float = 30.0
    # How deep arrays and objects may nest in a JSON body, REST and GraphQL (422 beyond).
    max_json_depth: int = 32

    # Photos and voice notes on insights and comments. Sizes are of the uploaded file.
    attachment_image_max_bytes: int = 15 * 1024 * 1024
    attachment_audio_max_bytes: int = 20 * 1024 * 1024
    attachment_audio_max_seconds: float = 300
    # Larger photos are scaled down to this long side when stored; the thumbnail's long side.
    attachment_image_max_dimension: int = 4096
    attachment_thumbnail_size: int = 320
    # Images with more pixels are refused before they are decoded (decompression bombs).
    attachment_image_max_pixels: int = 60_000_000
    # Memory per photo: at most this many pixels are decoded (4 bytes each). A larger JPEG
    # is decoded at a half, quarter or eighth of its size; other formats are refused (422).
    attachment_image_max_decoded_pixels: int = 25_000_000
    # Photos decoded at once per serving process; more uploads wait their turn.
    attachment_image_decode_concurrency: int = 2
    # Attachments go to this S3-compatible bucket when set, else under data_dir/attachments.
    # Credentials come from the standard AWS environment variables and config files.
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None

    # The embedder of insight texts, as "package.module:factory" returning an object with
    # `name`, `dimensions` and `embed(texts)` (`app.themes.embedder.Embedder`); by default
    # the bundled multilingual-e5-small. Changing it re-embeds every insight.
    embedder: str | None = None

    # Requests per minute on average, and at once, for each person and each organisation
    # (429 beyond); 0 turns a limit off. Shared by every process (see rate_limit_store).
    rate_limit_person_per_minute: int = 300
    rate_limit_person_burst: int = 60
    rate_limit_org_per_minute: int = 30_000
    rate_limit_org_burst: int = 3_000

    # GraphQL's IDE, introspection and "did you mean" hints in errors: for development
    # (`make run` turns them on), off in production unless enabled.
    graphql_ide: bool = False
    graphql_introspection: bool = False
    graphql_field_suggestions: bool = False
    graphql_max_depth: int = 12

    # --- Logs, metrics and traces (docs/operations.md#logs-metrics-and-traces) ---
    # Log lines on stderr: `json` (one object a line), `text` (for a person), or `auto`:
    # text when stderr is a terminal, JSON otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # The bearer token a Prometheus scraper sends for `/metrics`; without one, `/metrics`
    # is not served (404).
    metrics_token: str | None = None
    # Traces go, over OTLP/HTTP, to this collector (`http://collector:4318`); unset, to the
    # one the standard OTEL_EXPORTER_OTLP_ENDPOINT names, and without either nothing is
    # traced. The service name the traces carry.
    otlp_endpoint: str | None = None
    service_name: str = "insight"

    # More than one process: where rate limits are counted ("shared": in Redis when
    # redis_url is set, else in PostgreSQL; "process": each process on its own), how long a
    # worker's job may go without a heartbeat before another worker retries it, and how long
    # in-flight requests and jobs may take to finish after SIGTERM.
    rate_limit_store: Literal["shared", "process"] = "shared"
    redis_url: str | None = None
    stalled_job_seconds: int = 60
    shutdown_seconds: float = 30.0

    @cached_property
    def builtin_issuer(self) -> bool:
        return self.oidc_issuer is None

    @property
    def base_url(self) -> str:
        """Where clients reach the API: INSIGHT_PUBLIC_URL, else the address served. A
        server listening on every interface is reached on this machine through loopback."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = self.host.strip("[]") or "0.0.0.0"  # noqa: S104 (read, not bound)
        with contextlib.suppress(ValueError):
            address = ipaddress.ip_address(host)
            if address.is_unspecified:
                address = ipaddress.ip_address("::1" if address.version == 6 else "127.0.0.1")
            host = f"[{address}]" if address.version == 6 else str(address)
        return f"http://{host}:{self.port}"

    @property
    def issuer(self) -> str:
        return self.oidc_issuer or self.base_url
