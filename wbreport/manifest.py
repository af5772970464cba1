"""``manifest.json`` of a published set (SPEC §5): inputs, versions and every job's outcome."""

from __future__ import annotations

import contextlib
import json
import platform
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wbreport.jobs import JobResult, Status, redacted
from wbreport.naming import ENGLISH, PROGRAMMING, index_file
from wbreport.partners import order_key
from wbreport.publication import MANIFEST, read_json, write_atomic

KEY_PACKAGES = (
    "pandas",
    "numpy",
    "matplotlib",
    "papermill",
    "nbclient",
    "nbconvert",
    "ipykernel",
    "jupyter_client",
    "nh3",
    "filelock",
)

ReportKey = tuple[str, str, str]  # (partner, kind, lang)


def git_state(folder: Path) -> dict[str, Any]:
    """Commit and dirty flag of the git checkout holding ``folder`` (``None`` outside one)."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--", "."))
        return {"commit": commit, "dirty": dirty}
    except Exception:
        return {"commit": None, "dirty": None}


def versions() -> dict[str, str]:
    """Python's and the key packages' versions."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in KEY_PACKAGES:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def job_order(result: JobResult) -> tuple[int, str, str]:
    """Fixed partner order, then programming before other kinds, English first."""
    return (
        order_key(result.partner),
        "" if result.kind == PROGRAMMING else result.kind,
        "" if result.lang == ENGLISH else result.lang,
    )


def write_manifest(
    folder: Path, meta: dict[str, Any], results: Iterable[JobResult]
) -> dict[str, Any]:
    """Write ``manifest.json`` into ``folder`` atomically and return it."""
    from wbreport import __version__
    from wbreport.index import languages

    manifest = {
        "tool": "wbreport",
        "version": __version__,
        **meta,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "packages": versions(),
        "jobs": [_with_digests(r.to_json(), folder) for r in sorted(results, key=job_order)],
    }
    # the set's index in each language of its reports (English: index.html)
    manifest["indexes"] = {lang: index_file(lang) for lang in languages(manifest)}
    manifest["parameters"] = redacted(manifest.get("parameters", {}))
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def _with_digests(entry: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The job's entry with the sha256 of each of its files in ``folder``: a later run
    carries a report over unchanged only while its files are the ones published."""
    from wbreport.rawpackage import file_sha256

    paths = entry.get("paths") or {}
    digests = {
        name: file_sha256(folder / relative)
        for name, relative in paths.items()
        if (folder / relative).is_file()
    }
    return {**entry, "sha256": digests} if digests else entry


def files_as_published(folder: Path, job: dict[str, Any]) -> bool:
    """Whether every file of a manifest's ``job`` is in ``folder`` as it was published (by
    its sha256 where the manifest has one): one edited or deleted since is rendered again."""
    from wbreport.rawpackage import file_sha256

    paths = job.get("paths") or {}
    digests = job.get("sha256") or {}
    if not isinstance(paths, dict) or not isinstance(digests, dict) or not paths.get("html"):
        return False
    for name, relative in paths.items():
        file = folder / str(relative)
        if not file.is_file():
            return False
        if name in digests and file_sha256(file) != digests[name]:
            return False
    return True


def read_manifest(folder: Path | None) -> dict[str, Any]:
    """The manifest of a published set (empty when there is none)."""
    manifest = read_json(folder / MANIFEST) if folder is not None else None
    return manifest if isinstance(manifest, dict) else {}


def report_key(job: dict[str, Any]) -> ReportKey:
    """(partner, kind, lang) of a manifest job; manifests before kinds and languages were
    programming reports in English."""
    return (
        str(job.get("partner", "")),
        str(job.get("kind") or PROGRAMMING),
        str(job.get("lang") or ENGLISH),
    )


def jobs_of(manifest: dict[str, Any]) -> dict[ReportKey, dict[str, Any]]:
    """The manifest's jobs by (partner, kind, lang)."""
    jobs = manifest.get("jobs", [])
    return {report_key(j): j for j in jobs if isinstance(j, dict)} if isinstance(jobs, list) else {}


def result_from(job: dict[str, Any], period: str) -> JobResult:
    """A manifest job entry as a :class:`JobResult` (for reports carried over unchanged)."""
    partner, kind, lang = report_key(job)
    try:
        status = Status(job.get("status", "skipped"))
    except ValueError:
        status = Status.failed
    carried = job.get("carried_from")
    return JobResult(
        partner,
        period,
        status,
        seconds=float(job.get("seconds", 0.0) or 0.0),
        error=str(job.get("error", "") or ""),
        cell=job.get("cell"),
        key=str(job.get("key", "") or ""),
        paths=dict(job.get("paths", {}) or {}),
        kind=kind,
        lang=lang,
        carried_from=dict(carried) if isinstance(carried, dict) else None,
    )


__all__ = [
    "KEY_PACKAGES",
    "files_as_published",
    "git_state",
    "jobs_of",
    "read_manifest",
    "report_key",
    "result_from",
    "versions",
    "write_manifest",
]
