"""`make bench`: a large shop month end to end, with wall time and peak RSS per stage, against
the floor (DuckDB merely reading the same files once).

Each stage runs in its own process so its peak RSS is its own (os.wait4 reports the child's
maximum resident set). The generated month is cached under data/bench and reused while its
manifest says the same month, agents, seed and scale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import duckdb

BENCH = Path("data/bench")
MONTH, AGENTS, SEED, SCALE = "2026-10", 200, 7, 3.5
STAGES = ("ingest", "staging", "metrics", "monthly")


def bench_env() -> dict[str, str]:
    root = BENCH.resolve()
    return {**os.environ, "KEFU_LANDING": str(root / "landing"),
            "KEFU_WAREHOUSE": str(root / "warehouse.duckdb"), "KEFU_CONFIG": str(root / "config"),
            "DAGSTER_HOME": str(root / "dagster_home")}


def run_measured(args: list[str]) -> tuple[float, float]:
    """Run a child process; return (wall seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=bench_env())
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench step failed: {' '.join(args)}")
    return elapsed, usage.ru_maxrss / 1024


def cached_month() -> bool:
    manifest = BENCH / "landing" / "_manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    return (m["month"], m["agents"], m["seed"], m["scale"]) == (MONTH, AGENTS, SEED, SCALE)


def prepare() -> tuple[float, float] | None:
    if cached_month():
        return None
    shutil.rmtree(BENCH / "landing", ignore_errors=True)
    measured = run_measured([sys.executable, "-m", "pipelines.cli", "generate", "--month", MONTH,
                             "--agents", str(AGENTS), "--seed", str(SEED), "--scale", str(SCALE),
                             "--out", str(BENCH / "landing")])
    config = BENCH / "config"
    config.mkdir(parents=True, exist_ok=True)
    shutil.copy(BENCH / "landing" / "_roster.csv", config / "roster.csv")
    for name in ("plan.yaml", "calendar.yaml"):
        shutil.copy(Path("config") / name, config / name)
    return measured


def floor(landing: Path) -> None:
    """Read every landing file once with DuckDB's own readers (GBK read as latin-1 bytes: the
    same bytes scanned, which is all a floor needs); print the rows seen."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    rows = 0
    sources = ("chats", "orders", "refunds", "ratings")
    for path in sorted(p for s in sources for p in (landing / s).glob("*/*")):
        f = str(path).replace("'", "''")
        if path.suffix == ".csv":
            encoding = "utf-8" if path.read_bytes()[:3] == b"\xef\xbb\xbf" else "latin-1"
            query = f"SELECT count(*) FROM read_csv('{f}', all_varchar=true, encoding='{encoding}')"
        elif path.suffix == ".jsonl":
            query = f"SELECT count(*) FROM read_json_objects('{f}', format='newline_delimited')"
        elif path.suffix == ".txt":
            query = f"SELECT count(*) FROM read_text('{f}')"
        else:
            continue
        rows += con.execute(query).fetchall()[0][0]
    print(f"floor read {rows:,} rows")


def stage(name: str) -> None:
    warnings.filterwarnings("ignore", message=".*is currently in beta")  # as the CLI does
    from assets.ingest import raw_assets
    from assets.metrics import metric_assets
    from assets.staging import staging_assets
    from pipelines.definitions import monthly_assets
    from pipelines.runner import run_range
    from pipelines.settings import Settings

    settings = Settings.from_env()
    first, last = f"{MONTH}-01", f"{MONTH}-31"
    if name == "monthly":
        run_range(settings, monthly_assets, first, first)
        return
    layers = {"ingest": raw_assets, "staging": staging_assets, "metrics": metric_assets}
    run_range(settings, layers[name], first, last)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", choices=STAGES)
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    if args.stage:
        stage(args.stage)
        return
    if args.floor:
        floor(BENCH / "landing")
        return
    generated = prepare()
    # A fresh instance each time: a killed earlier bench must not hold the writer pool's slot.
    shutil.rmtree(BENCH / "dagster_home", ignore_errors=True)
    (BENCH / "dagster_home").mkdir(parents=True)
    Path(bench_env()["KEFU_WAREHOUSE"]).unlink(missing_ok=True)
    results = []
    if generated:
        results.append(("generate (not in the total)", *generated))
    floor_time = run_measured([sys.executable, "-m", "pipelines.bench", "--floor"])
    results.append(("floor: DuckDB reads the files", *floor_time))
    total = 0.0
    for name in STAGES:
        measured = run_measured([sys.executable, "-m", "pipelines.bench", "--stage", name])
        total += measured[0]
        results.append((name, *measured))
    print(f"\nbench: {MONTH}, {AGENTS} agents, scale {SCALE} (cached landing: {BENCH / 'landing'})")
    print(f"{'stage':<32}{'wall s':>10}{'peak RSS MiB':>16}")
    for name, seconds, rss in results:
        print(f"{name:<32}{seconds:>10.1f}{rss:>16.0f}")
    print(f"{'end to end (stages)':<32}{total:>10.1f}")
    print(f"end to end / floor = {total / floor_time[0]:.1f}x (target <= 3x, RSS < 2048 MiB)")


if __name__ == "__main__":
    main()
