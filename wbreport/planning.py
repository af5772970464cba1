"""Planning a run: which reports (partner, kind, language) each period needs, which are
unchanged and can be carried over, and the typed plans the pipeline executes.

Planning writes nothing: set folders are made when a period is staged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wbreport.errors import UsageError
from wbreport.i18n import translator
from wbreport.jobs import Job, JobResult, Status, job_key
from wbreport.manifest import files_as_published, jobs_of, read_manifest, result_from
from wbreport.naming import ENGLISH, PROGRAMMING, narrative_stems
from wbreport.options import MAX_PERIODS, ReportKey, RunOptions, project_dir
from wbreport.parameters import (
    INJECTED,
    check_cells,
    check_notebook_file,
    check_parameters,
    typed_parameters,
)
from wbreport.partners import ALL_CODES, get_partner
from wbreport.project import defaults_dir
from wbreport.publication import published, sets_dir

if TYPE_CHECKING:
    from wbreport.config import Settings

REUSABLE = ("ok", "skipped")
SOURCE_SUFFIXES = (".py", ".j2", ".css", ".po", ".mo")


@dataclass(frozen=True)
class KindSpec:
    """One report kind of this run: its notebook (resolved), title pattern and the
    parameters its notebook declares."""

    name: str
    notebook: Path
    title: str
    declared: frozenset[str]
    extra: tuple[tuple[str, Any], ...] = ()  # --param values it declares, typed

    @property
    def has_lang(self) -> bool:
        """Whether the notebook renders other languages (declares ``lang``)."""
        return "lang" in self.declared


@dataclass
class PeriodPlan:
    """What one period of a run does: render ``jobs``, keep ``kept`` from the previous set."""

    period: str
    folder: Path  # the set folder this run builds (made when the period is staged)
    previous: Path | None  # the set published before this run
    before: dict[str, Any]  # the previous set's manifest
    jobs: list[Job] = field(default_factory=list)
    kept: list[JobResult] = field(default_factory=list)  # skipped or not asked for
    requested: set[ReportKey] = field(default_factory=set)
    staged: bool = False

    @property
    def needs_table(self) -> bool:
        """Whether indicators must be computed (something renders or no CSV to reuse)."""
        return bool(self.jobs) or not (
            self.previous is not None and (self.previous / "indicators.csv").is_file()
        )


# --- inputs ---------------------------------------------------------------------------------


def params_folder(given: Path | None) -> Path:
    """The params folder: ``--params`` must name an existing folder (exit 2 otherwise)."""
    from wbreport.options import default_params

    if given is None:
        return default_params().resolve()
    if not given.exists():
        raise UsageError(f"--params {given}: no such folder")
    if not given.is_dir():
        raise UsageError(f"--params {given}: not a folder (give the folder with defaults.yaml)")
    return given.resolve()


def parse_period_option(text: str) -> list[str]:
    """``--period P`` or ``FROM:TO`` as period labels, at most :data:`MAX_PERIODS`
    (refused before the periods are made)."""
    from wbreport.periods import parse_period_range

    return [p.label for p in parse_period_range(text, limit=MAX_PERIODS)]


def input_files(data: Path | None) -> tuple[Path, list[Path]]:
    """The data package's root and the files whose contents make its fingerprint."""
    from wbreport.project import sample_data_path
    from wbreport.schema import TABLES

    root = data if data is not None else sample_data_path()
    if root.is_dir():
        return root, [root / f"{t.name}.csv" for t in TABLES if (root / f"{t.name}.csv").is_file()]
    return root, [root] if root.exists() else []


@cache
def source_hash() -> str:
    """Hash of wbreport's own code, templates and catalogues, so a changed package
    re-renders."""
    root = Path(__file__).resolve().parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES)
    return job_key(*(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files))


def file_bytes(path: Path | None) -> bytes:
    """Contents of ``path``; empty when it does not exist."""
    return path.read_bytes() if path is not None and path.is_file() else b""


# --- kinds and languages ---------------------------------------------------------------------


def known_languages() -> tuple[str, ...]:
    """Report languages wbreport can render (SPEC §10)."""
    try:
        from wbreport.i18n import LANGUAGES
    except ImportError:
        from wbreport.schema import LANGUAGES
    return tuple(LANGUAGES)


def check_languages(languages: list[str] | None) -> list[str] | None:
    """The languages of ``--lang`` as wbreport spells them (tags are case-insensitive, as in
    BCP 47: ``EN``, ``sr-latn``); refuse (exit 2) an empty or unknown one."""
    if languages is None:
        return None
    known = {lang.casefold(): lang for lang in known_languages()}
    unknown = [lang for lang in languages if lang.casefold() not in known]
    if unknown or not languages:
        shown = ", ".join(repr(u) for u in unknown) or "none given"
        raise UsageError(f"unknown language(s) {shown}; allowed: {', '.join(known.values())}")
    return list(dict.fromkeys(known[lang.casefold()] for lang in languages))


def _is_yaml(name: str) -> bool:
    """Whether a file of ``params/`` is YAML (a narrative or settings) by its name."""
    return name.lower().endswith((".yaml", ".yml"))


def _locate(notebook: str, params_dir: Path) -> Path:
    """A kind's notebook, relative to the project folder (where params/ is), else to the
    folder wbreport's own notebooks come from (a project may add a kind's notebook and
    keep wbreport's for the others; the run says so, :func:`borrowed_notebooks`)."""
    path = Path(notebook)
    if path.is_absolute():
        return path
    for base in (params_dir.parent, project_dir(), defaults_dir()):
        if (base / path).is_file():
            return (base / path).resolve()
    return (params_dir.parent / path).resolve()


def borrowed_notebooks(kinds: list[KindSpec], params_dir: Path) -> list[str]:
    """Notes for the kinds whose notebook a project with notebooks of its own does not have
    (renamed or deleted there): their reports use wbreport's own notebook instead."""
    project = params_dir.parent
    if not (project / "notebooks").is_dir():
        return []
    return [
        f"note: the {kind.name} reports use {kind.notebook}: params/defaults.yaml names a "
        f"notebook that is not in {project / 'notebooks'}"
        for kind in kinds
        if not kind.notebook.is_relative_to(project.resolve())
    ]


def chosen_kinds(settings: Settings, options: RunOptions) -> list[str]:
    """Kinds this run renders: ``--kinds`` or every declared one (``--notebook`` alone
    replaces the programming notebook and renders that kind only)."""
    declared = list(settings.reports)
    if options.kinds is not None:
        unknown = [k for k in options.kinds if k not in settings.reports]
        if unknown or not options.kinds:
            shown = ", ".join(repr(u) for u in unknown) or "none given"
            raise UsageError(
                f"unknown report kind(s) {shown}; declared kinds: {', '.join(declared)}"
            )
        chosen = list(dict.fromkeys(options.kinds))
    elif options.notebook is not None:
        chosen = [PROGRAMMING if PROGRAMMING in declared else declared[0]]
    else:
        chosen = declared
    if options.notebook is not None and len(chosen) > 1:
        raise UsageError("--notebook replaces the notebook of one kind: choose it with --kinds")
    return chosen


def resolve_kinds(settings: Settings, options: RunOptions, params_dir: Path) -> list[KindSpec]:
    """The chosen kinds with their notebooks, each checked before any kernel starts."""
    specs = []
    for name in chosen_kinds(settings, options):
        kind = settings.reports[name]
        notebook = (options.notebook or _locate(kind.notebook, params_dir)).resolve()
        check_notebook_file(notebook, f"notebook of report kind {name!r}")
        declared = check_parameters(notebook, dict.fromkeys(INJECTED))
        check_cells(notebook)
        mine = {k: v for k, v in options.parameters.items() if k in declared}
        extra = tuple(typed_parameters(declared, mine).items())
        specs.append(KindSpec(name, notebook, kind.title, frozenset(declared), extra))
    extra = set(options.parameters)
    unused = sorted(n for n in extra if not any(n in s.declared for s in specs))
    if unused:  # the precise message, naming what the first notebook declares
        check_parameters(specs[0].notebook, {**dict.fromkeys(INJECTED), **options.parameters})
    return specs


def languages_for(code: str, kind: KindSpec, settings: Settings, options: RunOptions) -> list[str]:
    """Languages of ``code``'s ``kind`` report this run: ``--lang`` or the partner's own;
    English only for a notebook that does not declare ``lang``."""
    wanted = options.languages or list(settings.languages.get(code, (ENGLISH,)))
    if not kind.has_lang:
        return [ENGLISH] if ENGLISH in wanted else []
    return list(dict.fromkeys(wanted))


# --- the planner ------------------------------------------------------------------------------


@dataclass
class Planner:
    """Plans each period of one run."""

    options: RunOptions
    settings: Settings
    kinds: list[KindSpec]
    params_dir: Path
    out: Path
    run_id: str
    fingerprint: dict[str, str]
    data_path: Path | None

    def narratives(self, period: str, code: str, kind: str, lang: str) -> list[Path]:
        """The narrative files one report reads: ``params/<period>/<CODE>.yaml``
        (``<CODE>.<kind>.yaml``), and before it the language's own (``<CODE>.sq.yaml``)."""
        return [self.params_dir / period / f"{s}.yaml" for s in narrative_stems(code, kind, lang)]

    def check_narratives(self, periods: list[str]) -> None:
        """Every narrative this run reads is valid YAML with known keys (exit 2 otherwise)."""
        from wbreport.errors import ValidationError

        problems = self._stray_period_folders()
        for period in periods:
            problems += self._stray_narratives(period)
            for code in self.options.partners:
                for kind in self.kinds:
                    languages = languages_for(code, kind, self.settings, self.options)
                    stems = (
                        s for lang in languages for s in narrative_stems(code, kind.name, lang)
                    )
                    for stem in dict.fromkeys(stems):  # the shared one once
                        problems += _narrative_problems(self.params_dir, period, stem)
        if problems:
            raise ValidationError(problems)

    def _stray_period_folders(self) -> list[Any]:
        """Folders of ``params/`` holding YAML files that no report reads, because their name
        is no period as wbreport writes it (``2021q4``, ``2021-Q4``): the analyst's
        highlights were silently left out of every report."""
        import re

        from wbreport.errors import Problem
        from wbreport.periods import is_canonical

        try:
            folders = sorted(p for p in self.params_dir.iterdir() if p.is_dir())
        except OSError:
            return []
        problems = []
        for folder in folders:
            if folder.name.startswith(".") or is_canonical(folder.name):
                continue
            try:
                if not any(_is_yaml(f.name) for f in folder.iterdir()):
                    continue
            except OSError:
                continue
            if (folder / "defaults.yaml").is_file():  # `--params .` in a project folder
                hint = f" (a params folder itself: give --params {folder})"
            else:  # 2021q4, 2021-Q4, "2021 h1": the period the name meant, if it is one
                meant = re.sub(r"^(\d{4})[-_ ]?([QqHh]\d)$", r"\1\2", folder.name).upper()
                hint = f": rename it {meant}" if is_canonical(meant) else ""
            problems.append(
                Problem(
                    str(folder),
                    None,
                    None,
                    None,
                    "no report reads this folder: narratives go in a folder named by the"
                    f" period as in 2021Q4, 2021H1, 2021 or 2021-03{hint}",
                )
            )
        return problems

    def _stray_narratives(self, period: str) -> list[Any]:
        """YAML files of ``params/<period>/`` that no report reads: ``AL.yml``, ``al.yaml``,
        ``AL.evalution.yaml`` were silently left out of the reports."""
        from wbreport.errors import Problem

        folder = self.params_dir / period
        try:
            names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        except OSError:
            return []
        known = {
            f"{stem}.yaml"
            for code in ALL_CODES
            for kind in self.settings.reports
            for lang in known_languages()
            for stem in narrative_stems(code, kind, lang)
        }
        return [
            Problem(
                str(folder / name),
                None,
                None,
                None,
                "no report reads this file: a narrative is named <CODE>.yaml or "
                "<CODE>.<kind>.yaml, or <CODE>.<lang>.yaml and <CODE>.<kind>.<lang>.yaml for "
                f"one language (CODE one of {', '.join(ALL_CODES)}; kinds: "
                f"{', '.join(self.settings.reports)}; languages: "
                f"{', '.join(lang for lang in known_languages() if lang != ENGLISH)})",
            )
            for name in names
            if _is_yaml(name) and name not in known
        ]

    def key(self, period: str, code: str, kind: KindSpec, lang: str) -> str:
        """What one report depends on: a rerun with the same key is skipped."""
        return job_key(
            source_hash(),
            json.dumps(self.fingerprint, sort_keys=True),
            kind.notebook.read_bytes(),
            file_bytes(self.params_dir / "defaults.yaml"),
            *(file_bytes(path) for path in self.narratives(period, code, kind.name, lang)),
            period,
            code,
            kind.name,
            lang,
            json.dumps(self.options.parameters, sort_keys=True),
        )

    def plan(self, period: str) -> PeriodPlan:
        """The plan of one period: jobs to render, reports to keep."""
        previous = published(self.out, period)
        plan = PeriodPlan(
            period,
            sets_dir(self.out) / f"{period}.{self.run_id}",
            previous,
            read_manifest(previous),
        )
        before = jobs_of(plan.before)
        for code in self.options.partners:
            for kind in self.kinds:
                for lang in languages_for(code, kind, self.settings, self.options):
                    self._plan_report(plan, before, code, kind, lang)
        # Reports this run does not render stay published as they were.
        for report, old in before.items():
            if report not in plan.requested and report[0] in ALL_CODES:
                plan.kept.append(result_from(old, period))
        return plan

    def _plan_report(
        self,
        plan: PeriodPlan,
        before: dict[ReportKey, dict[str, Any]],
        code: str,
        kind: KindSpec,
        lang: str,
    ) -> None:
        report = (code, kind.name, lang)
        plan.requested.add(report)
        key = self.key(plan.period, code, kind, lang)
        old = before.get(report, {})
        if self._reusable(plan, old, key):
            kept = result_from(old, plan.period)
            kept.status, kept.seconds, kept.error, kept.cell = Status.skipped, 0.0, "", None
            plan.kept.append(kept)
        else:
            plan.jobs.append(self.job(plan, code, kind, lang, key))

    def _reusable(self, plan: PeriodPlan, old: dict[str, Any], key: str) -> bool:
        return (
            not self.options.force
            and old.get("key") == key
            and old.get("status") in REUSABLE
            and not old.get("carried_from")
            and plan.previous is not None
            and files_as_published(plan.previous, old)
        )

    def job(self, plan: PeriodPlan, code: str, kind: KindSpec, lang: str, key: str) -> Job:
        """The job rendering one report into the period's set folder."""
        parameters: dict[str, Any] = {
            "partner": code,
            "period": plan.period,
            "data": str(self.data_path) if self.data_path else None,
            "params_dir": str(self.params_dir),
            "prepared": None,
            **dict(kind.extra),
        }
        if "kind" in kind.declared:
            parameters["kind"] = kind.name
        if kind.has_lang:
            parameters["lang"] = lang
            if "languages" in kind.declared:  # merged per partner before execution
                parameters["languages"] = [lang]
        tr = translator(lang)  # the <title> in the report's language, like its h1
        title = tr.configured(kind.title).format(
            name=tr.gettext(get_partner(code).name), period=tr.period(plan.period)
        )
        t = self.settings.timeouts
        return Job(
            code,
            plan.period,
            title,
            kind.notebook,
            parameters,
            key,
            plan.folder,
            cell_timeout=t.cell_seconds,
            job_timeout=t.job_seconds,
            output=self.settings.output,
            kind=kind.name,
            lang=lang,
        )


def _narrative_problems(params_dir: Path, period: str, stem: str) -> list[Any]:
    """What is wrong with the narrative ``params/<period>/<stem>.yaml`` (none if absent)."""
    from wbreport.config import load_narrative
    from wbreport.errors import ValidationError

    try:
        load_narrative(params_dir, period, stem)
    except ValidationError as exc:
        return exc.problems
    return []


__all__ = [
    "KindSpec",
    "PeriodPlan",
    "Planner",
    "check_languages",
    "chosen_kinds",
    "input_files",
    "known_languages",
    "languages_for",
    "params_folder",
    "parse_period_option",
    "resolve_kinds",
    "source_hash",
]
