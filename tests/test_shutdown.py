"""Bounded shutdowns and no leftovers (issue 14, items 3 and 8).

Overlapping ``run --force`` on one ``--out`` never crashes (libzmq abort, exit 134) or hangs
(``zmq_ctx_term``); SIGTERM stops a run as Ctrl-C does and leaves nothing in its TMPDIR; an
unwritable HOME leaves no temp folders; temp folders of dead runs are removed at start.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.test_reliability import _alive, kernel_processes, params_dir
from wbreport.runtime import (
    Terminated,
    remove_stale,
    run_environment,
    temp_dir,
    temp_name,
    unwritable_homes,
)

HOME_VARS = (
    "IPYTHONDIR",
    "MPLCONFIGDIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_DATA_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in HOME_VARS}
    return {**env, **extra}


def _start(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wbreport", "run", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _finish(proc: subprocess.Popen[str], timeout: float) -> str:
    """Wait for ``proc`` at most ``timeout`` s (killed and failed otherwise); its stderr."""
    return _outputs(proc, timeout)[1]


def _outputs(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """Wait for ``proc`` at most ``timeout`` s (killed and failed otherwise); its stdout and
    stderr."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stderr = proc.communicate()[1]
        pytest.fail(f"wbreport run still running after {timeout:g} s:\n{stderr[-2000:]}")


def _leftovers(tmp: Path) -> list[str]:
    """What a run left in its TMPDIR: wbreport's folders, kernel connection files, and the
    folders IPython and matplotlib make when they cannot write HOME."""
    return sorted(
        p.name
        for p in tmp.iterdir()
        if p.name.startswith(("wbreport-", "kernel-", "tmp", "matplotlib-"))
    )


# --- unit: names, stale entries, SIGTERM, HOME ----------------------------------------------


def test_temp_names_carry_the_pid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    made = Path(temp_dir("kernel"))
    assert made.parent == tmp_path
    assert made.name.startswith(f"wbreport-kernel-{os.getpid()}-")
    assert temp_name("job") == f"wbreport-job-{os.getpid()}-"
    with pytest.raises(ValueError):
        temp_name("other")


def test_stale_entries_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getppid()
    stale = [
        tmp_path / f"wbreport-kernel-{dead.pid}-abc",
        tmp_path / f"wbreport-job-{dead.pid}-def",
        tmp_path / f"wbreport-run-{dead.pid}-ghi",
    ]
    kept = [
        tmp_path / f"wbreport-kernel-{live}-abc",  # a live run's
        tmp_path / f"wbreport-job-{os.getpid()}-x",  # ours
        tmp_path / "wbreport-bench-abc",  # not a run's
        tmp_path / "wbreport-kernel-abc",  # no pid: not ours to judge
        tmp_path / "other",
    ]
    for folder in stale + kept:
        (folder / "kernels").mkdir(parents=True)
    (tmp_path / f"wbreport-job-{dead.pid}-file").write_text("x")
    stale.append(tmp_path / f"wbreport-job-{dead.pid}-file")
    assert sorted(remove_stale(tmp_path)) == sorted(stale)
    assert sorted(p for p in tmp_path.iterdir()) == sorted(kept)


def test_sigterm_raises_terminated_and_handler_is_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated) as caught, run_environment():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted by the handler
    assert isinstance(caught.value, KeyboardInterrupt) and caught.value.exit_code == 143
    assert signal.getsignal(signal.SIGTERM) == before


def test_unwritable_home_gets_per_run_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    for name in HOME_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr("tempfile.tempdir", None)
    (tmp_path / "tmp").mkdir()
    assert unwritable_homes() == ["IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR"]
    with run_environment() as run_dir:
        assert run_dir is not None and run_dir.name.startswith(f"wbreport-run-{os.getpid()}-")
        for name in ("IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_RUNTIME_DIR"):
            assert Path(os.environ[name]).parent == run_dir
    assert not run_dir.exists()
    assert not any(os.environ.get(n) for n in ("IPYTHONDIR", "MPLCONFIGDIR"))
    monkeypatch.setenv("HOME", str(tmp_path / "writable"))
    (tmp_path / "writable").mkdir()
    assert unwritable_homes() == []
    with run_environment() as run_dir:
        assert run_dir is None


def test_a_variable_naming_no_writable_folder_gets_a_per_run_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IPYTHONDIR set to a file: IPython warned, made temp folders of its own and left them
    in TMPDIR after every run. It is replaced for the run like an unwritable HOME's."""
    (tmp_path / "home").mkdir()
    for name in HOME_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    monkeypatch.setenv("IPYTHONDIR", str(a_file))
    assert unwritable_homes() == ["IPYTHONDIR"]
    with run_environment() as run_dir:
        assert run_dir is not None and Path(os.environ["IPYTHONDIR"]).parent == run_dir
    assert os.environ["IPYTHONDIR"] == str(a_file) and not run_dir.exists()
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))  # a writable folder is used as it is
    assert unwritable_homes() == []


# --- end to end ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.longest
@pytest.mark.timeout(1200, method="thread")  # 20 runs; each one is bounded below (120/180 s)
def test_overlapping_force_runs_never_crash_or_hang(tmp_path: Path) -> None:
    """Ten rounds of two ``run --force`` on one ``--out``, the second with ``--jobs 7`` and
    started a little later each round: each ends (0, or 3 when the other holds the lock) in
    bounded time, never aborts (134) or hangs, and no kernel outlives them."""
    # Timeouts bound a hang without failing a report on a busy machine (exit 1 is not the
    # point here; a crash or a hang is).
    params = params_dir(tmp_path, "timeouts: {cell_seconds: 30, job_seconds: 60}\n")
    out = tmp_path / "out"
    env = _env()
    # one report a run: the lock, kernels and ZMQ contexts are what overlap, not the reports
    common = ("--out", str(out), "--partners", "AL", "--force", "--params", str(params))
    common += ("--kinds", "programming", "--lang", "en")
    codes: list[tuple[int, int]] = []
    for round_ in range(10):
        first = _start(*common, env=env)
        time.sleep(0.3 * round_)
        second = _start(*common, "--jobs", "7", env=env)
        pids = [first.pid, second.pid]
        second_err = _finish(second, timeout=120)
        first_err = _finish(first, timeout=180)
        for proc, stderr in ((first, first_err), (second, second_err)):
            assert proc.returncode in (0, 3), (round_, proc.returncode, stderr[-2000:])
            assert "Assertion failed" not in stderr and "Traceback" not in stderr, stderr
        codes.append((first.returncode, second.returncode))
        left = [p for pid in pids for p in kernel_processes(pid)]
        _, alive = psutil.wait_procs(left, timeout=5)
        for proc in alive:
            proc.kill()
        assert alive == [], round_
    print("overlapping runs (first, second):", codes)
    assert any(3 in pair for pair in codes)  # the runs did overlap


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_sigterm_mid_run_leaves_nothing_behind(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    (tmp / f"wbreport-kernel-{2**22 + 12345}-stale").mkdir()  # a dead run's (pid unused)
    out = tmp_path / "out"
    runner = _start(
        "--out",
        str(out),
        "--partners",
        "AL,WB",
        "--force",
        "--jobs",
        "2",
        "--json",
        env=_env(TMPDIR=str(tmp)),
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and runner.poll() is None:
        if list(tmp.glob("wbreport-job-*")) and kernel_processes(runner.pid):
            break  # a report is executing
        time.sleep(0.05)
    assert runner.poll() is None, runner.communicate()[1]
    kernels = kernel_processes(runner.pid)
    assert kernels
    assert not (tmp / f"wbreport-kernel-{2**22 + 12345}-stale").exists()  # removed at start
    runner.send_signal(signal.SIGTERM)
    stdout, stderr = _outputs(runner, timeout=60)
    alive = [p for p in kernels if _alive(p)]
    for proc in alive:
        proc.kill()
    assert runner.returncode == 143, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    message = "interrupted: kernels stopped; the last published reports are unchanged"
    # a scheduler stopping the service still gets the summary in its documented shape
    assert json.loads(stdout) == {
        "exit_code": 143,
        "errors": [message],
        "problems": [],
        "periods": [],
    }
    assert alive == []
    assert _leftovers(tmp) == []


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_unwritable_home_leaves_nothing_behind(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    runner = _start(
        "--out",
        str(tmp_path / "out"),
        "--partners",
        "AL",
        "--force",
        env=_env(TMPDIR=str(tmp), HOME=str(home)),
    )
    stderr = _finish(runner, timeout=240)
    assert runner.returncode == 0, stderr
    assert (tmp_path / "out" / "2021Q4" / "AL.html").is_file()
    assert _leftovers(tmp) == []
    assert sorted(p.name for p in tmp.iterdir()) == []


def test_sighup_stops_a_run_like_sigterm_unless_ignored() -> None:
    """A closed terminal or SSH session (SIGHUP) killed the runner without clean-up, leaving
    its temp folders; it now stops the run as SIGTERM does (exit 129). Under nohup
    (SIGHUP ignored) it stays ignored."""
    before = signal.getsignal(signal.SIGHUP)
    with pytest.raises(Terminated) as caught, run_environment():
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(5)  # interrupted by the handler
    assert caught.value.exit_code == 129
    assert signal.getsignal(signal.SIGHUP) == before
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with run_environment():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)
