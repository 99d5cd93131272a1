"""Log lines: one JSON object a line for machines, or short lines for a person at a
terminal (`configure`). Every line carries the request id of the work it belongs to and,
when tracing is on, the trace and span ids."""

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from app.platform import request_ids

LogFormat = Literal["auto", "json", "text"]

# The structured part of a line: what a log call may add with `extra=`. Anything else
# given as an extra is left out, so no stray value (a name, a query string, a token)
# reaches the logs by that road.
FIELDS = (
    "method",
    "route",
    "status",
    "duration_ms",
    "org_id",
    "job",
    "job_id",
    "queue",
    "outcome",
    "request_id",
    "trace_id",
    "span_id",
)

# Set while tracing is on: the current (trace id, span id) in hex, or None outside a span.
trace_ids: Callable[[], tuple[str, str] | None] | None = None


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields of `record`, with the request id and trace ids in force."""
    # Plain values only: a library's extra of the same name (procrastinate's `job`, a dict
    # with the job's arguments) is left out.
    found: dict[str, Any] = {
        name: value
        for name in FIELDS
        if isinstance(value := getattr(record, name, None), str | int | float)
    }
    if "request_id" not in found and (request_id := request_ids.current()) is not None:
        found["request_id"] = request_id
    if "trace_id" not in found:
        found |= trace_fields()
    return found


def trace_fields() -> dict[str, str]:
    """The current trace and span ids while tracing is on, for a line logged now."""
    ids = trace_ids() if trace_ids is not None else None
    return {"trace_id": ids[0], "span_id": ids[1]} if ids is not None else {}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extra = " ".join(f"{name}={value}" for name, value in fields(record).items())
        line = f"{moment} {record.levelname:<7} {record.name}: {record.getMessage()}"
        if extra:
            line = f"{line}  {extra}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def formatter(format: LogFormat, stream: Any = None) -> logging.Formatter:
    """JSON unless the format is `text`, or `auto` and `stream` (stderr) is a terminal."""
    stream = stream if stream is not None else sys.stderr
    if format == "text" or (format == "auto" and stream.isatty()):
        return TextFormatter()
    return JsonFormatter()


def configure(format: LogFormat = "auto", level: int = logging.INFO) -> None:
    """Send every log line (the platform's, uvicorn's, procrastinate's) to stderr in one
    format."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(format, sys.stderr))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
