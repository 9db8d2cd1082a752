"""`make bench`: kefu-payroll against the pandas script it replaces, on the same files, one after
the other in one run, for a large shop month (200 agents, about 10M chat messages) and the demo
shop (`make demo`'s 12 agents).

For each shop it measures, each in a process of its own (os.wait4 gives that process's wall
time and peak RSS): the floor (DuckDB merely reading every file once, GBK decoded first, then
also writing every column of it once, as a raw layer that keeps every column must), the
pandas script (`pipelines/bench/baseline/`), `kefu backfill --month` from an empty
warehouse and a fresh Dagster instance, and `kefu nightly` of the month's last day after it. Beside
the
floor it measures Dagster's own share: the same asset graph (keys, checks, partitions, instance)
with bodies that do nothing, over the month and over one day. Then it checks that the script and
kefu pay every employee the same, to the cent, and prints the ratios.

The generated months are cached under data/bench and reused while their manifests say the same
month, agents, seed and scale.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars
from dagster import (
    AssetCheckResult,
    AssetsDefinition,
    BackfillPolicy,
    MaterializeResult,
    materialize,
    multi_asset,
)

BENCH = Path("data/bench")
MONTH = "2026-10"
LAST_DAY = "2026-10-31"


@dataclass(frozen=True)
class Shop:
    name: str
    agents: int
    seed: int
    scale: float
    folder: str

    @property
    def root(self) -> Path:
        return (BENCH / self.folder).resolve()

    def env(self) -> dict[str, str]:
        return {**os.environ, "KEFU_LANDING": str(self.root / "landing"),
                "KEFU_WAREHOUSE": str(self.root / "warehouse.duckdb"),
                "KEFU_CONFIG": str(self.root / "config"),
                "KEFU_PUBLISH": str(self.root / "publish"),
                "DAGSTER_HOME": str(self.root / "dagster_home"),
                "GX_ANALYTICS_ENABLED": "false"}


LARGE = Shop("large", agents=200, seed=7, scale=3.5, folder=".")
DEMO = Shop("demo", agents=12, seed=7, scale=1.0, folder="demo")  # as `make demo` generates


@dataclass(frozen=True)
class Measured:
    label: str
    seconds: float
    rss_mib: float


def run_measured(label: str, args: list[str], env: dict[str, str]) -> Measured:
    """Run a child process to its end; its wall time and peak RSS."""
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench step failed: {' '.join(args)}")
    return Measured(label, elapsed, usage.ru_maxrss / 1024)


def cached(shop: Shop) -> bool:
    manifest = shop.root / "landing" / "_manifest.json"
    if not manifest.exists():
        return False
    m = json.loads(manifest.read_text(encoding="utf-8"))
    return (m["month"], m["agents"], m["seed"], m["scale"]) == (MONTH, shop.agents, shop.seed,
                                                               shop.scale)


def prepare(shop: Shop) -> None:
    """Generate the shop's month unless cached; its config is the default plan and calendar
    with the generated roster. A fresh warehouse and Dagster instance every time."""
    if not cached(shop):
        shutil.rmtree(shop.root / "landing", ignore_errors=True)
        subprocess.run([sys.executable, "-m", "pipelines.cli.commands", "generate", "--month",
                        MONTH,
                        "--agents", str(shop.agents), "--seed", str(shop.seed),
                        "--scale", str(shop.scale), "--out", str(shop.root / "landing")],
                       check=True, stdout=subprocess.DEVNULL)
    config = shop.root / "config"
    config.mkdir(parents=True, exist_ok=True)
    shutil.copy(shop.root / "landing" / "_roster.csv", config / "roster.csv")
    for name in ("plan.yaml", "calendar.yaml"):
        shutil.copy(Path("config") / name, config / name)
    for stale in ("dagster_home", "publish"):
        shutil.rmtree(shop.root / stale, ignore_errors=True)
    for path in shop.root.glob("warehouse.duckdb*"):
        path.unlink()


def floor(landing: Path, keep: bool = False) -> None:
    """Read every landing file once with DuckDB's own readers, GBK/GB18030 decoded to UTF-8
    first (DuckDB has no GBK codec here); print the rows seen. With `keep`, also write every
    column of every file once, as text, into a DuckDB file beside the landing, in one
    transaction, then checkpoint: what a raw layer that keeps every column costs at least."""
    scratch = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch) as tmp, \
            tempfile.TemporaryDirectory(dir=landing.parent) as kept:
        con = duckdb.connect(str(Path(kept) / "raw.duckdb") if keep else ":memory:")
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN")
        tables: set[str] = set()
        rows = 0

        def take(table: str, query: str) -> int:
            if keep:
                query = (f"INSERT INTO {table} BY NAME {query}" if table in tables
                         else f"CREATE TABLE {table} AS {query}")
                tables.add(table)
                return con.execute(query).fetchall()[0][0]
            return con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]

        sources = ("chats", "orders", "refunds", "ratings")
        for path in sorted(p for s in sources for p in (landing / s).glob("*/*")):
            f = str(path).replace("'", "''")
            table = f"{path.parts[-3]}_{path.suffix.lstrip('.')}"
            if path.suffix == ".csv":
                data = path.read_bytes()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    decoded = Path(tmp) / "decoded.csv"
                    decoded.write_bytes(data.decode("gb18030").encode("utf-8"))
                    f = str(decoded)
                query = f"SELECT * FROM read_csv('{f}', all_varchar=true)"
            elif path.suffix == ".jsonl":
                query = f"SELECT json FROM read_json_objects('{f}', format='newline_delimited')"
            elif path.suffix == ".txt":
                query = (f"SELECT unnest(string_split(content, chr(10))) AS line "
                         f"FROM read_text('{f}')")
            elif path.suffix == ".xlsx":
                # DuckDB's excel extension would be a download: the calamine reader, as ours
                con.register("sheet", polars.read_excel(path, engine="calamine",
                                                        infer_schema_length=0).to_arrow())
                query = "SELECT * FROM sheet"
            else:
                continue
            rows += take(table, query)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.close()
    print(f"floor {'kept' if keep else 'read'} {rows:,} rows")


def dagster_alone(first: str, last: str) -> None:
    """Materialize kefu's asset graph with no-op bodies over first..last as `kefu backfill`
    does (a daily run, then a monthly one when the range is the month): every asset key, check,
    partition and event kefu's runs have, in a fresh instance configured as kefu's, none of the
    work. What kefu cannot go below while Dagster runs it."""
    from pipelines.orchestration.jobs import daily_assets, monthly_assets
    from pipelines.orchestration.runner import dagster_instance

    def no_op(assets: AssetsDefinition) -> AssetsDefinition:
        specs, checks = list(assets.specs), list(assets.check_specs)

        @multi_asset(name=f"no_op_{assets.node_def.name}", specs=specs, check_specs=checks,
                     partitions_def=assets.partitions_def, pool="duckdb",
                     backfill_policy=BackfillPolicy.single_run())
        def nothing() -> Iterator[MaterializeResult]:
            for spec in specs:
                yield MaterializeResult(asset_key=spec.key, metadata={"rows": 0}, check_results=[
                    AssetCheckResult(asset_key=spec.key, check_name=check.name, passed=True)
                    for check in checks if check.asset_key == spec.key])
        return nothing

    instance = dagster_instance()
    runs = [(daily_assets, first, last)]
    if last == LAST_DAY and first.endswith("-01"):
        runs.append((monthly_assets, first, first))
    for graph, start, end in runs:
        materialize([no_op(a) for a in graph], instance=instance,
                    run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
                    tags={"dagster/asset_partition_range_start": start,
                          "dagster/asset_partition_range_end": end})


def measure(shop: Shop) -> tuple[list[Measured], tuple[int, int, list[str]]]:
    from pipelines.bench.baseline import compare

    prepare(shop)
    env = shop.env()
    landing, config = shop.root / "landing", shop.root / "config"
    script_out = shop.root / "pandas_payroll.csv"
    script_lines = shop.root / "pandas_kpi_lines.csv"
    kefu = [sys.executable, "-m", "pipelines.cli.commands"]
    bench = [sys.executable, "-W", "ignore", "-m", "pipelines.bench.harness"]
    alone = {**env, "DAGSTER_HOME": str(shop.root / "dagster_alone")}
    shutil.rmtree(alone["DAGSTER_HOME"], ignore_errors=True)
    results = [
        run_measured("floor: DuckDB reads the files", [*bench, "--floor", str(landing)], env),
        run_measured("floor: ... and keeps every column", [*bench, "--floor", str(landing),
                                                           "--keep"], env),
        run_measured("floor: Dagster alone, month", [*bench, "--dagster-alone",
                                                     f"{MONTH}-01", LAST_DAY], alone),
        run_measured("floor: Dagster alone, one day", [*bench, "--dagster-alone", LAST_DAY,
                                                       LAST_DAY], alone),
        run_measured("pandas script, month", [
            sys.executable, "-m", "pipelines.bench.baseline", "--landing", str(landing),
            "--config", str(config), "--month", MONTH, "--out", str(script_out),
            "--lines", str(script_lines)], env),
        run_measured("kefu backfill --month", [*kefu, "backfill", "--month", MONTH], env),
        run_measured("kefu nightly (one day)", [*kefu, "nightly", "--date", LAST_DAY], env),
    ]
    return results, compare(script_out, shop.root / "warehouse.duckdb", script_lines)


def report(shop: Shop, results: list[Measured], matched: tuple[int, int, list[str]]) -> None:
    by_label = {m.label: m for m in results}
    floor_s = by_label["floor: DuckDB reads the files"].seconds
    script = by_label["pandas script, month"]
    ours = by_label["kefu backfill --month"]
    print(f"\n{shop.name}: {MONTH}, {shop.agents} agents, seed {shop.seed}, scale {shop.scale} "
          f"({shop.root / 'landing'})")
    print(f"{'':<34}{'wall s':>9}{'peak RSS MiB':>15}{'x floor':>10}")
    for m in results:
        print(f"{m.label:<34}{m.seconds:>9.1f}{m.rss_mib:>15.0f}{m.seconds / floor_s:>10.1f}")
    kept = by_label["floor: ... and keeps every column"].seconds
    month_floor = kept + by_label["floor: Dagster alone, month"].seconds
    day_floor = by_label["floor: Dagster alone, one day"].seconds
    nightly = by_label["kefu nightly (one day)"]
    print(f"kefu above its floors: the month {ours.seconds - month_floor:+.1f} s over files kept "
          f"+ Dagster alone ({month_floor:.1f} s), a night {nightly.seconds - day_floor:+.1f} s "
          f"over Dagster alone ({day_floor:.1f} s); 3x the script would be "
          f"{script.seconds / 3:.1f} s")
    equal, total, mismatches = matched
    print(f"script / kefu, month end to end: {script.seconds / ours.seconds:.2f}x "
          f"(kefu is {'faster' if ours.seconds < script.seconds else 'slower'}); "
          f"same pay to the cent, and the same KPI inputs, for {equal} of {total} employees")
    for line in mismatches[:10]:
        print(f"  differs: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--floor", type=Path, help="(internal) time the floor on a landing")
    parser.add_argument("--keep", action="store_true",
                        help="(internal) with --floor: also write every column once")
    parser.add_argument("--dagster-alone", nargs=2, metavar=("FIRST", "LAST"),
                        help="(internal) time Dagster running kefu's graph with no-op assets")
    parser.add_argument("--shop", choices=("large", "demo", "both"), default="both")
    args = parser.parse_args()
    if args.floor:
        floor(args.floor, args.keep)
        return
    if args.dagster_alone:
        dagster_alone(*args.dagster_alone)
        return
    shops = {"large": [LARGE], "demo": [DEMO], "both": [LARGE, DEMO]}[args.shop]
    measured = [(shop, *measure(shop)) for shop in shops]
    print("\nTargets (issue 10, 2 cores): large month >= 3x faster than the script end to end, "
          "peak RSS <= 2048 MiB;\ndemo month <= 6 s end to end; a demo nightly <= 4 s.")
    for shop, results, matched in measured:
        report(shop, results, matched)


if __name__ == "__main__":
    main()
