"""Size budget check: each report's HTML size, the index size and each report's PDF page count.

    python benchmarks/sizes.py                 # render the sample into a temporary folder
    python benchmarks/sizes.py --out outputs   # measure an existing run (its latest period)
    python benchmarks/sizes.py --no-pdf        # sizes only, without Chromium

Budgets: each report ≤ 150 KB (issue 7; issue 5 allows 300 KB), the index ≤ 100 KB.
PDF pages are counted by printing each report to A4 in headless Chromium (wbreport.pdf),
when playwright and a Chromium binary are available; otherwise the column says why not.
Exit code 1 when a budget is exceeded. The last line is
``sizes: max report N KB, index M KB``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPORT_BUDGET_KB = 150
INDEX_BUDGET_KB = 100


def _latest_set(out: Path) -> Path:
    """``out`` itself when it holds index.html, else its most recently published period."""
    if (out / "index.html").is_file():
        return out
    sets = [p for p in out.iterdir() if p.is_symlink() or (p / "index.html").is_file()]
    sets = [p for p in sets if (p / "index.html").is_file()]
    if not sets:
        raise SystemExit(f"no published report set in {out}")
    return max(sets, key=lambda p: (p / "index.html").stat().st_mtime)


def _render(out: Path) -> Path:
    from wbreport.batch import RunOptions, plan_and_run

    result = plan_and_run(RunOptions(out=out))
    (period,) = result.periods
    failed = [r.partner for r in period.failed]
    if failed:
        print(f"warning: reports failed: {', '.join(failed)}", file=sys.stderr)
    return period.folder


def _page_counts(folder: Path, codes: list[str]) -> tuple[dict[str, int], str]:
    from wbreport import pdf

    reason = pdf.unavailable_reason()
    if reason:
        return {}, reason
    counts = {}
    with pdf.browser() as browser:
        context = browser.new_context(java_script_enabled=False)
        pdf.block_network(context)
        page = context.new_page()
        for code in codes:
            counts[code] = pdf.count_pages(pdf.print_pdf(page, folder / f"{code}.html"))
        context.close()
    return counts, ""


def measure(folder: Path, with_pdf: bool = True) -> int:
    from wbreport.partners import ALL_CODES

    codes = [c for c in ALL_CODES if (folder / f"{c}.html").is_file()]
    missing = [c for c in ALL_CODES if c not in codes]
    counts, why = _page_counts(folder, codes) if with_pdf else ({}, "not requested")
    print(f"report set: {folder.resolve()}")
    print(f"{'report':<8}{'KB':>8}{'PDF pages':>11}")
    sizes = {}
    for code in codes:
        sizes[code] = (folder / f"{code}.html").stat().st_size / 1024
        pages = str(counts[code]) if code in counts else "–"
        flag = "  OVER BUDGET" if sizes[code] > REPORT_BUDGET_KB else ""
        print(f"{code:<8}{sizes[code]:>8.1f}{pages:>11}{flag}")
    index = (folder / "index.html").stat().st_size / 1024
    print(f"{'index':<8}{index:>8.1f}{'':>11}{'  OVER BUDGET' if index > INDEX_BUDGET_KB else ''}")
    if why:
        print(f"PDF pages not counted: {why}")
    if missing:
        print(f"no report for: {', '.join(missing)}")
    print(f"budgets: report ≤ {REPORT_BUDGET_KB} KB, index ≤ {INDEX_BUDGET_KB} KB")
    largest = max(sizes.values(), default=0.0)
    print(f"sizes: max report {largest:.0f} KB, index {index:.0f} KB")
    return 1 if largest > REPORT_BUDGET_KB or index > INDEX_BUDGET_KB else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, help="an existing wbreport run (default: render the sample)"
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip printing PDFs with Chromium")
    args = parser.parse_args(argv)
    if args.out is not None:
        return measure(_latest_set(args.out), not args.no_pdf)
    with tempfile.TemporaryDirectory(prefix="wbreport-sizes-") as tmp:
        return measure(_render(Path(tmp)), not args.no_pdf)


if __name__ == "__main__":
    sys.exit(main())
