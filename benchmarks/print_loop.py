"""Benchmark: a report whose notebook prints in a loop, against the same report without it.

    python benchmarks/print_loop.py                  # 2,000,000 printed lines, 3 pairs
    python benchmarks/print_loop.py --lines 200000 --pairs 1

A debugging ``print`` in a loop over a large table is the case: the runner keeps the first
``output.printed_chars`` characters of a cell (1,000,000 by default) and notes the cut, so
the report is the same size either way; what this measures is how long the run takes to
get there. Both sides run ``wbreport run --force --partners AL --lang en --kinds
programming`` on the built-in sample in a fresh output folder, in alternating pairs; the
"printing" side uses a copy of ``notebooks/report.ipynb`` with one more cell after the
parameters cell::

    for i in range(LINES):
        print(i)

The last line is ``print_loop: plain P s, printing Q s, ratio R`` with medians and
R = Q / P (1.0 would mean the loop costs nothing).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def printing_notebook(folder: Path, lines: int) -> Path:
    """A copy of the report notebook with the print loop after its parameters cell."""
    nb = nbformat.read(ROOT / "notebooks" / "report.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(f"for i in range({lines}):\n    print(i)"))
    path = folder / "report.ipynb"
    nbformat.write(nb, path)
    return path


def timed_run(notebook: Path, out: Path) -> float:
    command = [
        sys.executable,
        "-m",
        "wbreport",
        "run",
        "--force",
        "--partners",
        "AL",
        "--lang",
        "en",
        "--kinds",
        "programming",
        "--notebook",
        str(notebook),
        "--params",
        str(ROOT / "params"),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"wbreport run failed with exit code {done.returncode}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wbreport-print-loop-") as tmp:
        work = Path(tmp)
        printing = printing_notebook(work, args.lines)
        plain = ROOT / "notebooks" / "report.ipynb"
        times: dict[str, list[float]] = {"plain": [], "printing": []}
        for pair in range(args.pairs):
            order = ["plain", "printing"] if pair % 2 == 0 else ["printing", "plain"]
            for name in order:
                notebook = plain if name == "plain" else printing
                times[name].append(timed_run(notebook, work / f"out-{name}-{pair}"))
            print(
                f"pair {pair + 1}: plain {times['plain'][-1]:.2f} s, "
                f"printing {times['printing'][-1]:.2f} s",
                flush=True,
            )
    p, q = statistics.median(times["plain"]), statistics.median(times["printing"])
    print(f"print_loop: plain {p:.1f} s, printing {q:.1f} s, ratio {q / p:.2f}")


if __name__ == "__main__":
    main()
