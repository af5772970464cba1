"""A run: plan jobs, execute them in warm kernels, publish the set atomically.

A thin facade kept for existing callers; the parts live in modules with one concern each:

- :mod:`wbreport.options`: ``RunOptions``, results, reporters, project locations;
- :mod:`wbreport.parameters`: notebook-parameter checks;
- :mod:`wbreport.planning`: kinds, languages, job keys, typed period plans;
- :mod:`wbreport.executors`: the ``Executor`` protocol and the local warm-kernel pool;
- :mod:`wbreport.publication`: lock, marked sets, atomic switch, carry-over, leftovers;
- :mod:`wbreport.finish`, :mod:`wbreport.manifest`, :mod:`wbreport.index`,
  :mod:`wbreport.portal`: what a published set and the output folder contain;
- :mod:`wbreport.pipeline`: one ``wbreport run`` from request to publication.
"""

from __future__ import annotations

from wbreport.executors import Executor, LocalExecutor, make_executor
from wbreport.manifest import KEY_PACKAGES, write_manifest
from wbreport.options import (
    PeriodResult,
    QuietReporter,
    Reporter,
    RunOptions,
    RunResult,
    default_notebook,
    default_params,
    project_dir,
)
from wbreport.parameters import INJECTED, check_parameters
from wbreport.pipeline import Pipeline, plan_and_run
from wbreport.planning import input_files
from wbreport.publication import (
    HOLDER,
    LOCK,
    MANIFEST,
    SET_MARKER,
    RunLock,
    check_publishable,
    clean_leftovers,
    is_own_set,
    make_set,
    publish,
    published,
    sets_dir,
)

__all__ = [
    "HOLDER",
    "INJECTED",
    "KEY_PACKAGES",
    "LOCK",
    "MANIFEST",
    "SET_MARKER",
    "Executor",
    "LocalExecutor",
    "PeriodResult",
    "Pipeline",
    "QuietReporter",
    "Reporter",
    "RunLock",
    "RunOptions",
    "RunResult",
    "check_parameters",
    "check_publishable",
    "clean_leftovers",
    "default_notebook",
    "default_params",
    "input_files",
    "is_own_set",
    "make_executor",
    "make_set",
    "plan_and_run",
    "project_dir",
    "publish",
    "published",
    "sets_dir",
    "write_manifest",
]
