"""Fault suite (SPEC §7): typed outcomes, no leaked kernels, atomic publication under SIGKILL,
the lock, parameter and secret hygiene, formula-safe CSV and Ctrl-C.

Kernels are counted with psutil: a kernel is a process whose environment carries
``JPY_PARENT_PID`` = the runner's pid (jupyter_client sets it, and a kernel's own children
inherit it), or an ``ipykernel_launcher`` descendant of the runner. In-process runs count
right after the run returns; a subprocess runner is counted the moment it exits, before
ipykernel's parent poller (1 s period) would stop an orphan on its own.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import nbformat
import pandas as pd
import psutil
import pytest
from typer.testing import CliRunner

from tests.conftest import built_once
from tests.reporting import (
    jobs_by_partner,
    notebook_with_cell,
    notebook_with_cells,
    read_manifest,
    wbreport,
)
from wbreport.batch import RunOptions, clean_leftovers, plan_and_run
from wbreport.cli import app
from wbreport.csvsafe import safe_cell
from wbreport.jobs import scrub_notebook, secret_values
from wbreport.partners import ALL_CODES
from wbreport.targets import COLUMNS, to_csv_text

PERIOD = "2021Q4"  # the sample package's default period
FAST = "timeouts: {cell_seconds: 2, job_seconds: 20}\n"


# --- helpers -------------------------------------------------------------------------------


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def kernel_processes(runner: int | None = None) -> list[psutil.Process]:
    """Live kernel processes (and their children) started by ``runner`` (default: us)."""
    runner = runner or os.getpid()
    found: dict[int, psutil.Process] = {}
    try:
        for child in psutil.Process(runner).children(recursive=True):
            if "ipykernel" in " ".join(child.cmdline()):
                found[child.pid] = child
    except psutil.Error:
        pass
    for proc in psutil.process_iter():
        try:
            if proc.pid != runner and proc.environ().get("JPY_PARENT_PID") == str(runner):
                found[proc.pid] = proc
        except psutil.Error:
            continue
    return [p for p in found.values() if _alive(p)]


@contextmanager
def no_leaked_kernels(grace: float = 2.0) -> Iterator[None]:
    """No kernel of this process is left running once the block is done."""
    before = {p.pid for p in kernel_processes()}
    yield
    deadline = time.monotonic() + grace
    while (
        leaked := [p for p in kernel_processes() if p.pid not in before]
    ) and time.monotonic() < deadline:
        time.sleep(0.05)
    for proc in leaked:
        proc.kill()
    assert leaked == [], f"{len(leaked)} kernel process(es) left running"


def start_wbreport(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wbreport", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def params_dir(tmp: Path, defaults: str = FAST) -> Path:
    folder = tmp / "params"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "defaults.yaml").write_text(defaults, encoding="utf-8")
    return folder


def check_published(out: Path, period: str = PERIOD) -> Path:
    """The published set is complete and readable; returns the folder it resolves to."""
    link = out / period
    assert link.is_symlink()
    folder = link.resolve(strict=True)
    assert folder.parent == (out / ".sets").resolve()
    for code in ALL_CODES:
        html = (folder / f"{code}.html").read_text(encoding="utf-8")
        assert html.rstrip().endswith("</html>"), code
    assert (folder / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    with open(folder / "indicators.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == COLUMNS
    assert {r["partner"] for r in rows} == set(ALL_CODES)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == period
    assert {
        j["partner"]: j["status"] in ("ok", "skipped") for j in manifest["jobs"]
    } == dict.fromkeys(ALL_CODES, True)
    for code in ALL_CODES:
        nbformat.read(folder / "notebooks" / f"{code}.ipynb", as_version=4)
    return folder


def no_orphans(out: Path, period: str = PERIOD) -> None:
    """Only the published set is left: no staging set, temporary link or data pickle."""
    assert sorted(p.name for p in (out / ".sets").iterdir()) == [(out / period).resolve().name]
    assert list(out.glob(".*.link")) == []


# The English programming reports: kinds and languages are tested in test_kinds.py.
RUN = ("run", "--kinds", "programming", "--lang", "en")


def _publish_sample(folder: Path) -> None:
    proc = wbreport(*RUN, "--out", str(folder / "out"))
    assert proc.returncode == 0, proc.stderr
    check_published(folder / "out")


@pytest.fixture(scope="module")
def sample_published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete set for the sample package, published once per session (shared by the
    xdist workers) and copied by each test."""
    return built_once(tmp_path_factory, "sample-published", _publish_sample) / "out"


def copy_published(source: Path, tmp: Path) -> Path:
    out = tmp / "out"
    shutil.copytree(source, out, symlinks=True)
    return out


# --- CSV formula neutralisation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("-", "'-"),
        ("--1", "'--1"),
        ("-3x", "'-3x"),
        ("-3", "-3"),
        ("-0.25", "-0.25"),
        ("+7", "+7"),
        ("-1e-05", "-1e-05"),
        ("-.5", "-.5"),
        ("0.7778", "0.7778"),
        ("AL", "AL"),
        ("", ""),
        ("a=b", "a=b"),
        ("2021Q4", "2021Q4"),
    ],
)
def test_safe_cell(text: str, expected: str) -> None:
    assert safe_cell(text) == expected


def test_indicators_csv_neutralises_text_not_numbers() -> None:
    table = pd.DataFrame(
        [
            {
                "period": "2021Q4",
                "partner": "=cmd|' /C calc'!A0",
                "indicator": "participants",
                "value": -3.0,
                "baseline": -0.25,
                "target": 4.0,
                "achievement": -0.5,
                "rag": "@red",
            },
        ],
        columns=COLUMNS,
    )
    row = next(csv.DictReader(io.StringIO(to_csv_text(table))))
    assert row["partner"] == "'=cmd|' /C calc'!A0"
    assert row["rag"] == "'@red"
    assert (row["value"], row["baseline"], row["achievement"]) == ("-3", "-0.25", "-0.5000")


# --- secrets: unit ---------------------------------------------------------------------------


def test_secret_values_cover_parameters_environment_and_encodings() -> None:
    values = secret_values(
        {"api_token": 'ab"c<d', "partner": "AL", "key": None, "pw_key": "x"},
        {"WBREPORT_PASSWORD": "env-secret", "HOME": "/root"},
    )
    assert {'ab"c<d', 'ab\\"c<d', "ab&quot;c&lt;d", "env-secret"} <= set(values)
    assert "AL" not in values and "/root" not in values and "x" not in values


def test_scrub_notebook_reaches_metadata_and_outputs() -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": {"api_token": "CANARY-1"}}
    cell = nbformat.v4.new_code_cell("api_token = 'CANARY-1'")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="CANARY-1\n"),
        nbformat.v4.new_output("error", ename="E", evalue="CANARY-1", traceback=["CANARY-1"]),
    ]
    nb.cells.append(cell)
    scrub_notebook(nb, ["CANARY-1"])
    assert "CANARY-1" not in nbformat.writes(nb)


# --- typed outcomes end to end -------------------------------------------------------------

OUTCOMES = """
import os, subprocess, sys, time
if partner == "BA":
    raise ValueError("no data for BA")
if partner == "XK":
    subprocess.Popen(["sleep", "313"])  # a child of the kernel: must die with it
    time.sleep(60)
if partner == "ME":
    os.kill(os.getpid(), 9)
if partner == "MK":
    sys.exit()
"""


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_typed_outcomes_end_to_end(tmp_path: Path) -> None:
    notebook = notebook_with_cell(tmp_path / "nb", OUTCOMES)
    out = tmp_path / "out"
    with no_leaked_kernels():
        result = CliRunner().invoke(
            app,
            [
                "run",
                "--notebook",
                str(notebook),
                "--params",
                str(params_dir(tmp_path)),
                "--out",
                str(out),
                "--partners",
                "AL,BA,XK,ME,MK",
                "--jobs",
                "2",
                "--lang",
                "en",
            ],
        )
    assert result.exit_code == 1, result.output
    folder = out / PERIOD
    jobs = jobs_by_partner(folder)
    assert {c: j["status"] for c, j in jobs.items()} == {
        "AL": "ok",
        "BA": "failed",
        "XK": "timeout",
        "ME": "kernel_died",
        "MK": "incomplete",
    }
    # the cell number counts code cells as the analyst wrote them: parameters = 1, ours = 2
    assert (jobs["BA"]["cell"], jobs["BA"]["exception"]) == (2, "ValueError")
    assert "no data for BA" in jobs["BA"]["error"]
    assert jobs["XK"]["exception"] == "CellTimeoutError"
    assert jobs["XK"]["seconds"] < 15
    assert (jobs["ME"]["attempts"], jobs["AL"]["attempts"]) == (2, 1)
    assert (jobs["MK"]["cell"], jobs["MK"]["exception"]) == (2, "SystemExit")
    assert (folder / "AL.html").is_file()
    assert not any((folder / f"{c}.html").exists() for c in ("BA", "XK", "ME", "MK"))
    index = (folder / "index.html").read_text(encoding="utf-8")
    for text in (
        "Failed",
        "cell 2: ValueError: no data for BA",
        "Timed out",
        "Kernel died",
        "Incomplete",
        'href="AL.html"',
    ):
        assert text in index
    assert "1 of 5 reports published; failed: BA, XK, ME, MK" in result.stderr
    assert not [
        p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "313"]
    ]


@pytest.mark.slow
@pytest.mark.timeout(120, method="thread")
def test_no_kernel_left_after_a_good_run(tmp_path: Path) -> None:
    with no_leaked_kernels():
        options = RunOptions(
            partners=["AL", "WB"],
            out=tmp_path / "out",
            jobs=2,
            kinds=["programming"],
            languages=["en"],
        )
        run = plan_and_run(options)
    assert run.exit_code == 0
    assert [r.status.value for r in run.periods[0].results] == ["ok", "ok"]


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_job_timeout_and_skipped_cell(tmp_path: Path) -> None:
    notebook = notebook_with_cell(
        tmp_path / "nb",
        (
            'if partner == "BA":\n'
            "    import time\n"
            "    for _ in range(60):\n"
            "        time.sleep(0.5)  # no single cell overruns; the whole report does\n"
        ),
    )
    nb = nbformat.read(notebook, as_version=4)
    skipped = nbformat.v4.new_code_cell("report.key_figures()")
    skipped.metadata["tags"] = ["skip-execution"]
    nb.cells.insert(len(nb.cells) - 1, skipped)
    nbformat.write(nb, notebook)
    # 8 s: AL's report (1.5 s on a quiet machine) must finish well inside it under the
    # load of the other test worker, while BA's 30 s of sleeps overrun it.
    params = params_dir(tmp_path, "timeouts: {cell_seconds: 60, job_seconds: 8}\n")
    with no_leaked_kernels():
        run = plan_and_run(
            RunOptions(
                notebook=notebook,
                params_dir=params,
                partners=["AL", "BA"],
                out=tmp_path / "out",
                jobs=2,
            )
        )
    assert run.exit_code == 1
    jobs = jobs_by_partner(tmp_path / "out" / PERIOD)
    assert (jobs["BA"]["status"], jobs["BA"]["exception"]) == ("timeout", "JobTimeout")
    assert 8 <= jobs["BA"]["seconds"] < 20
    assert jobs["AL"]["status"] == "incomplete"
    assert "did not run" in jobs["AL"]["error"]


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_a_cell_printing_or_showing_without_end_keeps_a_bounded_output(tmp_path: Path) -> None:
    """A debugging print in a loop over a big table, or a whole DataFrame shown: the report
    still renders, and the notebook, the log and the page keep at most MAX_STREAM_CHARS
    printed and MAX_DISPLAY_CHARS shown per cell, with a note where they cut (2 million
    printed lines held the runner at 736 MB and wrote an 88 MB notebook; 300,000 rows
    shown made a 24 MB report page). The note on the page is in the page's language."""
    from wbreport.engine import CUT_NOTE, MAX_DISPLAY_CHARS, MAX_STREAM_CHARS, display_cut_note

    chunk = "x" * 999 + "\n"
    cells = [
        "import sys\n"
        f"for _ in range({3 * MAX_STREAM_CHARS // 1000}):\n"
        f"    sys.stdout.write({chunk!r})\n"
        "print('not kept either', file=sys.stderr)",
        "print('a short line')",
        "from IPython.display import HTML, display\n"
        f"display(HTML('<p>row</p>' * {MAX_DISPLAY_CHARS // 10 + 1}))\n"
        "display(HTML('<p>after the cut</p>'))",
        "HTML('<p>the next cell shows</p>')",
        # an update of a display id reaches its outputs without nbclient's ``output``
        "shown = display(HTML('<p>before the update</p>'), display_id=True)\n"
        f"shown.update(HTML('<p>updated</p>' * {MAX_DISPLAY_CHARS // 14 + 1}))",
    ]
    notebook = notebook_with_cells(tmp_path / "nb", cells)
    run = plan_and_run(
        RunOptions(notebook=notebook, partners=["AL"], out=tmp_path / "out", languages=["en", "sq"])
    )
    assert run.exit_code == 0
    folder = tmp_path / "out" / PERIOD
    executed = nbformat.read(folder / "notebooks" / "AL.ipynb", as_version=4)
    outputs = {c.source: c.outputs for c in executed.cells if c.source in cells}
    printed = [o["text"] for o in outputs[cells[0]]]
    note = CUT_NOTE.format(limit=MAX_STREAM_CHARS)
    assert printed[-1] == note and len("".join(printed[:-1])) == MAX_STREAM_CHARS
    assert [o["text"] for o in outputs[cells[1]]] == ["a short line\n"]
    cut = display_cut_note("en")
    assert cut.startswith("[wbreport: this cell's output is larger than 5,000,000 characters")
    assert [o["data"]["text/plain"] for o in outputs[cells[2]]] == [cut]
    assert outputs[cells[3]][0]["data"]["text/html"] == "<p>the next cell shows</p>"
    assert [o["data"]["text/plain"] for o in outputs[cells[4]]] == [cut]
    log = (folder / "logs" / "AL.log").read_text(encoding="utf-8")
    assert note in log and "a short line" in log and "not kept either" not in log
    assert len(log) < MAX_STREAM_CHARS + 10_000
    page = (folder / "AL.html").read_text(encoding="utf-8")
    assert cut in page and "the next cell shows" in page and "after the cut" not in page
    assert page.count(cut) == 2 and "updated" not in page and "before the update" not in page
    assert len(page) < 1_000_000
    albanian = unescape((folder / "AL.sq.html").read_text(encoding="utf-8"))
    cut_sq = display_cut_note("sq")
    assert cut_sq.startswith("[wbreport: rezultati i kësaj qelize është më i madh se 5")
    assert albanian.count(cut_sq) == 2 and cut not in albanian
    assert "the next cell shows" in albanian and len(albanian) < 1_000_000


def params_with(tmp_path: Path, *settings: str) -> Path:
    """A copy of the project's params with ``output:`` settings changed ("shown_chars: 3000")."""
    params = tmp_path / "params"
    shutil.copytree(Path(__file__).parents[1] / "params", params)
    defaults = params / "defaults.yaml"
    text = defaults.read_text(encoding="utf-8")
    for setting in settings:
        name = setting.split(":")[0]
        text = re.sub(rf"{name}: \d+", setting, text)
    defaults.write_text(text, encoding="utf-8")
    return params


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_output_limits_come_from_defaults_yaml(tmp_path: Path) -> None:
    """The cell limits were constants: an analyst who shows a long table on purpose could not
    raise them, nor a scheduler lower them. ``output:`` of params/defaults.yaml sets both,
    and the notes name the limit that cut, on the page in the page's language."""
    from wbreport.engine import CUT_NOTE, display_cut_note

    params = params_with(tmp_path, "printed_chars: 2000", "shown_chars: 3000")
    cells = [
        "print('x' * 4999)",
        "from IPython.display import HTML\nHTML('<p>row</p>' * 400)",  # 4,000 characters
        "HTML('<p>kept</p>' * 100)",
    ]
    notebook = notebook_with_cells(tmp_path / "nb", cells)
    options = RunOptions(
        notebook=notebook,
        partners=["AL"],
        out=tmp_path / "out",
        languages=["en", "sq"],
        params_dir=params,
    )
    assert plan_and_run(options).exit_code == 0
    folder = tmp_path / "out" / PERIOD
    executed = nbformat.read(folder / "notebooks" / "AL.ipynb", as_version=4)
    outputs = {c.source: c.outputs for c in executed.cells if c.source in cells}
    printed = [o["text"] for o in outputs[cells[0]]]
    assert printed == ["x" * 2000, CUT_NOTE.format(limit=2000)]
    cut = display_cut_note("en", 3000)
    assert "3,000 characters" in cut
    assert [o["data"]["text/plain"] for o in outputs[cells[1]]] == [cut]
    page = (folder / "AL.html").read_text(encoding="utf-8")
    assert cut in page and "<p>kept</p>" * 100 in page and "<p>row</p>" not in page
    albanian = unescape((folder / "AL.sq.html").read_text(encoding="utf-8"))
    assert display_cut_note("sq", 3000) in albanian and cut not in albanian


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_the_kernel_stops_sending_what_the_runner_would_cut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner cut a cell's printing at its limit, but the kernel still sent every line:
    a print in a loop over two million rows spent seconds sending what was thrown away. The
    kernel now drops it where it is written; the notebook keeps what it kept before. Two
    reports on one reused kernel: the count starts again for each cell of each report."""
    from wbreport import engine

    params = params_with(tmp_path, "printed_chars: 2000")
    loop = (
        "import sys\n"
        "for _ in range(300):\n"
        "    sys.stdout.write('y' * 999 + '\\n')\n"
        "    sys.stdout.flush()  # a message each: nothing merged on the way\n"
        "print('last line of the cell')"
    )
    notebook = notebook_with_cells(tmp_path / "nb", [loop, "print('a cell after it')"])
    received: list[int] = []
    client = engine._capped_client()
    original = client.output

    def counting(self: Any, outs: Any, msg: Any, display_id: Any, cell_index: int) -> Any:
        if msg["msg_type"] == "stream" and "y" * 999 in msg["content"].get("text", ""):
            received.append(len(msg["content"]["text"]))
        return original(self, outs, msg, display_id, cell_index)

    monkeypatch.setattr(client, "output", counting)
    options = RunOptions(
        notebook=notebook,
        partners=["AL", "BA"],
        out=tmp_path / "out",
        languages=["en"],
        params_dir=params,
        jobs=1,
    )
    assert plan_and_run(options).exit_code == 0
    # per report: the limit and the write that crossed it, of 300,000 characters
    assert 2 * 2000 < sum(received) <= 2 * 3000
    for code in ("AL", "BA"):
        executed = nbformat.read(
            tmp_path / "out" / PERIOD / "notebooks" / f"{code}.ipynb", as_version=4
        )
        outputs = {c.source: c.outputs for c in executed.cells if c.cell_type == "code"}
        printed = [o["text"] for o in outputs[loop]]
        assert printed[-1] == engine.CUT_NOTE.format(limit=2000)
        assert "".join(printed[:-1]) == ("y" * 999 + "\n") * 2
        assert [o["text"] for o in outputs["print('a cell after it')"]] == ["a cell after it\n"]


# --- parameters --------------------------------------------------------------------------------


def test_unknown_parameter_refused_before_any_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr("wbreport.kernels.KernelSlot.start", lambda *a, **k: started.append(a))
    result = CliRunner().invoke(app, ["run", "--out", str(tmp_path / "out"), "--param", "nope=1"])
    assert result.exit_code == 2
    assert "'nope'" in result.stderr and "declares" in result.stderr
    assert started == []
    assert not (tmp_path / "out").exists()


def _code_cell_number(notebook: Path, source: str) -> int:
    cells = [c for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "code"]
    return next(n for n, c in enumerate(cells, 1) if c.source == source)


def test_a_cell_that_is_not_python_is_refused_before_any_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit left unfinished failed every report after the kernels ran, each naming a
    kernel's temporary file, and published a set of failures: now exit 2, one line naming
    the notebook, the cell as failed reports number it and the line, nothing started."""
    broken = "x = 1\nreport.key_figures(("
    notebook = notebook_with_cell(tmp_path / "nb", broken)
    started: list[object] = []
    monkeypatch.setattr("wbreport.kernels.KernelSlot.start", lambda *a, **k: started.append(a))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--out", str(out), "--notebook", str(notebook)])
    assert result.exit_code == 2, result.output
    number = _code_cell_number(notebook, broken)
    assert result.stderr.startswith(
        f"error: report.ipynb, code cell {number}, line 2: not valid Python ("
    ), result.stderr
    assert "fix the cell" in result.stderr and "Traceback" not in result.stderr
    assert started == [] and not out.exists()


@pytest.mark.parametrize(
    "cell",
    [
        "%matplotlib inline\nx = 1",
        "!echo shell\nfiles = !ls",
        "%%time\nx = 1",
        "import asyncio\nawait asyncio.sleep(0)",
        "len?",
    ],
)
def test_ipython_syntax_in_a_cell_is_not_refused(tmp_path: Path, cell: str) -> None:
    from wbreport.parameters import SKIPPED_TAG, check_cells

    notebook = notebook_with_cell(tmp_path, cell)
    check_cells(notebook)  # nothing raised
    nb = nbformat.read(notebook, as_version=4)
    unfinished = nbformat.v4.new_code_cell("print((")
    unfinished.metadata["tags"] = [SKIPPED_TAG]  # nbclient does not run it
    nb.cells.append(unfinished)
    nbformat.write(nb, notebook)
    check_cells(notebook)


def test_unknown_parameter_refused_by_the_command(tmp_path: Path) -> None:
    runner = start_wbreport("run", "--out", str(tmp_path / "out"), "--param", "nope=1")
    seen: set[int] = set()
    while runner.poll() is None:
        seen |= {p.pid for p in kernel_processes(runner.pid)}
        time.sleep(0.005)
    assert runner.returncode == 2
    assert "'nope'" in runner.stderr.read()
    assert seen == set()


def notebook_declaring(tmp: Path, code: str, parameters: str) -> Path:
    """The report notebook with the cell ``code`` and ``parameters`` added to the cell
    tagged ``parameters``."""
    notebook = notebook_with_cell(tmp / "nb", code)
    nb = nbformat.read(notebook, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += parameters
    nbformat.write(nb, notebook)
    return notebook


def typed_notebook(tmp: Path) -> Path:
    """The report notebook declaring extra parameters with typed defaults."""
    return notebook_declaring(
        tmp, "pass", "\nrows = 10\nshow_chart = True\nshare = 0.5\nnote = ''\nitems: list = []\n"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("rows=abc", "'rows' takes a whole number, got 'abc'"),
        ("rows=1e400", "'rows' takes a whole number"),
        ("rows=１２", "'rows' takes a whole number"),  # full-width digits: int() takes them
        ("rows=2.5", "'rows' takes a whole number"),
        ("show_chart=maybe", "'show_chart' takes true or false"),
        ("share=nan", "'share' takes a number, got 'nan'"),
        ("share=inf", "'share' takes a number"),
        ("share=1e999", "'share' takes a number"),
    ],
)
def test_parameter_values_of_the_wrong_type_are_refused_before_any_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    """--param values were passed as text whatever the notebook declared ("abc" for a
    count reached the kernel); they are typed like the parameter's default."""
    started: list[object] = []
    monkeypatch.setattr("wbreport.kernels.KernelSlot.start", lambda *a, **k: started.append(a))
    notebook = typed_notebook(tmp_path)
    args = ["run", "--notebook", str(notebook), "--out", str(tmp_path / "out"), "-p", value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.strip().count("\n") == 0
    assert started == []
    assert not (tmp_path / "out").exists()


def test_parameter_values_are_typed_like_their_defaults() -> None:
    from wbreport.parameters import typed_parameters

    declared = {
        "rows": {"default": 10},
        "show_chart": {"default": True},
        "share": {"default": 0.5},
        "note": {"default": ""},
        "token": {"default": None},
        "items": {"default": []},
        "opaque": {},
    }
    given = {
        "rows": "-3",
        "show_chart": "FALSE",
        "share": "2.5e-1",
        "note": "12",
        "token": "7",
        "items": "[1]",
        "opaque": "x",
    }
    assert typed_parameters(declared, given) == {
        "rows": -3,
        "show_chart": False,
        "share": 0.25,
        "note": "12",
        "token": "7",
        "items": "[1]",
        "opaque": "x",
    }


SECRET_NOTEBOOK = """
import os
from IPython.display import HTML, display
print("label:", label, "token:", api_token, "env:", os.environ.get("WBREPORT_PASSWORD"))
display(HTML(f"<p>{api_token} / {os.environ.get('WBREPORT_PASSWORD')}</p>"))
if partner == "BA":
    raise ValueError(f"token {api_token} refused")
"""


def secret_notebook(tmp: Path) -> Path:
    return notebook_declaring(
        tmp, SECRET_NOTEBOOK, '\napi_token = None  # a secret: never written anywhere\nlabel = ""\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--partners", "../x"], "unknown partner code '../x'"),
        (["--partners", "AL,../../etc"], "unknown partner code '../../etc'"),
        (["--period", "2020Q4; import os"], "invalid period '2020Q4; import os'"),
        (["--period", "../../tmp"], "invalid period '../../tmp'"),
        (["--param", "partner=../x"], "partner are set by wbreport run itself; use --partners"),
        (["--param", "languages=x"], "set by wbreport run itself; use --lang instead"),
        (["--param", "label=x\nimport os; os.system('touch PWNED')"], "must be one line"),
        (["--param", "api_token=a\rb"], "must be one line"),
    ],
)
def test_hostile_values_refused(args: list[str], message: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    notebook = secret_notebook(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    proc = wbreport("run", "--notebook", str(notebook), "--out", "out/reports", *args, cwd=work)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert message in proc.stderr and proc.stderr.strip().count("\n") == 0
    # nothing was created anywhere: no output folder, no escaped path, no file made by code
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_secrets_never_written_and_values_never_run(tmp_path: Path) -> None:
    notebook = secret_notebook(tmp_path)
    out = tmp_path / "out"
    injection = '"; open("PWNED", "w").close(); x = "'
    proc = wbreport(
        "run",
        "--notebook",
        str(notebook),
        "--out",
        str(out),
        "--partners",
        "AL,BA",
        "--param",
        "api_token=CANARY-1234567",
        "--param",
        f"label={injection}",
        env={"WBREPORT_PASSWORD": "CANARY-env-7654321"},
        cwd=tmp_path,
    )
    assert proc.returncode == 1, proc.stderr  # BA fails on purpose, with the token in its error
    leaks = []
    for path in out.rglob("*"):  # .sets/ holds every file the published link points to
        if path.is_file():
            data = path.read_bytes()
            leaks += [
                f"{path}: {c}" for c in (b"CANARY-1234567", b"CANARY-env-7654321") if c in data
            ]
    assert leaks == []
    assert "CANARY" not in proc.stdout + proc.stderr
    folder = out / PERIOD
    # the values did reach the notebook, as data: scrubbed output, literal injection text
    executed = (folder / "notebooks" / "AL.ipynb").read_text(encoding="utf-8")
    assert "token: *** env: ***" in executed
    injected = next(
        c
        for c in nbformat.reads(executed, as_version=4).cells
        if "injected-parameters" in c.metadata.get("tags", [])
    )
    values = {
        node.targets[0].id: ast.literal_eval(node.value)  # type: ignore[attr-defined]
        for node in ast.parse(injected.source).body
    }
    assert values["label"] == injection and values["api_token"] == "***"
    assert not (tmp_path / "PWNED").exists() and not (notebook.parent / "PWNED").exists()
    manifest = read_manifest(folder)
    assert manifest["parameters"]["api_token"] == "***"
    ba = {j["partner"]: j for j in manifest["jobs"]}["BA"]
    assert ba["error"] == "ValueError: token *** refused"
    assert "<p>*** / ***</p>" in (folder / "AL.html").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.timeout(120, method="thread")
def test_secrets_not_left_behind_by_a_killed_run(tmp_path: Path) -> None:
    """The kernel's output and the executed notebook are written outside the output folder
    until scrubbed: a SIGKILL mid-report leaves no secret in the unpublished set."""
    notebook = secret_notebook(tmp_path)
    nb = nbformat.read(notebook, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "report-end" in c.metadata.get("tags", []))
    nb.cells.insert(
        index,
        nbformat.v4.new_code_cell(
            'import sys, time\nfor _ in range(2000):\n    print("again:", api_token)\n'
            "sys.stdout.flush()\ntime.sleep(60)"
        ),
    )
    nbformat.write(nb, notebook)
    out = tmp_path / "out"
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wbreport",
            "run",
            "--notebook",
            str(notebook),
            "--out",
            str(out),
            "--partners",
            "AL",
            "--param",
            "api_token=CANARY-1234567",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    sets = out / ".sets"
    deadline = time.monotonic() + 60
    while (
        time.monotonic() < deadline and runner.poll() is None and not any(sets.glob("*/notebooks"))
    ):
        time.sleep(0.05)
    time.sleep(4)  # the report is now sleeping in its last cells, its output printed
    assert runner.poll() is None
    kernels = kernel_processes(runner.pid)
    assert kernels
    runner.kill()
    runner.wait()
    psutil.wait_procs(kernels, timeout=5)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pkl" for p in files)  # killed mid-run: its leftovers are there
    assert [p for p in files if b"CANARY-1234567" in p.read_bytes()] == []


# --- the lock ------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_lock_refuses_second_run_and_is_taken_over_after_kill(
    sample_published: Path, tmp_path: Path
) -> None:
    out = copy_published(sample_published, tmp_path)
    first = start_wbreport(*RUN, "--out", str(out), "--force", "--partners", "AL,WB")
    holder = out / ".wbreport.lock.json"
    deadline = time.monotonic() + 30
    while not holder.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the test could race it"
    second = wbreport(*RUN, "--out", str(out), "--partners", "AL,WB")
    assert first.poll() is None, "the first run must still hold the lock"
    assert second.returncode == 3, second.stderr
    assert f"pid {first.pid} on {socket.gethostname()}" in second.stderr
    # SIGKILL the holder: the flock dies with it, its lock and holder files stay behind
    kernels = kernel_processes(first.pid)
    first.kill()
    first.wait()
    assert (out / ".wbreport.lock").exists()
    assert json.loads(holder.read_text(encoding="utf-8"))["pid"] == first.pid
    psutil.wait_procs(kernels, timeout=5)
    third = wbreport(*RUN, "--out", str(out), "--partners", "AL,WB", "--force")
    assert third.returncode == 0, third.stderr
    check_published(out)
    no_orphans(out)
    assert not holder.exists()


# --- Ctrl-C ------------------------------------------------------------------------------------


def _read_until(stream: Any, predicate: Callable[[str], bool], limit: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if predicate(line):
            break
    return lines


@pytest.mark.slow
@pytest.mark.timeout(240, method="thread")
def test_ctrl_c_stops_kernels_releases_lock_keeps_published_set(
    sample_published: Path, tmp_path: Path
) -> None:
    out = copy_published(sample_published, tmp_path)
    before = check_published(out)
    digests = {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()}
    runner = start_wbreport(*RUN, "--out", str(out), "--force", "--jobs", "2")
    seen = _read_until(runner.stderr, lambda line: "✓" in line or "✗" in line)
    assert any("✓" in line for line in seen), "".join(seen)  # reports are rendering now
    kernels = kernel_processes(runner.pid)
    assert kernels, "kernels should be running"
    runner.send_signal(signal.SIGINT)
    rest = runner.communicate(timeout=30)[1]
    alive = [p for p in kernels if _alive(p)]  # at once: wbreport stops them, not the poller
    for proc in alive:
        proc.kill()
    assert runner.returncode == 130
    # reports that finished before the signal may still be listed; then one line, no more
    lines = [line for line in rest.splitlines() if line.strip() and "✓" not in line]
    assert len(lines) == 1 and lines[0].startswith("interrupted"), rest
    assert "Traceback" not in rest
    assert alive == []
    assert check_published(out) == before
    assert {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()} == digests
    after = wbreport(*RUN, "--out", str(out), "--force", "--partners", "AL,WB")
    assert after.returncode == 0, after.stderr
    check_published(out)
    no_orphans(out)


# --- atomic publication under SIGKILL ----------------------------------------------------------


def _kill_at(out: Path, when: Callable[[float], bool]) -> tuple[bool, int]:
    """Start a run and SIGKILL it when ``when(elapsed)`` holds; returns (killed while it was
    running, kernels of the killed runner still alive 5 s later)."""
    runner = start_wbreport(*RUN, "--out", str(out), "--force", "--partners", "AL,WB")
    started = time.monotonic()
    while runner.poll() is None and not when(time.monotonic() - started):
        time.sleep(0.002)
    try:
        kernels = psutil.Process(runner.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kernels = []
    running = runner.poll() is None
    runner.kill()
    runner.communicate()
    # the kernels' parent poller notices the dead runner within a second and exits
    _, alive = psutil.wait_procs([k for k in kernels if _alive(k)], timeout=5)
    for proc in alive:
        proc.kill()
    return running, len(alive)


def _after(duration: float) -> Callable[[Path], Callable[[float], bool]]:
    return lambda out: lambda elapsed: elapsed >= duration


def _appears(pattern: str) -> Callable[[Path], Callable[[float], bool]]:
    """When a path matching ``pattern`` that was not there at the start appears."""

    def make(out: Path) -> Callable[[float], bool]:
        existing = set(out.glob(pattern))
        return lambda elapsed: any(p not in existing for p in out.glob(pattern))

    return make


@pytest.mark.slow
@pytest.mark.longest
@pytest.mark.timeout(480, method="thread")  # two workers share the two CPUs
def test_sigkill_at_any_moment_keeps_published_set(sample_published: Path, tmp_path: Path) -> None:
    out = copy_published(sample_published, tmp_path)
    durations = []
    for _ in range(2):  # the shorter of two runs: a busy machine makes one run slow
        started = time.monotonic()
        first = wbreport(*RUN, "--out", str(out), "--force", "--partners", "AL,WB")
        durations.append(time.monotonic() - started)
        assert first.returncode == 0, first.stderr
    duration = min(durations)
    staged = ".sets/2021Q4.*"
    moments = [_after(duration * (0.03 + 0.77 * i / 11)) for i in range(12)]
    moments += [
        _appears(pattern)
        for pattern in (
            ".sets/.prepared-*.pkl",  # data loaded and prepared, kernels warming up
            f"{staged}/notebooks/*.ipynb",  # a report has just been rendered
            f"{staged}/indicators.csv",  # finishing the set
            f"{staged}/manifest.json",
            f"{staged}/index.html",  # about to publish
            ".2021Q4.*.link",  # publishing: the new link is made, not yet swapped in
        )
    ]
    # a run slower or faster than the measured one can end before a late moment: more
    # moments, spread over the middle of the run, until 16 kills hit a running run
    spare = [_after(duration * f) for f in (0.5, 0.2, 0.35, 0.1, 0.45, 0.25, 0.4, 0.15, 0.3, 0.05)]
    counts = {"survived": 0, "killed mid-run": 0, "new set published": 0, "kernels left": 0}
    for moment in moments + spare:
        if moment in spare and counts["killed mid-run"] >= 16:
            break
        before = check_published(out)
        running, left = _kill_at(out, moment(out))
        counts["killed mid-run"] += running
        counts["kernels left"] += left
        counts["new set published"] += check_published(out) != before
        counts["survived"] += 1
    print("SIGKILL:", counts)
    assert counts["survived"] >= 16 and counts["killed mid-run"] >= 16
    assert counts["kernels left"] == 0
    final = wbreport(*RUN, "--out", str(out), "--force", "--partners", "AL,WB")
    assert final.returncode == 0, final.stderr
    check_published(out)
    no_orphans(out)


# --- leftovers ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_clean_leftovers_removes_what_killed_runs_left(
    sample_published: Path, tmp_path: Path
) -> None:
    out = copy_published(sample_published, tmp_path)
    live = check_published(out)
    dead = out / ".sets" / "2021Q4.20990101T000000-dead00"
    (dead / "notebooks").mkdir(parents=True)
    (dead / ".wbreport-set").write_text("2021Q4.20990101T000000-dead00\n")
    (out / ".sets" / ".prepared-20990101T000000-dead00.pkl").write_bytes(b"x")
    os.symlink(".sets/nowhere", out / ".2021Q4.deadbeef.link")
    clean_leftovers(out)
    assert check_published(out) == live
    no_orphans(out)


def test_stream_cap_in_the_kernel_counts_per_cell_and_leaves_what_it_cannot_wrap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``cap_streams`` as the kernel runs it, with a stand-in shell: writes past the limit
    are dropped until the next cell, and a stream whose ``write`` is read-only (not
    ipykernel's) is left as it is instead of failing the report's set-up."""
    from wbreport import kernels

    class Stream(io.TextIOBase):  # like ipykernel's OutStream: a Python class
        def __init__(self) -> None:
            self.sent: list[str] = []

        def write(self, text: str) -> int:  # type: ignore[override]
            self.sent.append(text)
            return len(text)

    class Fixed:  # a stream whose write cannot be replaced
        __slots__ = ("sent",)

        def __init__(self) -> None:
            self.sent: list[str] = []

        def write(self, text: str) -> int:
            self.sent.append(text)
            return len(text)

    hooks: list[Any] = []
    shell = SimpleNamespace(events=SimpleNamespace(register=lambda _, hook: hooks.append(hook)))
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    monkeypatch.setattr(kernels, "_STREAMS", {"limit": None, "sent": 0, "hooked": False})
    stdout, stderr = Stream(), Fixed()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    kernels.cap_streams(5)
    for text in ("abc", "def", "ghi"):
        sys.stdout.write(text)
    sys.stderr.write("not wrapped")
    assert stdout.sent == ["abc", "def"] and stderr.sent == ["not wrapped"]
    hooks[0]()  # the next cell
    sys.stdout.write("jkl")
    assert stdout.sent[-1] == "jkl"
    kernels.cap_streams(5)  # the next report: hooked once, the count starts again
    assert len(hooks) == 1 and kernels._STREAMS["sent"] == 0
