"""One ``wbreport run``: check the request, take the lock, plan, render, publish.

Order matters (SPEC §6–7, issue 14): everything that can be refused without touching the
output folder is checked first (options, settings, notebooks and their parameters); then
the lock is taken, and only then may kernels start. Each period's set is staged, rendered
and published in batches, so a long range never stages every period at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wbreport.errors import UsageError, WbreportError
from wbreport.executors import Executor, LocalExecutor, make_executor
from wbreport.jobs import Job, JobResult, Status, expand, group_languages, job_key
from wbreport.options import (
    PeriodResult,
    QuietReporter,
    Reporter,
    RunOptions,
    RunResult,
)
from wbreport.parameters import check_extra
from wbreport.planning import (
    PeriodPlan,
    Planner,
    borrowed_notebooks,
    check_languages,
    input_files,
    languages_for,
    params_folder,
    parse_period_option,
    resolve_kinds,
)
from wbreport.publication import (
    RunLock,
    check_out,
    check_publishable,
    clean_leftovers,
    discard,
    out_problem,
    publish,
    read_json,
    sets_dir,
    write_atomic,
)

CACHE = ".wbreport-cache.json"


def _run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def _check_executor(options: RunOptions) -> None:
    """Refuse an unknown executor, or a scheduler without dask, even when nothing renders."""
    if options.executor not in ("local", "dask"):
        raise UsageError(f"unknown executor {options.executor!r}: use local or dask")
    if options.scheduler is not None and options.executor != "dask":
        raise UsageError("--scheduler is the address of a dask scheduler: add --executor dask")


def _check_something_to_render(options: RunOptions, settings: Any, kinds: list[Any]) -> None:
    """Refuse a request of no report at all (an empty set would be published, exit 0)."""
    if not any(
        languages_for(code, kind, settings, options) for code in options.partners for kind in kinds
    ):
        raise UsageError(
            f"nothing to render: --lang {','.join(options.languages or [])} names no "
            "language of these reports (a notebook that does not declare 'lang' renders "
            "English, en, only)"
        )


class Pipeline:
    """One invocation of ``wbreport run``. The constructor checks the request only: no
    kernel, no lock, nothing written."""

    def __init__(self, options: RunOptions, reporter: Reporter | None = None) -> None:
        options = replace(options, languages=check_languages(options.languages))
        self.options = options
        self.reporter = reporter or QuietReporter()
        self.run_id = _run_id()
        self.started = datetime.now(UTC)
        if not options.partners:
            raise UsageError("--partners names no partner; give codes such as AL,RS,WB")
        check_extra(options.parameters)
        _check_executor(options)
        self.periods_asked = parse_period_option(options.period) if options.period else None
        self.params_dir = params_folder(options.params_dir)
        self.out = options.out.absolute()
        check_out(self.out)
        from wbreport.portal_pages import check_portal  # (no pandas: kernels start sooner)

        check_portal(self.out)
        if options.pdf:
            from wbreport.pdf import unavailable_reason

            reason = unavailable_reason()
            if reason:
                raise UsageError(f"--pdf cannot be used here: {reason}")
        from wbreport.config import load_settings  # (imports pandas)

        settings_dir = self.params_dir if self.params_dir.is_dir() else None
        self.settings = load_settings(settings_dir)
        self.kinds = resolve_kinds(self.settings, options, self.params_dir)
        _check_something_to_render(options, self.settings, self.kinds)
        self.data_path = options.data.resolve() if options.data is not None else None
        root, files = input_files(options.data)
        if not files:
            from wbreport.readers import read_package

            read_package(root)  # raises the precise "not found / not a package" problem
        self._files = (root, files)
        self._package: Any = None
        self._early: Executor | None = None
        self.planner: Planner | None = None
        self._git: dict[str, Any] | None = None

    # --- inputs ---------------------------------------------------------------------------

    def package(self) -> Any:
        """The validated data package (loaded once, when first needed)."""
        if self._package is None:
            from wbreport.package import load_package

            self.reporter.message("validating data package")
            self._package = load_package(self.data_path)
        return self._package

    def _planner(self) -> Planner:
        from wbreport.rawpackage import fingerprint

        root, files = self._files
        return Planner(
            self.options,
            self.settings,
            self.kinds,
            self.params_dir,
            self.out,
            self.run_id,
            fingerprint(files, root),
            self.data_path,
        )

    def periods(self, planner: Planner) -> list[str]:
        """The periods asked for, else the default period (cached per data fingerprint)."""
        if self.periods_asked is not None:
            return self.periods_asked
        cache = read_json(self.out / CACHE) or {}
        key = job_key(json.dumps(planner.fingerprint, sort_keys=True))
        if isinstance(cache, dict) and cache.get("fingerprint") == key:
            label = cache.get("default_period")
            if isinstance(label, str) and label:
                return [label]
        from wbreport.indicators import default_period

        label = default_period(self.package()).label
        with contextlib.suppress(OSError):  # only a cache: a full disk shows up later
            write_atomic(
                self.out / CACHE, json.dumps({"fingerprint": key, "default_period": label})
            )
        return [label]

    # --- running --------------------------------------------------------------------------

    def run(self) -> RunResult:
        """Take the lock, then plan, render and publish every period."""
        with RunLock(self.out):
            self._early = self._start_kernels_early()
            try:
                return self._run_locked()
            finally:
                if self._early is not None:
                    self._early.close()
                    self._early = None

    def _start_kernels_early(self) -> Executor | None:
        """With ``--force`` every requested report renders, so kernels can start now, while
        data and indicators load, instead of after planning (we hold the lock)."""
        options = self.options
        if not (options.force and options.executor == "local"):
            return None
        executor = LocalExecutor(
            options.jobs or os.cpu_count() or 1,
            options.reuse_kernels,
            self.settings.timeouts.kernel_start_seconds,
        )
        executor.warm(self.kinds[0].notebook.parent, len(options.partners))
        return executor

    def _run_locked(self) -> RunResult:
        clean_leftovers(self.out)
        planner = self.planner = self._planner()
        periods = self.periods(planner)
        self._note_programme_start(periods)
        self._note_examples(periods)
        if self.options.notebook is None:
            for note in borrowed_notebooks(self.kinds, self.params_dir):
                self.reporter.message(note)
        planner.check_narratives(periods)
        for period in periods:  # before anything is created: refuse foreign folders
            check_publishable(self.out, period)
        plans = [planner.plan(period) for period in periods]
        self.reporter.planned(
            [j for p in plans for j in p.jobs], [r for p in plans for r in p.kept]
        )
        prepared = self._prepare(plans)
        try:
            return RunResult(self._execute(plans, prepared))
        finally:
            if prepared is not None:
                prepared[1].unlink(missing_ok=True)
            self._write_portal()

    def _note_programme_start(self, periods: list[str]) -> None:
        """Say so when ``programme.start`` is after a period: its to-date values (SPEC §9)
        count over an empty interval, which is what the definition gives, not an error, but
        most likely a mistyped year."""
        from wbreport.periods import parse_period

        start = self.settings.programme.start
        before = [p for p in periods if parse_period(p).end < start]
        if before:
            self.reporter.message(
                f"note: programme.start {start.isoformat()} (params/defaults.yaml) is after "
                f"{', '.join(before)}: the to-date values of its reports count nothing"
            )

    def _note_examples(self, periods: list[str]) -> None:
        """Say which narratives are left out as wbreport's unedited examples (they describe
        the sample data, not the package of ``--data``)."""
        from wbreport.project import is_stock_example

        if self.data_path is None:
            return
        examples = [
            f"{period}/{file.name}"
            for period in periods
            for file in sorted((self.params_dir / period).glob("*.yaml"))
            if file.name.split(".")[0] in self.options.partners
            and is_stock_example(self.params_dir, period, file.name)
        ]
        if examples:
            self.reporter.message(
                f"note: not used with your data: {', '.join(examples)} in {self.params_dir} "
                "(wbreport's examples, written for its sample data): write your own narrative "
                "there, or delete them"
            )

    def _execute(self, plans: list[PeriodPlan], prepared: Any) -> list[PeriodResult]:
        """Render and publish the periods in batches; on any error, drop what this run
        staged and did not publish."""
        outcome: list[PeriodResult] = []
        executor, self._early = self._early, None
        try:
            for batch in _batches(plans, 2 * (self.options.jobs or os.cpu_count() or 1)):
                executor = self._render(batch, executor)
                outcome += [self._publish(plan, prepared) for plan in batch]
        except BaseException:
            for plan in plans:
                if plan.staged:
                    discard(self.out, plan.folder)
            raise
        finally:
            if executor is not None:
                executor.close()
        return outcome

    def _prepare(self, plans: list[PeriodPlan]) -> tuple[Any, Path] | None:
        """Data and indicators for every period, computed once and shared by every job."""
        if not any(p.needs_table for p in plans):
            return None
        from wbreport.periods import parse_period
        from wbreport.report import prepare

        prepared = prepare(self.package(), [parse_period(p.period) for p in plans], self.settings)
        path = sets_dir(self.out) / f".prepared-{self.run_id}.pkl"
        try:
            path.parent.mkdir(exist_ok=True)
            prepared.save(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            raise UsageError(f"cannot write to the output folder {self.out}: {exc}") from None
        for plan in plans:
            for job in plan.jobs:
                job.parameters["prepared"] = str(path)
        return prepared, path

    def _render(self, batch: list[PeriodPlan], executor: Executor | None) -> Executor | None:
        """Stage the batch's periods and execute their jobs; the executor is kept warm."""
        from wbreport.publication import carry_over, make_set

        jobs = [job for plan in batch for job in plan.jobs]
        for plan in batch:
            try:
                make_set(self.out, plan.folder.name)
            except OSError as exc:
                raise out_problem(self.out, exc) from None
            plan.staged = True
            for kept in plan.kept if plan.previous is not None else ():
                carry_over(plan.previous, plan.folder, kept.stem)
        if not jobs:
            return executor
        if executor is None:
            executor = make_executor(
                self.options.executor,
                self.options.jobs,
                scheduler=self.options.scheduler,
                reuse_kernels=self.options.reuse_kernels,
                startup_timeout=self.settings.timeouts.kernel_start_seconds,
            )
            executor.warm(self.kinds[0].notebook.parent, len(jobs))
        # One execution renders every language of a report (wbreport.multilang).
        groups = group_languages(jobs)
        results = executor.run(groups, self._finished, self._started)
        for group, grouped in zip(groups, results, strict=True):
            for job, result in expand(group, grouped):
                result.key, result.kind, result.lang = job.key, job.kind, job.lang
                plan = next(p for p in batch if p.period == job.period)
                plan.kept.append(result)
        return executor

    def _started(self, group: Job) -> None:
        for job in group.members:
            self.reporter.started(job)

    def _finished(self, group: Job, result: JobResult) -> None:
        for job, own in expand(group, result):
            self.reporter.finished(job, own)

    def _publish(self, plan: PeriodPlan, prepared: Any) -> PeriodResult:
        """Finish the period's set (carried failures, CSV, PDFs, manifest, index) and
        switch the published link to it."""
        from wbreport.finish import finish_period

        table = package = None
        if prepared is not None:
            table = prepared[0].tables.get(plan.period)
            package = prepared[0].package
        try:
            finish_period(
                plan,
                table,
                self._meta(),
                pdf=self.options.pdf,
                reporter=self.reporter,
                min_respondents=self.settings.min_respondents,
                package=package,
            )
            publish(self.out, plan.period, plan.folder)
            plan.staged = False  # published: no longer this run's to discard
        except OSError as exc:
            discard(self.out, plan.folder)
            plan.staged = False
            raise WbreportError(
                f"cannot publish {plan.period} in {self.out}: {exc.strerror or exc}; "
                "the previous reports stay published"
            ) from None
        return PeriodResult(plan.period, self.out / plan.period, plan.kept, plan.requested)

    def _meta(self) -> dict[str, Any]:
        """The run's part of every manifest it writes."""
        from wbreport.manifest import git_state

        if self._git is None:
            self._git = git_state(self.kinds[0].notebook.parent)
        return {
            "run_id": self.run_id,
            "started": self.started.isoformat(timespec="seconds"),
            "data": {
                "source": str(self.data_path) if self.data_path else "built-in sample",
                "sha256": self.planner.fingerprint if self.planner else {},
            },
            "notebook": {
                "path": str(self.kinds[0].notebook),
                "git_commit": self._git["commit"],
                "git_dirty": self._git["dirty"],
            },
            "notebooks": {k.name: str(k.notebook) for k in self.kinds},
            "executor": self.options.executor,
            "parameters": dict(self.options.parameters),
        }

    def _write_portal(self) -> None:
        from wbreport.portal import write_portal

        try:
            write_portal(self.out)
        except OSError as exc:
            self.reporter.message(f"portal not written: {exc}")

    def close(self) -> None:
        """Stop kernels started early and not handed to a run."""
        early, self._early = self._early, None
        if early is not None:
            early.close()


def _batches(plans: list[PeriodPlan], size: int) -> Iterator[list[PeriodPlan]]:
    """Consecutive periods with at least ``size`` jobs together (the last may have fewer)."""
    batch: list[PeriodPlan] = []
    for plan in plans:
        batch.append(plan)
        if sum(len(p.jobs) for p in batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def plan_and_run(options: RunOptions, reporter: Reporter | None = None) -> RunResult:
    """Validate everything, then render and publish each requested period."""
    from wbreport.runtime import run_environment

    with run_environment():  # SIGTERM as Ctrl-C, temp folders of dead runs removed
        return Pipeline(options, reporter).run()


def result_summary(result: RunResult) -> str:
    """``wbreport run --json``: the run's outcome as one JSON document."""
    return json.dumps(result.to_json(), ensure_ascii=False, indent=1)


__all__ = ["JobResult", "Pipeline", "Status", "plan_and_run", "result_summary"]
