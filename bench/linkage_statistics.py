"""The EX–CX linkage statistics on 1,000 units × 12 periods, without a database.

    .venv/bin/python bench/linkage_statistics.py [--units 1000] [--periods 12] [--regions 20]
        [--repeats 15] [--draws 1000] [--no-statsmodels]

A synthetic panel (units in regions, a regional level shifting EX and CX, CX one period
after EX associated with it, 5 % of values missing) and six unit-level EX drivers with a
unit-level CX outcome. Timed, each the median and the fastest of `--repeats` runs:

- `lag_associations` for the lags −2..2 (between, within and pooled r with intervals);
- `mixed_model` at lag 1 (REML, random intercepts for region and unit);
- `bootstrap_relative_weights` of the six drivers with `--draws` resamples of the units;
- the three one after the other: the statistics' share of the linkage end to end;
- the bare ceiling on the same arrays: numpy's own `np.corrcoef` of each lag's pairs and of
  the drivers, and `np.linalg.lstsq` of CX on EX at lag 1, nothing else.

Each set runs in a process of its own, once with OpenBLAS's default threads and once with
one thread: on a busy 2-core machine idle BLAS threads compete with the one doing the work.
Then, once, statsmodels' `MixedLM` on the same model (the reference the fit is tested
against), for scale. Appends to bench/results/linkage_statistics.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.analytics.relative_weights import bootstrap_relative_weights  # noqa: E402
from app.analytics.statistics import Panel, lag_associations, lagged, mixed_model  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "linkage_statistics.md"
TARGET_SECONDS = 1.0
LAGS = range(-2, 3)
DRIVERS = 6
SEED = 20261201


def synthetic(units: int, periods: int, regions: int) -> tuple[Panel, np.ndarray, np.ndarray]:
    """The panel, and per unit six EX drivers and a CX outcome (for the relative weights)."""
    rng = np.random.default_rng(SEED)
    region_of_unit = np.arange(units) % regions
    region_level = rng.normal(0.0, 1.0, regions)[region_of_unit]
    ex = 3.5 + (0.8 * region_level + rng.normal(0.0, 0.3, units))[:, None]
    ex = ex + rng.normal(0.0, 0.5, (units, periods + 1))
    cx = 2.0 + 0.3 * ex[:, :-1] + (region_level + rng.normal(0.0, 0.4, units))[:, None]
    cx = cx + rng.normal(0.0, 0.6, (units, periods))
    ex = ex[:, 1:]
    ex[rng.random(ex.shape) < 0.05] = np.nan
    cx[rng.random(cx.shape) < 0.05] = np.nan
    unit = np.repeat(np.arange(units), periods)
    panel = Panel(
        unit=unit,
        region=region_of_unit[unit],
        period=np.tile(np.arange(periods), units) + 24_300,
        ex=ex.ravel(),
        cx=cx.ravel(),
    )
    mixing = rng.normal(0.0, 0.5, (DRIVERS, DRIVERS)) + np.eye(DRIVERS)
    drivers = rng.normal(size=(units, DRIVERS)) @ mixing
    outcome = drivers @ np.linspace(0.4, 0.0, DRIVERS) + rng.normal(0.0, 1.0, units)
    return panel, drivers, outcome


def timed(function: Callable[[], object], repeats: int) -> dict[str, float]:
    function()  # warm: imports, first allocations
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return {"median": statistics.median(seconds), "best": min(seconds)}


def child(arguments: argparse.Namespace) -> None:
    """Times every part in this process and prints the figures as JSON."""
    panel, drivers, outcome = synthetic(arguments.units, arguments.periods, arguments.regions)
    pairs = [lagged(panel, lag) for lag in LAGS]

    def bare() -> None:
        for p in pairs:
            np.corrcoef(p.ex, p.cx)
        design = np.column_stack([np.ones(pairs[3].ex.size), pairs[3].ex])
        np.linalg.lstsq(design, pairs[3].cx, rcond=None)
        np.corrcoef(np.column_stack([drivers, outcome]), rowvar=False)

    def lags() -> None:
        lag_associations(panel, LAGS)

    def model() -> None:
        mixed_model(panel, lag=1)

    def weights() -> None:
        bootstrap_relative_weights(drivers, outcome, draws=arguments.draws)

    def total() -> None:
        lags()
        model()
        weights()

    fitted = mixed_model(panel, lag=1)
    figures: dict[str, Any] = {
        name: timed(function, arguments.repeats)
        for name, function in [
            ("bare", bare),
            ("lags", lags),
            ("model", model),
            ("weights", weights),
            ("total", total),
        ]
    }
    figures["rows"] = int(panel.unit.size)
    figures["pairs"] = fitted.observations
    figures["converged"] = fitted.converged
    print(json.dumps(figures))


def statsmodels_seconds(arguments: argparse.Namespace) -> float:
    import pandas as pd
    from statsmodels.regression.mixed_linear_model import MixedLM

    panel, _, _ = synthetic(arguments.units, arguments.periods, arguments.regions)
    p = lagged(panel, 1)
    means = np.bincount(p.unit, p.ex) / np.maximum(np.bincount(p.unit), 1)
    data = pd.DataFrame(
        {"cx": p.cx, "w": p.ex - means[p.unit], "b": means[p.unit], "u": p.unit, "r": p.region}
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        MixedLM.from_formula(
            "cx ~ w + b", data, groups="r", re_formula="1", vc_formula={"u": "0 + C(u)"}
        ).fit(reml=True, method="lbfgs")
    return time.perf_counter() - start


def run_child(arguments: argparse.Namespace, blas_threads: str | None) -> dict[str, Any]:
    environment = dict(os.environ)
    if blas_threads is not None:
        environment["OPENBLAS_NUM_THREADS"] = blas_threads
    else:
        environment.pop("OPENBLAS_NUM_THREADS", None)
    command = [sys.executable, __file__, "--child", *sys.argv[1:]]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--no-statsmodels", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        child(arguments)
        return

    runs = {
        f"default ({os.environ.get('OPENBLAS_NUM_THREADS', os.cpu_count())})": run_child(
            arguments, os.environ.get("OPENBLAS_NUM_THREADS")
        ),
        "1": run_child(arguments, "1"),
    }
    rows = [
        ("bare ceiling: np.corrcoef ×6 + np.linalg.lstsq", "bare"),
        (f"lag_associations, lags {LAGS.start}..{LAGS.stop - 1}", "lags"),
        ("mixed_model, lag 1 (REML, region + unit intercepts)", "model"),
        (f"bootstrap_relative_weights, {DRIVERS} drivers, {arguments.draws} draws", "weights"),
        ("linkage statistics end to end (the three above)", "total"),
    ]
    columns = " | ".join(f"BLAS threads {k}: median / best ms" for k in runs)
    lines = [f"| part | {columns} |", "| --- |" + " --- |" * len(runs)]
    for label, key in rows:
        cells = " | ".join(
            f"{1000 * r[key]['median']:.1f} / {1000 * r[key]['best']:.1f}" for r in runs.values()
        )
        lines.append(f"| {label} | {cells} |")
    first = next(iter(runs.values()))
    worst = max(r["total"]["median"] for r in runs.values())
    lines += [
        "",
        f"{arguments.units:,} units × {arguments.periods} periods in {arguments.regions} regions: "
        f"{first['rows']:,} rows, {first['pairs']:,} pairs at lag 1; the model converged: "
        f"{first['converged']}. Target: end to end under {TARGET_SECONDS:.0f} s "
        f"({'met' if worst < TARGET_SECONDS else 'NOT met'}: {1000 * worst:.0f} ms at the "
        f"slower setting, {worst / first['bare']['median']:.0f}× the bare ceiling).",
    ]
    if not arguments.no_statsmodels:
        seconds = statsmodels_seconds(arguments)
        lines.append(
            f"statsmodels MixedLM on the same model (groups = region, unit as a variance "
            f"component, lbfgs), once: {seconds:.2f} s."
        )
    report = "\n".join(lines)
    print(report)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    command = "python bench/linkage_statistics.py" + "".join(f" {a}" for a in sys.argv[1:])
    header = f"\n## {stamp}, commit {commit}, {os.cpu_count()} CPUs, load {load}, `{command}`\n\n"
    if not RESULTS.exists():
        RESULTS.write_text("# EX–CX linkage statistics (bench/linkage_statistics.py)\n")
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(header + report + "\n")


if __name__ == "__main__":
    main()
