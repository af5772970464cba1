"""Generate a whole synthetic package and write it as a folder of CSV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import wbreport.demo.programming as programming
from wbreport.demo.core import first_year
from wbreport.demo.evaluation import evaluations, followups
from wbreport.demo.results import CUSTOM_NAMES, indicator_definitions, observations, results
from wbreport.demo.targets import make_targets, more_targets, proxies
from wbreport.registry import PROGRAMMING_NAMES
from wbreport.schema import LOWER_IS_BETTER


def generate(scale: int = 1, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Generate a valid synthetic data package.

    Parameters
    ----------
    scale
        Size factor: about ``scale`` × 1,000 participation rows (515 activities,
        90 milestones and 6 tools per unit).
    seed
        Seed of ``numpy.random.default_rng``; equal arguments give equal tables.

    Returns
    -------
    dict[str, pandas.DataFrame]
        The ten tables of SPEC §2, §8 and §9 (``activities``, ``participation``,
        ``milestones``, ``tools``, ``targets``, ``evaluations``, ``followups``,
        ``results``, ``indicator_definitions``, ``observations``) with exactly their
        schema columns, every cell text (``""`` when empty, dates ``YYYY-MM-DD``,
        booleans ``true``/``false``). The four required tables and the period targets
        of the programming indicators come from ``default_rng(seed)`` as they always
        did; everything of §8 and §9 from a second stream, ``default_rng([seed, 1])``.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    rng = np.random.default_rng(seed)
    first_day = np.datetime64(f"{first_year(scale)}-01-01", "D")
    activities, act = programming.activities(
        rng, programming.ACTIVITIES_PER_SCALE * scale, first_day
    )
    participation, rows = programming.participation(rng, act)
    tables = {
        "activities": activities,
        "participation": participation,
        "milestones": programming.milestones(
            rng, programming.MILESTONES_PER_SCALE * scale, first_day
        ),
        "tools": programming.tools(rng, programming.TOOLS_PER_SCALE * scale, first_day),
    }
    indicators = [i for i in PROGRAMMING_NAMES if i not in LOWER_IS_BETTER]
    proxy = proxies(tables)
    targets = make_targets(tables, rng, indicators, proxy=proxy)
    extra = np.random.default_rng([seed, 1])
    more = more_targets(tables, extra, CUSTOM_NAMES, proxy=proxy)
    tables["targets"] = pd.concat([targets, more], ignore_index=True)
    tables["evaluations"] = evaluations(extra, tables, rows)
    tables["followups"] = followups(extra, tables, rows)
    tables["results"] = results()
    tables["indicator_definitions"] = indicator_definitions()
    tables["observations"] = observations(extra)
    return tables


def check_target(out: Path, force: bool = False) -> None:
    """Refuse to write a package where it would overwrite anything (unless ``force``).

    Raises :class:`~wbreport.errors.UsageError` when ``out`` is a file, cannot be
    listed, or is a folder that is not empty and ``force`` is not given.
    """
    from wbreport.errors import UsageError
    from wbreport.publication import refuse_inside_sets

    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder: choose a folder for the package")
    refuse_inside_sets(out, "data package")
    if not out.exists():
        return
    try:
        entries = [p.name for p in out.iterdir()]
    except OSError as exc:
        raise UsageError(f"cannot read folder {out}: {exc.strerror or exc}") from None
    if entries and not force:
        shown = ", ".join(sorted(entries)[:5]) + (", …" if len(entries) > 5 else "")
        raise UsageError(
            f"{out} is not empty ({shown}); demo-data would overwrite files there: "
            "choose an empty or new folder, or add --force"
        )


def write_package(tables: dict[str, pd.DataFrame], out: Path) -> list[Path]:
    """Write each table to ``<out>/<table>.csv`` (UTF-8, comma, header, no index).

    Parameters
    ----------
    tables
        Frames keyed by table name, as returned by :func:`generate`.
    out
        Folder to write into; created when missing.

    Returns
    -------
    list[pathlib.Path]
        The files written, in the order of ``tables``.
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from wbreport.errors import UsageError

        raise UsageError(f"cannot create folder {out}: {exc.strerror or exc}") from None
    from wbreport.publication import written_aside

    paths = []
    for name, frame in tables.items():
        path = out / f"{name}.csv"
        # Written aside, then renamed over: with --force, a link at that name is replaced,
        # not followed (it overwrote the file it named, outside the folder).
        with written_aside(path) as temp:
            frame.to_csv(temp, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
