"""Batch benchmark: ``wbreport run --force`` against the naive papermill + nbconvert loop.

The naive loop is what analysts write by hand: for each of the 7 partners, the papermill
CLI renders the project's notebook into ``out.ipynb`` and the nbconvert CLI exports it
to HTML without code, one report after the other. wbreport renders the same 7 reports
of the same period from the same notebook and sample data. The two are timed in
alternating pairs in one invocation (the order flips every pair, so drifting machine
load hits both); each pair and the medians are printed, and the last line is

    batch: naive N s, wbreport W s, ratio R        (R = naive / wbreport)

Usage::

    python benchmarks/batch.py [--pairs 3] [--period 2021Q4] [--extras]

``--extras`` also times ``--jobs 1``, an unchanged rerun (nothing to render) and the
backfill ``--period 2019Q1:2021Q4`` (84 reports), printed before the last line.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
PARTNERS = ("AL", "BA", "XK", "ME", "MK", "RS", "WB")


def tool(name: str) -> str:
    """The console script next to this interpreter (no pyenv/asdf shim in the timings)."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: pip install -e '.[test]'")
    return found


def cpu_seconds() -> float:
    """CPU time of finished child processes (and theirs): load-independent, unlike wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], cwd: Path, attempts: int = 1) -> None:
    for attempt in range(1, attempts + 1):
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        if done.returncode == 0:
            return
        if attempt < attempts:
            # papermill's kernels pick TCP ports and can race other kernels on the machine
            # (papermill#511): count the failure in the time and run the step again.
            print(f"  (retrying, exit {done.returncode}: {' '.join(cmd[:2])} ...)", flush=True)
    sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")


def naive(period: str, work: Path) -> tuple[float, float]:
    """papermill CLI then nbconvert CLI, per partner, sequentially."""
    papermill, jupyter = tool("papermill"), tool("jupyter")
    folder = work / "naive"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    cpu, started = cpu_seconds(), time.perf_counter()
    for code in PARTNERS:
        # --cwd: the kernel runs beside the notebook, as in JupyterLab, so the notebook's
        # params_dir="../params" finds the same narratives wbreport uses.
        run(
            [
                papermill,
                str(NOTEBOOK),
                "out.ipynb",
                "-p",
                "partner",
                code,
                "-p",
                "period",
                period,
                "--cwd",
                str(NOTEBOOK.parent),
            ],
            folder,
            attempts=2,
        )
        run([jupyter, "nbconvert", "--to", "html", "--no-input", "out.ipynb"], folder, attempts=2)
        (folder / "out.html").rename(folder / f"{code}.html")
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    missing = [c for c in PARTNERS if not (folder / f"{c}.html").is_file()]
    if missing:
        sys.exit(f"naive loop produced no report for {missing}")
    return seconds, cpu


def wbreport(period: str, out: Path, *extra: str, force: bool = True) -> tuple[float, float]:
    # Like for like with the naive loop: the English programming reports only.
    cmd = [tool("wbreport"), "run", "--out", str(out), "--period", period, "--kinds", "programming"]
    cmd += ["--lang", "en", *extra]
    if force:
        cmd.append("--force")
    cpu, started = cpu_seconds(), time.perf_counter()
    run(cmd, ROOT)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    first = period.split(":")[0]
    missing = [c for c in PARTNERS if not (out / first / f"{c}.html").is_file()]
    if missing:
        sys.exit(f"wbreport run published no report for {missing}")
    return seconds, cpu


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return f"{os.cpu_count()} CPUs, {model or 'unknown CPU'}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=3, help="alternating pairs (default 3)")
    parser.add_argument("--period", default="2021Q4")
    parser.add_argument(
        "--extras",
        action="store_true",
        help="also time --jobs 1, an unchanged rerun and the 2019Q1:2021Q4 backfill",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"reports: {len(PARTNERS)} partners, period {args.period}, notebook {NOTEBOOK}")
    work = Path(tempfile.mkdtemp(prefix="wbreport-bench-"))
    naive_times: list[float] = []
    wb_times: list[float] = []
    try:
        for i in range(args.pairs):
            out = work / f"out{i}"
            if i % 2 == 0:
                (n, n_cpu), (w, w_cpu) = naive(args.period, work), wbreport(args.period, out)
            else:
                (w, w_cpu), (n, n_cpu) = wbreport(args.period, out), naive(args.period, work)
            naive_times.append(n)
            wb_times.append(w)
            print(
                f"pair {i + 1}: naive {n:.2f} s (CPU {n_cpu:.1f} s), wbreport {w:.2f} s "
                f"(CPU {w_cpu:.1f} s), ratio {n / w:.2f}",
                flush=True,
            )
        if args.extras:
            out = work / "extras"
            serial, cpu = wbreport(args.period, out, "--jobs", "1")
            print(f"wbreport run --jobs 1 --force: {serial:.2f} s (CPU {cpu:.1f} s)", flush=True)
            default, cpu = wbreport(args.period, out)
            print(
                f"wbreport run --force (default jobs = {os.cpu_count()}): {default:.2f} s "
                f"(CPU {cpu:.1f} s)",
                flush=True,
            )
            reruns = [wbreport(args.period, out, force=False)[0] for _ in range(3)]
            print(
                f"wbreport run, unchanged rerun (all skipped): median "
                f"{statistics.median(reruns):.2f} s ({', '.join(f'{r:.2f}' for r in reruns)})",
                flush=True,
            )
            backfill, cpu = wbreport("2019Q1:2021Q4", work / "backfill")
            print(
                f"wbreport run --period 2019Q1:2021Q4 --force (84 reports): {backfill:.2f} s "
                f"(CPU {cpu:.1f} s)",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n, w = statistics.median(naive_times), statistics.median(wb_times)
    print(f"medians over {args.pairs} pairs: naive {n:.2f} s, wbreport {w:.2f} s")
    print(f"batch: naive {n:.1f} s, wbreport {w:.1f} s, ratio {n / w:.1f}")


if __name__ == "__main__":
    main()
