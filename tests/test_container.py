"""The image and `docker compose`: a final stage without build tools that runs as a user
without privileges, a small build context, and the `monitoring` profile wiring Prometheus
to the API's /metrics and Grafana to Prometheus and the Insight dashboard."""

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def _stages() -> list[list[str]]:
    """The Dockerfile's instructions per stage, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_the_final_stage_runs_without_privileges_and_without_build_tools() -> None:
    stages = _stages()
    assert len(stages) >= 2, "a multi-stage build"
    final = stages[-1]
    users = [line.split()[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the final stage sets a USER"
    assert users[-1] not in ("root", "0", "0:0")
    # The last USER comes before the command, after every RUN.
    position = {line: index for index, line in enumerate(final)}
    last_run = max((i for line, i in position.items() if line.startswith("RUN ")), default=-1)
    assert position[next(line for line in final if line.startswith("USER "))] > last_run
    runs = " ".join(line for line in final if line.startswith("RUN "))
    for tool in ("pip install", "apt-get", "gcc", "build-essential"):
        assert tool not in runs, tool
    # What the final stage takes from the first: the environment, not the build files.
    copied = [line for line in final if line.startswith("COPY --from=")]
    assert copied and all("/opt/venv" in line for line in copied)
    assert any(line.startswith("CMD ") and '"insight"' in line for line in final)


def test_the_build_context_holds_only_what_the_image_needs() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert rules[0] == "*", "everything is left out unless named"
    allowed = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for stage in _stages():
        for line in stage:
            if line.startswith("COPY ") and "--from=" not in line:
                copied.update(line.split()[1:-1])
    assert copied <= allowed
    assert not {".env", ".git", ".venv", ".insight", "tests"} & allowed


def test_the_monitoring_profile_scrapes_the_api_and_provisions_grafana() -> None:
    compose = _compose()
    services = compose["services"]
    # The usual `docker compose up` starts neither.
    for name in ("db", "api", "worker"):
        assert "profiles" not in services[name]
    prometheus, grafana = services["prometheus"], services["grafana"]
    assert prometheus["profiles"] == ["monitoring"]
    assert grafana["profiles"] == ["monitoring"]

    assert (
        "./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro"
        in (prometheus["volumes"])
    )
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert prometheus["secrets"] == ["insight_metrics_token"]
    assert compose["secrets"]["insight_metrics_token"] == {"environment": "INSIGHT_METRICS_TOKEN"}
    assert services["api"]["environment"]["INSIGHT_METRICS_TOKEN"] == "${INSIGHT_METRICS_TOKEN:-}"

    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert (
        "./deploy/grafana/insight.json:/var/lib/grafana/dashboards/insight.json:ro"
        in (grafana["volumes"])
    )
    for service in (prometheus, grafana):
        for port in service["ports"]:
            assert port.startswith("127.0.0.1:"), "published on loopback only"
    named = {
        volume.split(":")[0]
        for service in services.values()
        for volume in service.get("volumes", [])
    }
    assert {name for name in named if not name.startswith(".")} <= set(compose["volumes"])


def test_prometheus_scrapes_metrics_with_the_token_file() -> None:
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    [job] = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["api:8000"]
    assert job["authorization"] == {
        "type": "Bearer",
        "credentials_file": "/run/secrets/insight_metrics_token",
    }


def test_grafana_reads_prometheus_and_the_dashboards_folder() -> None:
    provisioning = ROOT / "deploy/grafana/provisioning"
    [source] = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus"
    assert source["url"] == "http://prometheus:9090"
    assert source["isDefault"] is True
    [provider] = yaml.safe_load((provisioning / "dashboards/insight.yml").read_text())["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    # The mounted dashboard lands in that folder.
    grafana = _compose()["services"]["grafana"]
    targets = [volume.split(":")[1] for volume in grafana["volumes"]]
    assert any(re.fullmatch(r"/var/lib/grafana/dashboards/[^/]+\.json", t) for t in targets)
