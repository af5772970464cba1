"""Benchmark: wbreport's indicators against an independent DuckDB implementation.

    python benchmarks/indicators.py            # full run (scale 1000, 5 pairs, growth)
    python benchmarks/indicators.py --quick    # smoke test (scale 50, 2 pairs, no growth)

Demo packages are generated once into benchmarks/_work/scale<N> (git-ignored)
with ``wbreport.demo.generate(N, seed=1)`` + ``wbreport.demo.write_package`` and
reused afterwards. Each wbreport measurement (``load_package`` + ``compute``,
what a user pays) runs in a fresh subprocess, so its peak RSS is the wbreport
process alone; DuckDB (read the CSV files + compute, in SQL) runs in this
process. The two alternate in pairs; the medians are compared and the results
must agree (values within 1e-9, NA in the same places) or the exit code is 1.

The last line is ``indicators: wbreport X s, duckdb Y s, ratio R`` (R = X / Y).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
TABLES = ("activities", "participation", "milestones", "tools")
DEFAULT_PERIOD = "2020Q4"
SEED = 1

sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # measure this checkout of wbreport


# ----------------------------------------------------------------------------
# subprocess workers
# ----------------------------------------------------------------------------

def _worker_measure(folder: str, period: str, out: str) -> None:
    """Load + compute once with wbreport; report timings and peak RSS as JSON."""
    import wbreport.indicators
    import wbreport.io

    t0 = time.perf_counter()
    pkg = wbreport.io.load_package(Path(folder))
    t1 = time.perf_counter()
    result = wbreport.indicators.compute(pkg, period)
    t2 = time.perf_counter()
    with open(out, "wb") as fh:
        pickle.dump(result, fh)
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"load": t1 - t0, "compute": t2 - t1, "total": t2 - t0,
                      "maxrss_mib": rss_kib / 1024}))


def _worker_generate(scale: int, out: str) -> None:
    import wbreport.demo

    tables = wbreport.demo.generate(scale, SEED)
    wbreport.demo.write_package(tables, Path(out))


def _run_worker(*args: str) -> str:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          cwd=HERE.parent)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"worker {args[:2]} failed with exit code {proc.returncode}")
    return proc.stdout


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------

def package(scale: int) -> Path:
    """benchmarks/_work/scale<N>, generated once (atomically) and reused."""
    folder = WORK / f"scale{scale}"
    if all((folder / f"{t}.csv").is_file() for t in TABLES):
        return folder
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".scale{scale}-", dir=WORK))
    try:
        t0 = time.perf_counter()
        _run_worker("--generate", str(scale), str(tmp))
        print(f"generated scale {scale} in {time.perf_counter() - t0:.1f} s -> {folder}",
              flush=True)
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def row_counts(folder: Path) -> dict[str, int]:
    import duckdb
    from duckdb_indicators import _reader

    con = duckdb.connect(":memory:")
    try:
        return {t: con.execute(f"SELECT count(*) FROM {_reader(folder / f'{t}.csv')}")
                .fetchone()[0] for t in TABLES}
    finally:
        con.close()


def choose_period(folder: Path) -> str:
    """2020Q4 if activities are delivered in it, else SPEC's default period
    (the quarter containing the latest end_date of a delivered activity)."""
    import duckdb
    from duckdb_indicators import _reader

    from wbreport.periods import parse_period, quarter_of

    p = parse_period(DEFAULT_PERIOD)
    con = duckdb.connect(":memory:")
    try:
        n, latest = con.execute(
            f"SELECT count(*) FILTER (WHERE CAST(end_date AS DATE) BETWEEN ? AND ?), "
            f"max(CAST(end_date AS DATE)) FROM {_reader(folder / 'activities.csv')} "
            "WHERE status = 'delivered'", [p.start, p.end]).fetchone()
    finally:
        con.close()
    if n or latest is None:
        return DEFAULT_PERIOD
    return quarter_of(latest).label


def measure_wbreport(folder: Path, period: str) -> tuple[dict, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.pkl")
        stats = json.loads(_run_worker("--measure", str(folder), period, out).splitlines()[-1])
        with open(out, "rb") as fh:
            result = pickle.load(fh)
    return stats, result


def measure_duckdb(folder: Path, period: str):
    from duckdb_indicators import duckdb_indicators

    from wbreport.periods import parse_period

    p = parse_period(period)
    t0 = time.perf_counter()
    result = duckdb_indicators(folder, p.start, p.end)
    return time.perf_counter() - t0, result


def differences(got, want) -> list[str]:
    def same(a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= 1e-9

    cols = ["partner", "indicator", "value"]
    g = {(p, i): float(v) for p, i, v in got[cols].itertuples(index=False)}
    w = {(p, i): float(v) for p, i, v in want[cols].itertuples(index=False)}
    out = [f"missing in wbreport: {k}" for k in w if k not in g]
    out += [f"not in oracle: {k}" for k in g if k not in w]
    out += [f"{p} {i}: wbreport {g[(p, i)]!r}, duckdb {w[(p, i)]!r}"
            for (p, i) in w if (p, i) in g and not same(g[(p, i)], w[(p, i)])]
    if not out and list(zip(got["partner"], got["indicator"], strict=True)) != list(w):
        out.append("same values but row order differs (partner order, then §4 order)")
    return out


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scale 50, 2 pairs, no growth")
    ap.add_argument("--scale", type=int, default=None)
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--no-growth", action="store_true")
    args = ap.parse_args()
    scale = args.scale or (50 if args.quick else 1000)
    pairs = args.pairs or (2 if args.quick else 5)
    growth = not (args.quick or args.no_growth)

    import duckdb
    import pandas as pd

    print(f"python {platform.python_version()}, pandas {pd.__version__}, duckdb "
          f"{duckdb.__version__}, {os.cpu_count()} CPUs ({platform.machine()})", flush=True)

    folder = package(scale)
    counts = row_counts(folder)
    period = choose_period(folder)
    print(f"package {folder.relative_to(HERE.parent)} (scale {scale}): "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    print(f"period {period}; {pairs} pairs, alternating wbreport (subprocess: load_package + "
          "compute) and duckdb (read_csv + SQL, in process)", flush=True)

    wb_total, wb_load, wb_compute, wb_rss, dk = [], [], [], [], []
    problems: list[str] = []
    for i in range(pairs):
        stats, wb_result = measure_wbreport(folder, period)
        dk_s, dk_result = measure_duckdb(folder, period)
        wb_total.append(stats["total"])
        wb_load.append(stats["load"])
        wb_compute.append(stats["compute"])
        wb_rss.append(stats["maxrss_mib"])
        dk.append(dk_s)
        print(f"  pair {i + 1}: wbreport {stats['total']:.3f} s (load {stats['load']:.3f} + "
              f"compute {stats['compute']:.3f}), peak RSS {stats['maxrss_mib']:.0f} MiB; "
              f"duckdb {dk_s:.3f} s", flush=True)
        if i == 0 or problems:
            problems = differences(wb_result, dk_result)

    x, y = statistics.median(wb_total), statistics.median(dk)
    print(f"median wbreport load+compute {x:.3f} s (load {statistics.median(wb_load):.3f} s, "
          f"compute only {statistics.median(wb_compute):.3f} s)")
    print(f"median duckdb read+compute   {y:.3f} s")
    print(f"wbreport peak memory (max RSS of the measuring process): {max(wb_rss):.0f} MiB")

    if problems:
        print(f"DISAGREEMENT between wbreport and duckdb ({len(problems)} values):")
        for line in problems:
            print("  " + line)
    else:
        print(f"results agree: {len(dk_result)} values (within 1e-9, NA positions equal)")

    if growth and not problems:
        print("growth (wbreport load+compute, one fresh process per scale; "
              "rows = all four tables):")
        for n in (250, 500, 1000, 2000):
            f = package(n)
            n_rows = row_counts(f)
            rows = sum(n_rows.values())
            stats, _ = measure_wbreport(f, choose_period(f))
            print(f"  scale {n:>5}: {rows:>10,} rows (participation {n_rows['participation']:>9,})"
                  f"  {stats['total']:6.2f} s (compute {stats['compute']:.2f} s)  "
                  f"{stats['total'] / rows * 1e6:5.2f} s per million rows  "
                  f"peak RSS {stats['maxrss_mib']:.0f} MiB", flush=True)

    print(f"indicators: wbreport {x:.2f} s, duckdb {y:.2f} s, ratio {x / y:.2f}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _worker_measure(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--generate":
        _worker_generate(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
