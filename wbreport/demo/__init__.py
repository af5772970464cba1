"""Deterministic synthetic data packages for tests, benchmarks and demonstrations.

``generate(scale, seed)`` builds the ten tables of SPEC §2, §8 and §9 as text frames
that pass every validation rule; ``write_package`` writes them as a folder of CSV files.
One module per group of tables: :mod:`~wbreport.demo.programming` (the four required
tables), :mod:`~wbreport.demo.evaluation` (§8), :mod:`~wbreport.demo.results` (§9),
:mod:`~wbreport.demo.targets`; :mod:`~wbreport.demo.package` assembles and writes them.
Everything is drawn with one ``np.random.default_rng(seed)`` in a fixed order and
vectorised, so the same ``(scale, seed)`` always gives byte-identical files and
``scale=1000`` (about a million participation rows) takes seconds.

Time span: delivered work ends on 2021-12-31 at every scale (the default period
is always 2021Q4) and planned work and due milestones run into the workplan
quarter 2022Q1. The span starts in 2019 for scale < 10, in 2016 for scale < 100
and in 2010 beyond, so quarters grow denser more slowly than the data.

The data deliberately contain the cases indicators must get right: cancelled and
planned activities (some with head-counts), regional activities where a partner
has no row or a row with 0 participants, activities straddling a quarter
boundary, virtual and blended delivery, certified-trainer-led trainings (national
ones count as cascade sessions, regional ones do not), milestones achieved after
their due date, dropped milestones, tools in translation or planned, English
(``en``) originals, and targets with empty baselines; evaluations without pre-tests,
negative knowledge gains, groups under the disclosure threshold, follow-ups months
later (some twice), lower-is-better and to-date targets, and custom observations of
different period lengths with gaps and same-day ties.
"""

from wbreport.demo.core import REFERENCE_DATE, first_year
from wbreport.demo.package import check_target, generate, write_package
from wbreport.demo.targets import ADDITIVE, make_targets, more_targets

__all__ = [
    "ADDITIVE",
    "REFERENCE_DATE",
    "check_target",
    "first_year",
    "generate",
    "make_targets",
    "more_targets",
    "write_package",
]
