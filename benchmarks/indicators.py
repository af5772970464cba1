"""Benchmark: wbreport's indicators against an independent DuckDB implementation.

    python benchmarks/indicators.py            # full run (scale 1000, 5 pairs, growth)
    python benchmarks/indicators.py --quick    # smoke test (scale 50, 2 pairs, no growth)

Demo packages are generated once into benchmarks/_work/scale<N> (git-ignored) with
``wbreport.demo.generate(N, seed=1)`` + ``wbreport.demo.write_package`` and reused.

What is timed (files are in the OS page cache for both sides; imports are not timed):

* wbreport **cold**: ``load_package`` with the validated-package cache disabled
  (``WBREPORT_NO_CACHE=1``: read the CSV files, check every rule of SPEC §2, type the
  columns) + ``indicators.compute`` for one period, in a fresh subprocess, so its peak
  RSS is that process alone.
* wbreport **warm**: the same with the cache enabled and primed (a private cache dir
  under benchmarks/_work): ``load_package`` hashes the files (sha256) and unpickles the
  typed columns, then ``compute``.
* wbreport **compute only**: ``compute`` on the loaded package (from the runs above).
* DuckDB **read + compute**: ``read_csv`` of the same files + the indicators in one SQL
  statement (benchmarks/duckdb_indicators.py), fresh in-memory connection each time,
  with DuckDB's default thread count and pinned to 1 thread.
* DuckDB **compute only**: the same SQL on typed tables already loaded in DuckDB.

The measurements alternate in pairs; medians are compared, and wbreport's results must
agree with DuckDB's (values within 1e-9, NA in the same places) or the exit code is 1.
The last line is ``indicators: wbreport X s, duckdb Y s, ratio R`` with R = X / Y, end to
end from the files, cold: X = wbreport ``load_package`` with the cache disabled (read,
check every rule, type) + ``compute``; Y = DuckDB ``read_csv`` + its SQL, default threads.
Compute alone (both from loaded data) is reported on the lines above it.

``--data DIR`` measures an existing package (e.g. one made once with ``wbreport demo-data
--out DIR --scale 1000``) instead of generating benchmarks/_work/scale<N>.
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
CACHE = WORK / "cache"
TABLES = ("activities", "participation", "milestones", "tools")
DEFAULT_PERIOD = "2020Q4"
SEED = 1

sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # measure this checkout of wbreport


# ----------------------------------------------------------------------------
# subprocess workers
# ----------------------------------------------------------------------------


def _worker_measure(folder: str, period: str, out: str) -> None:
    """Load + compute once with wbreport; report timings, cache use and peak RSS as JSON."""
    import wbreport.cache
    import wbreport.indicators
    import wbreport.package

    hits: list[bool] = []
    lookup = wbreport.cache.cache_get

    def spy(store: Path, key: str):  # type: ignore[no-untyped-def]
        entry = lookup(store, key)
        hits.append(entry is not None)
        return entry

    wbreport.package.cache_get = spy  # type: ignore[assignment]
    t0 = time.perf_counter()
    pkg = wbreport.package.load_package(Path(folder))
    t1 = time.perf_counter()
    result = wbreport.indicators.compute(pkg, period)
    t2 = time.perf_counter()
    with open(out, "wb") as fh:
        pickle.dump(result, fh)
    print(
        json.dumps(
            {
                "load": t1 - t0,
                "compute": t2 - t1,
                "total": t2 - t0,
                "cache_hit": any(hits),
                "maxrss_mib": peak_rss_mib(),
            }
        )
    )


def peak_rss_mib() -> float:
    """Peak resident memory of this process image, in MiB.

    ``VmHWM`` from /proc: unlike ``ru_maxrss``, which Linux carries over from the
    parent through fork and exec (and so would report the benchmark's own size, DuckDB
    tables included), it starts afresh at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker_generate(scale: int, out: str) -> None:
    import wbreport.demo

    tables = wbreport.demo.generate(scale, SEED)
    wbreport.demo.write_package(tables, Path(out))


def _run_worker(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=HERE.parent, env=env
    )
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
        print(
            f"generated scale {scale} in {time.perf_counter() - t0:.1f} s -> {folder}", flush=True
        )
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
        return {
            t: con.execute(f"SELECT count(*) FROM {_reader(folder / f'{t}.csv')}").fetchone()[0]
            for t in TABLES
        }
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
            "WHERE status = 'delivered'",
            [p.start, p.end],
        ).fetchone()
    finally:
        con.close()
    if n or latest is None:
        return DEFAULT_PERIOD
    return quarter_of(latest).label


def measure_wbreport(folder: Path, period: str, warm: bool) -> tuple[dict, object]:
    """One wbreport run in a fresh process: cold (cache disabled) or warm (cache on)."""
    env = dict(os.environ)
    env.pop("WBREPORT_NO_CACHE", None)
    if warm:
        env["WBREPORT_CACHE_DIR"] = str(CACHE)
    else:
        env["WBREPORT_NO_CACHE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.pkl")
        stats = json.loads(
            _run_worker("--measure", str(folder), period, out, env=env).splitlines()[-1]
        )
        with open(out, "rb") as fh:
            result = pickle.load(fh)
    return stats, result


def measure_duckdb(folder: Path, period: str, threads: int | None):
    from duckdb_indicators import duckdb_indicators

    from wbreport.periods import parse_period

    p = parse_period(period)
    t0 = time.perf_counter()
    result = duckdb_indicators(folder, p.start, p.end, threads=threads)
    return time.perf_counter() - t0, result


def measure_duckdb_every_file(folder: Path) -> float:
    """DuckDB reading every column of every CSV file of the package into tables (types
    detected), as wbreport's cold load reads all of them: no SQL, no rule checked."""
    import duckdb
    from duckdb_indicators import _sql_str

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    try:
        for i, file in enumerate(sorted(folder.glob("*.csv"))):
            con.execute(
                f"CREATE TABLE t{i} AS SELECT * FROM read_csv({_sql_str(str(file))}, header = true)"
            )
    finally:
        con.close()
    return time.perf_counter() - t0


def measure_arrow_floor(folder: Path, typed: bool) -> float:
    """pyarrow's multithreaded CSV reader parsing every file of the package, and nothing
    else: every column as text (``typed=False``: what any reader that checks every cell
    must at least do; wbreport's cold load starts with exactly this), or into the schema's
    types (``typed=True``: ids and text as strings, codes and periods dictionary-encoded,
    dates as date32, counts as int64, numbers as float64, flags as bool; no rule beyond
    what a type conversion rejects, no row numbers, no frames)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from wbreport.schema import TABLES as SCHEMA

    codes = pa.dictionary(pa.int32(), pa.string())
    arrow_type = {
        "id": pa.string(),
        "text": pa.string(),
        "code": codes,
        "period": codes,
        "date": pa.date32(),
        "bool": pa.bool_(),
        "int": pa.int64(),
        "number": pa.float64(),
    }
    typing = {"null_values": [""], "true_values": ["true"], "false_values": ["false"]}
    t0 = time.perf_counter()
    for table in SCHEMA:
        file = folder / f"{table.name}.csv"
        if not file.exists():
            continue
        if typed:
            types = {c.name: arrow_type[c.type] for c in table.columns}
        else:
            with open(file, "rb") as handle:
                header = handle.readline().decode("utf-8-sig").strip().split(",")
            types = dict.fromkeys(header, pa.string())
        pa_csv.read_csv(
            file,
            read_options=pa_csv.ReadOptions(use_threads=True, block_size=4 << 20),
            convert_options=pa_csv.ConvertOptions(
                column_types=types, strings_can_be_null=False, **(typing if typed else {})
            ),
        )
    return time.perf_counter() - t0


def measure_duckdb_loaded(con, period: str):  # type: ignore[no-untyped-def]
    from duckdb_indicators import indicators_from_tables

    from wbreport.periods import parse_period

    p = parse_period(period)
    t0 = time.perf_counter()
    result = indicators_from_tables(con, p.start, p.end)
    return time.perf_counter() - t0, result


def differences(got, want) -> list[str]:  # type: ignore[no-untyped-def]
    def same(a: float, b: float) -> bool:
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= 1e-9

    cols = ["partner", "indicator", "value"]
    g = {(p, i): float(v) for p, i, v in got[cols].itertuples(index=False)}
    w = {(p, i): float(v) for p, i, v in want[cols].itertuples(index=False)}
    # The oracle implements the indicators of SPEC §4; wbreport's others (§8, §9) are
    # checked by tests/test_indicators_oracle.py and not compared here.
    oracle = {i for _, i in w}
    g = {k: v for k, v in g.items() if k[1] in oracle}
    out = [f"missing in wbreport: {k}" for k in w if k not in g]
    out += [f"not in oracle: {k}" for k in g if k not in w]
    out += [
        f"{p} {i}: wbreport {g[(p, i)]!r}, duckdb {w[(p, i)]!r}"
        for (p, i) in w
        if (p, i) in g and not same(g[(p, i)], w[(p, i)])
    ]
    if not out and list(g) != list(w):
        out.append("same values but row order differs (partner order, then §4 order)")
    return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def median(values: list[float]) -> float:
    return statistics.median(values)


# ----------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="scale 50, 2 pairs, no growth")
    ap.add_argument("--scale", type=int, default=None)
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--no-growth", action="store_true")
    ap.add_argument("--data", type=Path, default=None, help="an existing CSV package to measure")
    args = ap.parse_args()
    scale = args.scale or (50 if args.quick else 1000)
    pairs = args.pairs or (2 if args.quick else 5)
    growth = not (args.quick or args.no_growth)

    import duckdb
    import numpy as np
    import pandas as pd
    from duckdb_indicators import connect, load_typed_tables

    import wbreport.cache

    probe = duckdb.connect(":memory:")
    default_threads = probe.execute("SELECT current_setting('threads')").fetchone()[0]
    probe.close()
    print(
        f"machine: {cpu_model()}, {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.system()} {platform.machine()}; load average {load_average()}"
    )
    print(
        f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"duckdb {duckdb.__version__} (default threads {default_threads}); wbreport parses CSV "
        "on pyarrow's threads and hashes files on another thread",
        flush=True,
    )

    folder = args.data.resolve() if args.data is not None else package(scale)
    counts = row_counts(folder)
    period = choose_period(folder)
    size_mib = sum(f.stat().st_size for f in folder.glob("*.csv")) / 2**20
    print(
        f"package {folder} (scale {scale}, {size_mib:.0f} MiB of CSV): "
        + ", ".join(f"{t} {n:,}" for t, n in counts.items()),
        flush=True,
    )

    # Prime the validated-package cache: a cold load that stores its entry.
    shutil.rmtree(CACHE, ignore_errors=True)
    prime, _ = measure_wbreport(folder, period, warm=True)
    cacheable = size_mib * 2**20 >= wbreport.cache.CACHE_MIN_BYTES
    print(
        f"cache primed by a cold load that also stores the entry: load {prime['load']:.3f} s, "
        f"peak RSS {prime['maxrss_mib']:.0f} MiB"
        + ("" if cacheable else " (package below the cache threshold: warm = cold)")
    )

    loaded = {t: connect(t) for t in (None, 1)}
    t0 = time.perf_counter()
    load_typed_tables(loaded[None], folder)
    dk_load = time.perf_counter() - t0
    load_typed_tables(loaded[1], folder)

    print(
        f"period {period}; {pairs} pairs alternating: wbreport cold, duckdb read+compute "
        f"({default_threads} threads), wbreport warm, duckdb read+compute (1 thread), "
        "duckdb compute on loaded tables",
        flush=True,
    )
    runs: dict[str, list[float]] = {
        k: []
        for k in (
            "cold",
            "cold_load",
            "warm",
            "warm_load",
            "compute",
            "dk",
            "dk1",
            "dkc",
            "dkc1",
            "dkall",
            "floor",
            "typed",
        )
    }
    rss: list[float] = []
    problems: list[str] = []
    warm_hits = []
    for i in range(pairs):
        cold, cold_result = measure_wbreport(folder, period, warm=False)
        dk_s, dk_result = measure_duckdb(folder, period, None)
        warm, warm_result = measure_wbreport(folder, period, warm=True)
        dk1_s, _ = measure_duckdb(folder, period, 1)
        dkc_s, dkc_result = measure_duckdb_loaded(loaded[None], period)
        dkc1_s, _ = measure_duckdb_loaded(loaded[1], period)
        dkall_s = measure_duckdb_every_file(folder)
        floor_s = measure_arrow_floor(folder, typed=False)
        typed_s = measure_arrow_floor(folder, typed=True)
        warm_hits.append(warm["cache_hit"])
        for key, value in (
            ("cold", cold["total"]),
            ("cold_load", cold["load"]),
            ("warm", warm["total"]),
            ("warm_load", warm["load"]),
            ("dk", dk_s),
            ("dk1", dk1_s),
            ("dkc", dkc_s),
            ("dkc1", dkc1_s),
            ("dkall", dkall_s),
            ("floor", floor_s),
            ("typed", typed_s),
        ):
            runs[key].append(value)
        runs["compute"] += [cold["compute"], warm["compute"]]
        rss += [cold["maxrss_mib"], warm["maxrss_mib"]]
        print(
            f"  pair {i + 1}: wbreport cold {cold['total']:.3f} s (load {cold['load']:.3f} + "
            f"compute {cold['compute']:.3f}), warm {warm['total']:.3f} s (load "
            f"{warm['load']:.3f}{'' if warm['cache_hit'] else ', no cache hit'} + compute "
            f"{warm['compute']:.3f}); duckdb read+compute {dk_s:.3f} s ({default_threads} "
            f"threads) / {dk1_s:.3f} s (1 thread), compute only {dkc_s:.3f} / {dkc1_s:.3f} s; "
            f"duckdb reading every file {dkall_s:.3f} s; pyarrow parsing every file "
            f"{floor_s:.3f} s as text, {typed_s:.3f} s typed",
            flush=True,
        )
        if i == 0:
            for label, got in (("cold", cold_result), ("warm", warm_result)):
                problems += [f"{label}: {p}" for p in differences(got, dk_result)]
            problems += [
                f"duckdb on loaded tables: {p}" for p in differences(dkc_result, dk_result)
            ]
    for con in loaded.values():
        con.close()

    m = {k: median(v) for k, v in runs.items()}
    print("medians:")
    print(f"  wbreport cold  load+compute {m['cold']:.3f} s (load_package {m['cold_load']:.3f} s)")
    print(
        f"  wbreport warm  load+compute {m['warm']:.3f} s (load_package {m['warm_load']:.3f} s"
        f"{'' if all(warm_hits) else '; NOT all cache hits'})"
    )
    print(f"  wbreport compute only       {m['compute']:.3f} s")
    print(
        f"  duckdb read+compute         {m['dk']:.3f} s ({default_threads} threads), "
        f"{m['dk1']:.3f} s (1 thread)"
    )
    print(
        f"  duckdb compute only         {m['dkc']:.3f} s ({default_threads} threads), "
        f"{m['dkc1']:.3f} s (1 thread); loading its typed tables took {dk_load:.3f} s"
    )
    print(
        f"  duckdb reading every column of every file into tables (no SQL, no rule): "
        f"{m['dkall']:.3f} s"
    )
    print(
        f"  pyarrow parsing every column of every file as text (no check, no type): "
        f"{m['floor']:.3f} s = {m['floor'] / m['dk']:.2f} x duckdb read+compute  [the floor "
        "of any cold load that checks every cell; duckdb's query reads 4 of the files and "
        "only the columns it needs]"
    )
    print(
        f"  pyarrow parsing every column of every file into the schema's types (no other "
        f"rule): {m['typed']:.3f} s = {m['typed'] / m['dk']:.2f} x duckdb read+compute  "
        "[what is left for every other rule, row numbers, frames and compute if a load "
        "typed by Arrow is to reach 1.0]"
    )
    print("ratios (wbreport / duckdb):")
    print(
        f"  end to end, cold, vs duckdb read+compute: {m['cold'] / m['dk']:.2f} "
        f"({m['cold'] / m['dk1']:.2f} vs duckdb on 1 thread)"
    )
    print(
        f"  end to end, warm, vs duckdb read+compute: {m['warm'] / m['dk']:.2f} "
        f"({m['warm'] / m['dk1']:.2f} vs duckdb on 1 thread)  [not like for like: duckdb "
        "re-reads the files, wbreport reuses an earlier validation]"
    )
    print(
        f"  end to end, cold, vs duckdb reading every file: {m['cold'] / m['dkall']:.2f}  "
        "[wbreport reads, checks and types every column; duckdb only reads them]"
    )
    print(
        f"  compute only vs duckdb on loaded tables:  {m['compute'] / m['dkc']:.2f} "
        f"({m['compute'] / m['dkc1']:.2f} vs duckdb on 1 thread)"
    )
    print(
        f"wbreport peak memory (max RSS of the measuring processes): {max(rss):.0f} MiB "
        f"(cache-priming run {prime['maxrss_mib']:.0f} MiB)"
    )

    if problems:
        print(f"DISAGREEMENT between wbreport and duckdb ({len(problems)} values):")
        for line in problems:
            print("  " + line)
    else:
        print(
            f"results agree: {len(dk_result)} values, cold and warm, "
            "(within 1e-9, NA positions equal)"
        )

    if growth and not problems:
        print(
            "growth (median of 3; wbreport cold load+compute in a fresh process, duckdb "
            f"read+compute with {default_threads} threads; rows = all four tables):"
        )
        for n in (250, 500, 1000, 2000):
            f = package(n)
            n_rows = row_counts(f)
            rows = sum(n_rows.values())
            p = choose_period(f)
            stats = [measure_wbreport(f, p, warm=False)[0] for _ in range(3)]
            wb = median([s["total"] for s in stats])
            dk = median([measure_duckdb(f, p, None)[0] for _ in range(3)])
            print(
                f"  scale {n:>5}: {rows:>10,} rows (participation {n_rows['participation']:>9,})"
                f"  wbreport {wb:6.2f} s ({wb / rows * 1e6:4.2f} s per million rows, compute "
                f"{median([s['compute'] for s in stats]):.2f} s, peak RSS "
                f"{max(s['maxrss_mib'] for s in stats):.0f} MiB)  duckdb {dk:5.2f} s  "
                f"ratio {wb / dk:4.2f}",
                flush=True,
            )

    print(f"load average at the end: {load_average()}")
    x, y = m["cold"], m["dk"]
    print(
        f"X = wbreport cold load_package + compute (cache disabled); Y = duckdb read_csv + "
        f"SQL, {default_threads} threads; same files, medians of {pairs} (compute only: "
        f"{m['compute']:.3f} s vs {m['dkc']:.3f} s, ratio {m['compute'] / m['dkc']:.2f})"
    )
    print(f"indicators: wbreport {x:.2f} s, duckdb {y:.2f} s, ratio {x / y:.2f}")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _worker_measure(*sys.argv[2:5])
    elif len(sys.argv) > 1 and sys.argv[1] == "--generate":
        _worker_generate(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
