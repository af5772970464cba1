"""Run-level hardening (issue 14): the lock before any kernel, capped period ranges, usage
errors as one line with exit 2, output folders that cannot be written, and failed reports
that keep their last good version (SPEC §7)."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from tests.projects import minimal_notebook
from tests.reporting import jobs_by_partner, read_manifest, wbreport
from wbreport.cli import app
from wbreport.options import MAX_PERIODS, RunOptions
from wbreport.pipeline import plan_and_run
from wbreport.project import sample_data_path
from wbreport.publication import BANNER_START, RunLock, mark_carried

PERIOD = "2021Q4"


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, result.output


def one_line(output: str) -> bool:
    return output.strip().count("\n") == 0 and "Traceback" not in output


@pytest.fixture
def no_kernels(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record any attempt to start a kernel (none is expected)."""
    started: list[object] = []
    monkeypatch.setattr("wbreport.kernels.KernelSlot.start", lambda *a, **k: started.append(a))
    monkeypatch.setattr("wbreport.executors.LocalExecutor.warm", lambda *a, **k: started.append(a))
    return started


# --- the lock comes first ----------------------------------------------------------------------


def test_second_run_exits_3_without_ever_starting_a_kernel(
    tmp_path: Path, no_kernels: list[object]
) -> None:
    out = tmp_path / "out"
    with RunLock(out):
        code, output = run_cli("--out", str(out), "--force", "--partners", "AL,WB")
    assert code == 3, output
    assert "another run is writing" in output and f"pid {os.getpid()}" in output
    assert no_kernels == []
    assert not (out / ".sets").exists() and not (out / PERIOD).exists()


# --- usage errors: exit 2, one line, nothing created --------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "1000Q1:9999Q4"], f"at most {MAX_PERIODS}"),
        (["--period", "2000-01:2019-12"], "spans 240 periods"),
        (["--partners", ","], "--partners names no partner"),
        (["--partners", ""], "--partners names no partner"),
        (["--params", "{missing}"], "no such folder"),
        (["--params", "{file}"], "not a folder"),
        (["--lang", ""], "--lang names nothing"),
        # second hostile pass: refused up front, not only when something is to be rendered
        (["--period", "2020Q4:"], "invalid period '2020Q4:'"),
        (["--period", ":2020Q4"], "invalid period ':2020Q4'"),
        (["--period", "2020Q4:2021Q1:2021Q2"], "invalid period '2020Q4:2021Q1:2021Q2'"),
        (["--executor", "dsak"], "unknown executor 'dsak'"),
        (["--executor", "DASK"], "unknown executor 'DASK'"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "add --executor dask"),
        (["--notebook", "{file}"], "is not a Jupyter notebook (.ipynb)"),
        (["--notebook", "{folder}"], "is not a regular file"),
        (["--notebook", "/dev/zero"], "is not a regular file"),
        (["--notebook", "{missing}"], "not found"),
        (["--notebook", "{huge}"], "is too large"),
    ],
)
def test_usage_errors_are_one_line_and_create_nothing(
    tmp_path: Path, no_kernels: list[object], args: list[str], message: str
) -> None:
    (tmp_path / "file.yaml").write_text("rag: {}\n", encoding="utf-8")
    (tmp_path / "folder.ipynb").mkdir()
    with open(tmp_path / "huge.ipynb", "wb") as handle:  # sparse: no disk space taken
        handle.truncate(3 * 1024**3)
    args = [
        a.format(
            missing=tmp_path / "missing",
            file=tmp_path / "file.yaml",
            folder=tmp_path / "folder.ipynb",
            huge=tmp_path / "huge.ipynb",
        )
        for a in args
    ]
    code, output = run_cli("--out", str(tmp_path / "out"), *args)
    assert code == 2, output
    assert message in output and one_line(output), output
    assert not (tmp_path / "out").exists()
    assert no_kernels == []


@pytest.mark.parametrize(
    "args",
    [
        ["--out", ""],
        ["--out="],
        ["--data", ""],
        ["--params", " "],
        ["--notebook", ""],
        ["--period", ""],
        ["--partners", ""],
        ["--lang="],
    ],
)
def test_an_empty_option_is_refused_not_read_as_the_current_folder(
    tmp_path: Path, args: list[str]
) -> None:
    """``--out "$OUT"`` with OUT unset: the parser reads ``""`` as ``.``, so the run
    published into whatever folder the scheduler started in. Now: one line, exit 2, the JSON
    summary, and the folder untouched."""
    done = wbreport("run", *args, "--json", cwd=tmp_path)
    name = args[0].partition("=")[0]
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"error: {name} is empty: give a value or leave the option out"
        " (is a variable of the calling script unset?)\n"
    )
    assert json.loads(done.stdout)["exit_code"] == 2
    assert list(tmp_path.iterdir()) == []


def test_every_text_or_path_option_is_checked_for_an_empty_value() -> None:
    """``cli.NOT_EMPTY`` names every option that takes a text, path or choice (not a flag, a
    count or a repeated ``--param``): an option added later cannot miss the check. A
    positional argument is never a Path (typer would read ``""`` as ``.``)."""
    import enum
    import inspect
    import typing

    import typer.main

    from wbreport.cli import NOT_EMPTY

    valued = set()
    for command in typer.main.get_command(app).commands.values():
        hints = typing.get_type_hints(inspect.unwrap(command.callback))
        for param in command.params:
            # typer reads "" as "." for a Path: a positional argument is text, checked
            # by its command (``init``)
            assert param.param_type_name == "option" or hints[param.name] is str, param.name
            if param.param_type_name != "option" or param.is_flag or param.multiple:
                continue
            hint = hints[param.name]
            kinds = [k for k in (typing.get_args(hint) or (hint,)) if k is not type(None)]
            if all(k in (str, Path) or issubclass(k, enum.Enum) for k in kinds):
                valued.update(o for o in param.opts if o.startswith("--"))
    assert "--out" in valued and "--jobs" not in valued  # the walk reads the commands
    assert sorted(NOT_EMPTY) == sorted(valued)


@pytest.mark.parametrize("page", ["index.html", "index.sq.html"])
def test_a_users_index_page_in_the_output_folder_is_never_replaced(
    tmp_path: Path, no_kernels: list[object], page: str
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / page).write_text("<h1>our own page</h1>", encoding="utf-8")
    code, output = run_cli("--out", str(out), "--partners", "AL")
    assert code == 2, output
    assert f"{out / page} was not written by wbreport" in output and one_line(output), output
    assert [p.name for p in out.iterdir()] == [page]
    assert (out / page).read_text(encoding="utf-8") == "<h1>our own page</h1>"
    assert no_kernels == []


def test_portal_pages_are_marked_and_a_legacy_portal_is_recognised(tmp_path: Path) -> None:
    from wbreport.portal import write_portal
    from wbreport.portal_pages import GENERATOR, check_portal, is_own_page

    out = tmp_path / "out"
    out.mkdir()
    write_portal(out)
    assert GENERATOR in (out / "index.html").read_text(encoding="utf-8")
    check_portal(out)  # its own page: a later run goes ahead
    legacy = '<html><head><style>x</style></head><body><main class="index"></main></body></html>'
    (out / "index.html").write_text(legacy, encoding="utf-8")
    assert not is_own_page(out, out / "index.html")  # no sets: not an output folder
    (out / ".sets").mkdir()
    assert is_own_page(out, out / "index.html")  # an earlier wbreport's portal
    (out / "index.mk.html").write_text("<p>ours</p>", encoding="utf-8")
    assert not is_own_page(out, out / "index.mk.html")
    write_portal(out)  # a language no set has: only wbreport's own stale pages are removed
    assert (out / "index.mk.html").read_text(encoding="utf-8") == "<p>ours</p>"


def test_out_that_is_a_file_or_under_proc_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "outputs"
    target.write_text("keep", encoding="utf-8")
    code, output = run_cli("--out", str(target), "--partners", "AL")
    assert code == 2 and "it is a file" in output and one_line(output), output
    assert target.read_text(encoding="utf-8") == "keep"
    code, output = run_cli("--out", "/proc/self/wbreport", "--partners", "AL")
    assert code == 2 and "/proc is not for reports" in output and one_line(output), output


@pytest.mark.parametrize(
    ("number", "reason"),
    [(errno.EROFS, "read-only file system"), (errno.ENOSPC, "the disk is full")],
)
def test_out_read_only_or_full_at_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, number: int, reason: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr("wbreport.publication.FileLock.acquire", refuse)
    code, output = run_cli("--out", str(tmp_path / "out"), "--partners", "AL")
    assert code == 2, output
    assert reason in output and one_line(output), output


def test_banner_is_escaped_and_replaces_an_earlier_one() -> None:
    page = "<html><body class='x'><h1>RS</h1></body></html>"
    once = mark_carried(page, "the latest run failed: <script>alert(1)</script>")
    assert "<script>" not in once and "&lt;script&gt;" in once
    assert once.index(BANNER_START) == once.index("<body class='x'>") + len("<body class='x'>")
    twice = mark_carried(once, "again")
    assert twice.count(BANNER_START) == 1 and "again" in twice and "alert(1)" not in twice


# --- failed reports keep their last good version (issue 14 item 9) --------------------------------


@pytest.mark.parametrize(("start", "noted"), [("2030-01-01", True), ("2019-01-01", False)])
def test_a_programme_start_after_the_period_is_noted(
    tmp_path: Path, start: str, noted: bool
) -> None:
    """``programme.start`` after the report period is what SPEC §9 allows (to-date values over
    an empty interval) but most likely a mistyped year: the run says so, before any kernel.
    (A narrative with an unknown key ends the run right after the note, without kernels.)"""
    params = tmp_path / "params"
    shutil.copytree(Path(__file__).parents[1] / "params", params)
    defaults = params / "defaults.yaml"
    text = defaults.read_text(encoding="utf-8")
    defaults.write_text(text.replace("start: 2019-01-01", f"start: {start}"), "utf-8")
    (params / "2021Q4" / "AL.yaml").write_text("nope: 1\n", encoding="utf-8")
    run = wbreport(
        "run", "--params", str(params), "--out", str(tmp_path / "out"), "--period", "2021Q4"
    )
    assert run.returncode == 2 and "nope" in run.stderr, run.stderr
    note = f"note: programme.start {start} (params/defaults.yaml) is after 2021Q4: the to-date"
    assert (note in run.stderr) is noted, run.stderr


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_failed_report_keeps_its_last_good_version_marked(tmp_path: Path) -> None:
    params = tmp_path / "params"
    params.mkdir()
    notebook = minimal_notebook(tmp_path / "nb" / "report.ipynb")
    options = RunOptions(
        params_dir=params,
        notebook=notebook,
        partners=["AL", "RS"],
        period=PERIOD,
        out=tmp_path / "out",
        jobs=1,
    )
    first = plan_and_run(options)
    assert first.exit_code == 0
    first_run = read_manifest(first.periods[0].folder)["run_id"]
    good = (first.periods[0].folder / "RS.html").read_text(encoding="utf-8")
    unchanged = plan_and_run(options)  # skipped: the report stays the first run's
    assert jobs_by_partner(unchanged.periods[0].folder)["RS"]["status"] == "skipped"

    (params / "fail-RS").write_text("<b>source system offline</b>", encoding="utf-8")
    options.force = True
    second = plan_and_run(options)
    assert second.exit_code == 1
    folder = second.periods[0].folder
    job = jobs_by_partner(folder)["RS"]
    assert job["status"] == "failed" and "source system offline" in job["error"]
    assert job["carried_from"]["run_id"] == first_run
    page = (folder / "RS.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(page, "html.parser")
    notice = soup.select_one(".wbreport-carried").get_text()
    assert notice.startswith("This report is from the run of ")
    assert "the latest run failed: cell 2: RuntimeError: <b>source system offline</b>" in notice
    assert "<b>source" not in page  # escaped
    assert (
        soup.select_one("p.who").get_text()
        == BeautifulSoup(good, "html.parser").select_one("p.who").get_text()
    )
    index = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    row = index.select_one('[data-report="RS.programming.en"][data-status="failed"]')
    assert row.a["href"] == "RS.html" and "showing the version of" in row.get_text()
    assert "source system offline" in index.select_one(".alert").get_text()
    portal = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "showing the version of" in portal and "source system offline" in portal

    third = plan_and_run(options)  # failing again: still the first run's report, one banner
    folder = third.periods[0].folder
    assert jobs_by_partner(folder)["RS"]["carried_from"]["run_id"] == first_run
    assert (folder / "RS.html").read_text(encoding="utf-8").count(BANNER_START) == 1


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_full_disk_at_publication_keeps_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = minimal_notebook(tmp_path / "nb" / "report.ipynb")
    out = tmp_path / "out"
    args = ["--notebook", str(notebook), "--partners", "AL", "--period", PERIOD, "--out", str(out)]
    code, output = run_cli(*args)
    assert code == 0, output
    before = (out / PERIOD).resolve()
    files = {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()}

    def full(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("wbreport.manifest.write_atomic", full)
    code, output = run_cli(*args, "--force", "--json")
    assert code == 1, output
    assert "No space left on device" in output and "previous reports stay published" in output
    assert "Traceback" not in output
    assert (out / PERIOD).resolve() == before
    assert {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()} == files
    assert sorted(p.name for p in (out / ".sets").iterdir()) == [before.name]
    summary = json.loads(output[output.index("{") :])
    assert summary["exit_code"] == 1


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_period_9999q4_renders_every_kind(tmp_path: Path) -> None:
    """The last period the validator accepts: no 'year 10000 is out of range' (issue 14)."""
    out = tmp_path / "out"
    code, output = run_cli(
        "--period", "9999Q4", "--partners", "AL", "--lang", "en", "--out", str(out)
    )  # fmt: skip
    assert code == 0, output
    jobs = read_manifest(out / "9999Q4")["jobs"]
    assert {(j["kind"], j["status"]) for j in jobs} == {("programming", "ok"), ("evaluation", "ok")}


# --- nothing is written inside published sets (second hostile pass) ------------------------------


def _published_set(out: Path) -> Path:
    """An output folder as a run leaves it: lock, a marked set, the period's link."""
    folder = out / ".sets" / f"{PERIOD}.20260101T000000-abcdef"
    folder.mkdir(parents=True)
    (folder / ".wbreport-set").write_text(folder.name + "\n", encoding="utf-8")
    (folder / "AL.html").write_text("<html></html>", encoding="utf-8")
    (out / ".wbreport.lock").touch()
    (out / PERIOD).symlink_to(Path(".sets") / folder.name)
    return folder


@pytest.mark.parametrize(
    "args",
    [
        ["init", "{out}/2021Q4/project"],  # through the period's link
        ["init", "{out}/.sets/project"],
        ["demo-data", "--out", "{out}/2021Q4/demo"],
        ["template", "--out", "{out}/2021Q4/data.xlsx"],
        ["run", "--out", "{out}/2021Q4/nested", "--partners", "AL"],
    ],
)
def test_nothing_is_written_inside_published_sets(
    tmp_path: Path, no_kernels: list[object], args: list[str]
) -> None:
    """The next run replaces a set with everything in it: a project made there by ``init``
    (or a demo package, a template, nested outputs) would be lost with it."""
    out = tmp_path / "out"
    folder = _published_set(out)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(app, [a.format(out=out) for a in args])
    assert result.exit_code == 2, result.output
    assert "inside the published reports" in result.output and one_line(result.output)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (folder / "AL.html").is_file()


def test_init_next_to_published_sets_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _published_set(out)
    result = CliRunner().invoke(app, ["init", str(out / "project")])
    assert result.exit_code == 0, result.output
    assert (out / "project" / "notebooks").is_dir()


@pytest.mark.parametrize("kind", ["file", "link"])
def test_sets_folder_that_is_a_file_or_link_is_refused_before_anything_is_written(
    tmp_path: Path, no_kernels: list[object], kind: str
) -> None:
    """``<out>/.sets`` a file: the shared data file of the run could not be written and its
    clean-up raised NotADirectoryError (a traceback); a link: it was written into the
    folder the link names."""
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if kind == "file":
        (out / ".sets").write_text("keep", encoding="utf-8")
    else:
        (out / ".sets").symlink_to(elsewhere)
    code, output = run_cli("--out", str(out), "--partners", "AL", "--period", PERIOD)
    assert code == 2, output
    assert "is not a folder wbreport created" in output and one_line(output), output
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == [".sets"]


def test_languages_that_no_report_is_rendered_in_are_refused(
    tmp_path: Path, no_kernels: list[object]
) -> None:
    """A notebook without ``lang`` renders English only: ``--lang sq`` asked for nothing,
    and an empty set was published with exit 0 (as ``--partners ,`` did before)."""
    notebook = minimal_notebook(tmp_path / "nb" / "report.ipynb", with_lang=False)
    out = tmp_path / "out"
    code, output = run_cli(
        "--notebook", str(notebook), "--lang", "sq", "--out", str(out), "--period", PERIOD
    )  # fmt: skip
    assert code == 2, output
    assert "nothing to render" in output and one_line(output), output
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--out", "{long}", "--partners", "AL"],
        ["run", "--params", "{long}"],
        ["validate", "--data", "{long}"],
        ["indicators", "--period", PERIOD, "--data", "{long}"],
        ["demo-data", "--out", "{long}"],
        ["template", "--out", "{long}.xlsx"],
        ["init", "{long}"],
    ],
)
def test_a_path_the_system_refuses_is_one_line_in_every_command(
    tmp_path: Path, no_kernels: list[object], args: list[str]
) -> None:
    """A 300-character file name (ENAMETOOLONG from the first stat) was a traceback in all
    five commands: any OSError about a path is one line naming it, exit 2."""
    long = str(tmp_path / ("a" * 300))
    result = CliRunner().invoke(app, [a.format(long=long) for a in args])
    assert result.exit_code == 2, result.output
    assert "File name too long" in result.output and one_line(result.output), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_init_force_replaces_links_instead_of_writing_through_them(tmp_path: Path) -> None:
    """``init --force`` copied each file through a link at its name, overwriting the
    file the link named; a linked folder would take the whole copy."""
    victim = tmp_path / "victim.yaml"
    victim.write_text("precious", encoding="utf-8")
    project = tmp_path / "project"
    (project / "params").mkdir(parents=True)
    (project / "params" / "defaults.yaml").symlink_to(victim)
    result = CliRunner().invoke(app, ["init", str(project), "--force"])
    assert result.exit_code == 0, result.output
    assert victim.read_text(encoding="utf-8") == "precious"
    assert not (project / "params" / "defaults.yaml").is_symlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "notebooks").symlink_to(elsewhere)
    result = CliRunner().invoke(app, ["init", str(linked), "--force"])
    assert result.exit_code == 2 and "is a link" in result.output and one_line(result.output)
    assert list(elsewhere.iterdir()) == []


def test_lock_holder_record_replaces_a_planted_link(tmp_path: Path) -> None:
    """``<out>/.wbreport.lock.json`` planted as a link: the run's holder record overwrote the
    file it named."""
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (out / ".wbreport.lock.json").symlink_to(victim)
    with RunLock(out) as lock:
        assert f"pid {os.getpid()}" in lock.holder()
    assert victim.read_text(encoding="utf-8") == "precious"


def test_console_lines_show_brackets_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed report's error with "[/bold]" in it (rich markup) raised MarkupError in the
    progress line and ended the whole run with a traceback; a path with it did the same."""
    from types import SimpleNamespace

    from wbreport.cli import ConsoleReporter

    reporter = ConsoleReporter()
    job = SimpleNamespace(name="AL [red]")
    failed = SimpleNamespace(
        status=SimpleNamespace(value="failed"), seconds=0.4, error="[/bold] [link=x]y", cell=2
    )
    reporter.finished(job, failed)
    reporter.message("portal not written: /tmp/[/x]")
    reporter.close()
    shown = capsys.readouterr().err
    assert "AL [red]  failed" in shown and "[/bold] [link=x]y (cell 2)" in shown
    assert "/tmp/[/x]" in shown
    folder = tmp_path / "[/x]"
    (folder / "pkg").mkdir(parents=True)
    shutil.copytree(sample_data_path(), folder / "pkg", dirs_exist_ok=True)
    result = CliRunner().invoke(app, ["validate", "--data", str(folder / "pkg")])
    assert result.exit_code == 0, result.output
    assert "[/x]" in result.output


def test_a_browser_that_fails_to_print_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WBREPORT_CHROMIUM naming a program that exits at once: playwright's launch error went
    up as a traceback after every report had rendered."""
    from wbreport.errors import UsageError
    from wbreport.finish import _pdfs
    from wbreport.options import QuietReporter

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("BrowserType.launch: Browser closed.\n==== logs ====\nmany lines")

    monkeypatch.setattr("wbreport.pdf.print_pdfs", broken)
    with pytest.raises(UsageError, match=r"cannot print PDFs with Chromium: BrowserType\.launch"):
        _pdfs(tmp_path, [], True, QuietReporter())


def test_jobs_are_capped_at_four_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--jobs 100000``: as many kernels (or, with dask, worker processes) as asked."""
    from wbreport.executors import make_executor, max_workers

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert max_workers() == 8
    executor = make_executor("local", 100_000)
    assert executor.workers == 8  # type: ignore[attr-defined]
    assert make_executor("local", 3).workers == 3  # type: ignore[attr-defined]
