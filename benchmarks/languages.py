"""Languages benchmark: what an extra report language costs against an extra report.

Three ``wbreport run --force --kinds programming`` batches on the sample, in alternating
rounds (the order rotates every round, so drifting machine load hits all three):

- ``two``: ``--partners AL,BA --lang en`` (2 reports: both warm kernels in use);
- ``english``: ``--lang en`` (7 reports, one per partner);
- ``languages``: each partner's §10 languages (13 reports: 7 English + 6 in another language).

The marginal cost of a report is ``(english - two) / 5`` (five more partners) and that of a
language ``(languages - english) / 6`` (six more language versions): both add reports to a
batch on the same two warm kernels (a one-report batch would start one kernel only, and
charge the second kernel's start to the extra reports). Each round and the medians are
printed (wall and CPU seconds; CPU counts the kernels too and depends less on machine load),
and the last line is

    languages: per extra report R s, per extra language L s, ratio L/R = X

Usage::

    python benchmarks/languages.py [--rounds 3] [--period 2021Q4]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.batch import ROOT, cpu_seconds, machine, run, tool

ENGLISH = [f"{c}.html" for c in ("AL", "BA", "XK", "ME", "MK", "RS", "WB")]
OTHERS = ["AL.sq", "BA.bs", "XK.sq", "ME.cnr", "MK.mk", "RS.sr-Latn"]  # SPEC §10 sample
BATCHES = {
    "two": (["--partners", "AL,BA", "--lang", "en"], ["AL.html", "BA.html"]),
    "english": (["--lang", "en"], ENGLISH),
    "languages": ([], ENGLISH + [f"{s}.html" for s in OTHERS]),
}


def batch(name: str, period: str, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``wbreport run --force`` of batch ``name``."""
    args, pages = BATCHES[name]
    shutil.rmtree(out, ignore_errors=True)
    cmd = [tool("wbreport"), "run", "--force", "--out", str(out), "--period", period]
    cmd += ["--kinds", "programming", *args]
    cpu, started = cpu_seconds(), time.perf_counter()
    run(cmd, ROOT)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    published = sorted(
        p.name for p in (out / period).glob("*.html") if p.name.split(".")[0] != "index"
    )
    if published != sorted(pages):
        sys.exit(f"{name}: published {published}, expected {sorted(pages)}")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--period", default="2021Q4")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    work = Path(tempfile.mkdtemp(prefix="wbreport-bench-languages-"))
    names = list(BATCHES)
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    try:
        for i in range(args.rounds):
            order = names[i % 3 :] + names[: i % 3]
            shown = []
            for name in order:
                w, c = batch(name, args.period, work / name)
                wall[name].append(w)
                cpu[name].append(c)
                shown.append(f"{name} {w:.2f} s (CPU {c:.1f} s)")
            print(f"round {i + 1}: " + ", ".join(shown), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    w = {n: statistics.median(v) for n, v in wall.items()}
    c = {n: statistics.median(v) for n, v in cpu.items()}
    shown = [f"{n} ({len(BATCHES[n][1])} reports) {w[n]:.2f} s (CPU {c[n]:.1f} s)" for n in names]
    print("medians: " + ", ".join(shown))
    report, language = (w["english"] - w["two"]) / 5, (w["languages"] - w["english"]) / 6
    report_cpu, language_cpu = (c["english"] - c["two"]) / 5, (c["languages"] - c["english"]) / 6
    print(
        f"CPU: per extra report {report_cpu:.2f} s, per extra language {language_cpu:.2f} s, "
        f"ratio {language_cpu / report_cpu:.2f}"
    )
    print(
        f"languages: per extra report {report:.2f} s, per extra language {language:.2f} s, "
        f"ratio L/R = {language / report:.2f}"
    )


if __name__ == "__main__":
    main()
