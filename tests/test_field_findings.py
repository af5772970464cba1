"""Faults found by a second outside pass (careless user, scheduler, attacker), one test each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.reporting import wbreport
from wbreport.project import sample_data_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "Asylum caseworkers completed the"  # params/2021Q4/AL.yaml, written for the sample


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_the_example_narratives_are_not_published_with_other_data(tmp_path: Path) -> None:
    """wbreport's illustrative narratives describe its sample data: with ``--data`` they
    were published as if an analyst had written them about that package. Unedited they are
    left out (and the run says so); an analyst's edit makes them theirs."""
    data = tmp_path / "mine"
    shutil.copytree(sample_data_path(), data)
    out = tmp_path / "out"
    one = ("--period", "2021Q4", "--partners", "AL", "--kinds", "programming", "--lang", "en")
    run = wbreport("run", "--data", str(data), "--out", str(out), *one)
    assert run.returncode == 0, run.stderr
    assert "note: not used with your data: 2021Q4/AL.yaml" in run.stderr, run.stderr
    page = (out / "2021Q4" / "AL.html").read_text(encoding="utf-8")
    assert EXAMPLE not in page and "No narrative provided" in page
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    mine = params / "2021Q4" / "AL.yaml"
    mine.write_text("highlights: |\n  Our own words about our own data.\n", encoding="utf-8")
    again = wbreport("run", "--data", str(data), "--params", str(params), "--out", str(out), *one)
    assert again.returncode == 0, again.stderr
    assert "not used with your data" not in again.stderr
    page = (out / "2021Q4" / "AL.html").read_text(encoding="utf-8")
    assert "Our own words about our own data." in page and EXAMPLE not in page


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_a_fractional_cell_timeout_runs(tmp_path: Path) -> None:
    """``timeouts.cell_seconds: 90.5`` passed validation, then every report failed with
    nbclient's "expected an int, not the float 90.5"."""
    params = tmp_path / "params"
    shutil.copytree(ROOT / "params", params)
    defaults = params / "defaults.yaml"
    text = defaults.read_text(encoding="utf-8")
    assert "cell_seconds: 120" in text
    defaults.write_text(text.replace("cell_seconds: 120", "cell_seconds: 90.5"), "utf-8")
    run = wbreport(
        "run", "--params", str(params), "--out", str(tmp_path / "out"),
        "--partners", "AL", "--kinds", "programming", "--lang", "en",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_a_scheduler_address_where_another_service_speaks_first() -> None:
    """An SSH server at ``--scheduler``: dask read its banner as a message length, numpy
    could not allocate exabytes, and the run said "not enough memory"."""
    import socket
    import threading

    from wbreport.cluster import DaskExecutor
    from wbreport.errors import UsageError

    pytest.importorskip("distributed")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            held.append(conn)

    threading.Thread(target=serve, daemon=True).start()
    try:
        with pytest.raises(UsageError, match="does not answer as a dask scheduler"):
            DaskExecutor(f"tcp://127.0.0.1:{port}", 1, startup_timeout=3)
    finally:
        server.close()
        for conn in held:
            conn.close()


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ('highlights: "\\ud800"\n', "half of a surrogate pair character (U+D800) at character 1"),
        ('highlights: "red \\e[31m alert"\n', "a control character (U+001B) at character 5"),
        ("highlights: !!binary aGVsbG8=\n", "found YAML's !!binary"),
        ("highlights: !!set {a, b}\n", "found YAML's !!set"),
    ],
)
def test_a_narrative_that_cannot_be_shown_is_refused_before_any_report(
    tmp_path: Path, written: str, said: str
) -> None:
    """Half a surrogate pair passed validation, then the report failed in the kernel
    (UnicodeEncodeError); ESC and BEL reached the page as they were; ``!!binary`` was
    said to read "as a number"."""
    from wbreport.config import load_narrative
    from wbreport.errors import ValidationError

    (tmp_path / "2021Q4").mkdir()
    (tmp_path / "2021Q4" / "AL.yaml").write_text(written, encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        load_narrative(tmp_path, "2021Q4", "AL")
    (problem,) = caught.value.problems
    assert said in problem.allowed and "highlights" in str(problem.column), problem
    assert "\x1b" not in str(problem) and "\ud800" not in str(problem)


def test_data_text_reaches_the_page_without_control_characters() -> None:
    """An activity title with a terminal's colour codes (ESC, BEL, BS) reached the HTML as
    it was: characters no page can show, and invalid in HTML."""
    from wbreport.fragments import table, tag

    title = "a\x1b[31mred\x07\x08b \ud800<i>"
    assert (
        tag("td", title, title=title) == '<td title="a[31mredb &lt;i&gt;">a[31mredb &lt;i&gt;</td>'
    )
    grid = str(table(["Activity"], [[title]], caption="x\x1b"))
    assert not any(c in grid for c in "\x1b\x07\x08\ud800")
    assert "a[31mredb" in grid


def test_a_notebook_of_an_old_format_is_refused_before_any_kernel(tmp_path: Path) -> None:
    """A notebook saved as format 3 failed every report ("missing an expected key:
    worksheets") after the kernels started; a truncated one was refused at once."""
    import json

    notebook = json.loads((ROOT / "notebooks" / "report.ipynb").read_text(encoding="utf-8"))
    notebook["nbformat"] = 3
    old = tmp_path / "report.ipynb"
    old.write_text(json.dumps(notebook), encoding="utf-8")
    run = wbreport(
        "run", "--notebook", str(old), "--kinds", "programming", "--out", str(tmp_path / "out")
    )
    assert run.returncode == 2, run.stderr
    assert "report.ipynb is a notebook of format 3, not 4: open it in JupyterLab" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()


def test_database_text_that_is_not_utf8_is_named_by_row_and_column(tmp_path: Path) -> None:
    """sqlite3 stopped at the cell and the problem named no row ("Could not decode to
    UTF-8 column 'title'"), which SPEC §2 requires."""
    import sqlite3

    from tests.bad_inputs import base
    from tests.formats import to_sqlite
    from wbreport.readers import read_package

    database = tmp_path / "package.db"
    to_sqlite(base(tmp_path / "csv"), database)
    with sqlite3.connect(database) as con:
        first = con.execute("SELECT activity_id FROM activities LIMIT 1").fetchone()[0]
        con.execute(
            "UPDATE activities SET title = CAST(X'C3286869' AS TEXT) WHERE activity_id = ?",
            (first,),
        )
    problems = read_package(database).problems
    assert [(p.source, p.row, p.column) for p in problems] == [
        ("package.db[activities]", 2, "title")
    ]
    assert problems[0].allowed == "text that is not UTF-8: store the database's text as UTF-8"


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_a_project_whose_notebook_was_renamed_keeps_its_params_and_says_so(
    tmp_path: Path,
) -> None:
    """``init`` a project, write a narrative, rename notebooks/report.ipynb: the folder was
    no longer recognised, and the run used wbreport's stock notebooks and narratives without
    a word. It is a project by its params/defaults.yaml; the missing notebook is named."""
    project = tmp_path / "project"
    assert wbreport("init", str(project)).returncode == 0
    (project / "notebooks" / "report.ipynb").rename(project / "notebooks" / "report_v2.ipynb")
    (project / "params" / "2021Q4" / "AL.yaml").write_text(
        "highlights: |\n  The analyst's own highlight.\n", encoding="utf-8"
    )
    one = ("--partners", "AL", "--kinds", "programming", "--lang", "en")
    run = wbreport("run", "--out", str(tmp_path / "out"), *one, cwd=project)
    assert run.returncode == 0, run.stderr
    assert "note: the programming reports use " in run.stderr, run.stderr
    assert f"is not in {project / 'notebooks'}" in run.stderr
    page = (tmp_path / "out" / "2021Q4" / "AL.html").read_text(encoding="utf-8")
    assert "The analyst's own highlight." in page


@pytest.mark.parametrize("planted", ["folder", "link"])
def test_a_lock_that_is_no_file_is_named(tmp_path: Path, planted: str) -> None:
    """``<out>/.wbreport.lock`` a folder said "cannot write to the output folder …: Is a
    directory", a link "Too many levels of symbolic links": neither named the lock (and a
    link would have had the lock open whatever it points to)."""
    out = tmp_path / "out"
    out.mkdir()
    lock = out / ".wbreport.lock"
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me", encoding="utf-8")
    if planted == "folder":
        lock.mkdir()
    else:
        lock.symlink_to(target)
    run = wbreport("run", "--out", str(out), "--partners", "AL")
    assert run.returncode == 2, run.stderr
    assert f"the lock file {lock} is a" in run.stderr and "remove it" in run.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
