"""The log lines a test captured, as the JSON formatter writes them."""

import json
from typing import Any

import pytest

from app.platform import logs


def json_lines(caplog: pytest.LogCaptureFixture, logger: str) -> list[dict[str, Any]]:
    """Every line `logger` wrote while the test ran, parsed from its JSON form."""
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == logger]
