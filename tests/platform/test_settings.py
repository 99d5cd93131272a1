"""Settings are checked when read: every problem is named by its environment variable, on a
line of its own, and `insight serve` and `insight worker` exit 2 listing them, without a
traceback and without echoing a value that may hold a secret."""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app import cli
from app.platform.settings import Settings

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(autouse=True)
def no_insight_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("INSIGHT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no developer's .env


def _problems(**values: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as invalid:
        Settings(**values)
    return {
        ".".join(str(part) for part in error["loc"]): error["msg"]
        for error in invalid.value.errors()
    }


def test_the_defaults_and_the_usual_deployments_are_valid() -> None:
    Settings()
    Settings(
        database_url="postgresql://insight:secret@db:5432/insight",
        public_url="https://insight.example.com",
        oidc_issuer="https://login.example.com/realms/insight",
        smtp_host="smtp.example.com",
        smtp_username="insight",
        smtp_password="secret",
        s3_bucket="insight-attachments",
        s3_endpoint_url="https://s3.eu-north-1.amazonaws.com",
        s3_region="eu-north-1",
        sms_gateway_url="https://sms.example.com/send",
        sms_gateway_token="token",
        sms_sender="+358401234567",
        rate_limit_person_per_minute=0,
        embedder="app.themes.embedder:load_default",
    )
    Settings(oidc_issuer="http://127.0.0.1:9000", database_url="postgresql+asyncpg://u@h/db")


def test_every_problem_of_a_setting_alone_is_reported_at_once() -> None:
    assert _problems(
        database_url="mysql://insight@db/insight",
        port=0,
        smtp_port=70000,
        db_pool_size=0,
        max_upload_bytes=-1,
        request_body_timeout_seconds=0,
        rate_limit_org_burst=-5,
        public_url="insight.example.com",
        sms_gateway_url="ftp://sms.example.com",
        oauth_redirect_uris=["insight://oauth/callback", "no-scheme"],
        smtp_from="nobody",
        sms_sender="Far too long a sender",
        embedder="not a factory",
        host=" ",
    ) == {
        "database_url": "names mysql; only PostgreSQL is supported",
        "port": "0 is not a port: a number from 1 to 65535",
        "smtp_port": "70000 is not a port: a number from 1 to 65535",
        "db_pool_size": "must be above 0, not 0",
        "max_upload_bytes": "must be above 0, not -1",
        "request_body_timeout_seconds": "must be above 0, not 0.0",
        "rate_limit_org_burst": "must be 0 (no limit) or more, not -5",
        "public_url": "not an http:// or https:// URL with a host",
        "sms_gateway_url": "not an http:// or https:// URL with a host",
        "oauth_redirect_uris": "entry 2 is not an absolute URI without a fragment",
        "smtp_from": "not an e-mail address such as Insight <insight@example.com>",
        "sms_sender": "must be a phone number or at most 11 letters and digits",
        "embedder": "must read package.module:factory",
        "host": "must not be empty",
    }


def test_database_urls_name_postgresql_and_a_database() -> None:
    assert _problems(database_url="postgresql://insight@db:5432")["database_url"].startswith(
        "names no database"
    )
    assert _problems(database_url="not a url")["database_url"].startswith("not a URL")
    assert "public_url" in _problems(public_url="https://insight.example.com:99999")


def test_settings_that_contradict_each_other_are_named() -> None:
    assert _problems(
        smtp_password="secret",
        s3_region="eu-north-1",
        s3_endpoint_url="https://s3.example.com",
        sms_gateway_token="token",
        oidc_issuer="http://login.example.com",
        attachment_audio_max_bytes=30 * 1024 * 1024,
        max_batch_body_bytes=1024,
        attachment_thumbnail_size=5000,
    ) == {
        "smtp_password": "is set but INSIGHT_SMTP_HOST is not, so nothing is e-mailed",
        "s3_endpoint_url": "is set but INSIGHT_S3_BUCKET is not, so attachments stay on disk",
        "s3_region": "is set but INSIGHT_S3_BUCKET is not, so attachments stay on disk",
        "sms_gateway_token": "is set but INSIGHT_SMS_GATEWAY_URL is not",
        "oidc_issuer": "must be https:// (plain http only on 127.0.0.1 or localhost)",
        "max_upload_bytes": (
            "is 26214400 bytes, below the largest attachment (31457280 bytes) that "
            "INSIGHT_ATTACHMENT_*_MAX_BYTES allow"
        ),
        "max_batch_body_bytes": "must not be below INSIGHT_MAX_BODY_BYTES",
        "attachment_thumbnail_size": "must not be above INSIGHT_ATTACHMENT_IMAGE_MAX_DIMENSION",
    }
    assert _problems(smtp_host="smtp.example.com", smtp_username="insight") == {
        "smtp_password": "must be set with the other SMTP credential"
    }


def test_serve_lists_the_problems_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INSIGHT_DB_POOL_SIZE", "-3")
    monkeypatch.setenv("INSIGHT_DATABASE_URL", "sqlite:///secret-name.db")
    with pytest.raises(SystemExit) as ended:
        cli.main(["serve", "--port", "0"])
    assert ended.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "insight: 3 settings are not valid:",
        "  - INSIGHT_DATABASE_URL: names sqlite; only PostgreSQL is supported",
        "  - INSIGHT_DB_POOL_SIZE: must be above 0, not -3",
        "  - INSIGHT_PORT: 0 is not a port: a number from 1 to 65535",
    ]
    assert "secret-name" not in captured.err


def test_the_worker_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("INSIGHT_")
    }
    environment |= {
        "INSIGHT_SMTP_USERNAME": "insight",
        "INSIGHT_SMTP_PASSWORD": "hunter2",
        "INSIGHT_MAX_IMPORT_ROWS": "many",
        "PYTHONPATH": str(ROOT),
    }
    ended = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ended.returncode == 2
    assert "Traceback" not in ended.stderr
    assert "hunter2" not in ended.stderr
    assert ended.stderr.splitlines() == [
        "insight: 1 setting is not valid:",
        "  - INSIGHT_MAX_IMPORT_ROWS: Input should be a valid integer, unable to parse string "
        "as an integer",
    ]
