"""Any install works (SPEC §7, issue 14 item 10): the wheel ships the notebooks and params,
``wbreport run`` works from any directory, ``wbreport init`` makes a project folder that
``run`` uses."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

import wbreport.project as project
from wbreport.cli import app

ROOT = Path(__file__).resolve().parent.parent
MARKER = "Analyst marker edited-in-the-project-4711"


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


# --- fast: where a run's notebooks and params come from ----------------------------------------


def test_a_project_folder_in_the_working_directory_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _cli("init", str(tmp_path / "proj"))
    assert code == 0, output
    assert (tmp_path / "proj" / "notebooks" / "report.ipynb").is_file()
    assert (tmp_path / "proj" / "params" / "defaults.yaml").is_file()
    monkeypatch.chdir(tmp_path / "proj")
    assert project.project_dir() == tmp_path / "proj"
    monkeypatch.chdir(tmp_path)
    assert project.project_dir() == project.defaults_dir() == ROOT  # the source checkout


def test_without_a_checkout_the_shipped_copies_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = tmp_path / "site-packages" / "wbreport"
    installed.mkdir(parents=True)
    monkeypatch.setattr(project, "PACKAGE", installed)
    monkeypatch.chdir(tmp_path)
    assert project.project_dir() == installed / "project_files"


def test_init_copies_the_notebooks_and_params_of_wbreport(tmp_path: Path) -> None:
    assert _cli("init", str(tmp_path / "new" / "deeper"))[0] == 0
    for part in ("notebooks", "params"):
        mine = sorted(p.relative_to(ROOT / part) for p in (ROOT / part).rglob("*") if p.is_file())
        copied = tmp_path / "new" / "deeper" / part
        assert sorted(p.relative_to(copied) for p in copied.rglob("*") if p.is_file()) == mine


def test_init_refuses_a_folder_that_is_not_empty_or_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, output = _cli("init", str(folder))
    assert code == 2 and "not empty" in output and "--force" in output
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    code, output = _cli("init", str(folder), "--force")
    assert code == 0, output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    assert (folder / "notebooks" / "report.ipynb").is_file()
    code, output = _cli("init", str(folder / "notes.txt"))
    assert code == 2 and "is a file" in output and "Traceback" not in output


@pytest.mark.parametrize("folder", ["", "  "])
def test_init_refuses_an_empty_folder_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """``wbreport init "$DIR"`` with DIR unset: ``""`` used to mean the current folder and
    ``" "`` made a folder named by a blank."""
    monkeypatch.chdir(tmp_path)
    code, output = _cli("init", folder)
    assert code == 2
    assert output.startswith("error: the project folder is empty: give a folder, '.' for this one")
    assert list(tmp_path.iterdir()) == []


def test_init_hint_quotes_the_folder_for_the_shell(tmp_path: Path) -> None:
    folder = tmp_path / "Q3 reports"
    code, output = _cli("init", str(folder))
    assert code == 0, output
    assert f"cd '{folder}' && wbreport run" in output


# --- slow: a real wheel in a fresh venv ----------------------------------------------------------


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with wbreport installed from a wheel built from this checkout.

    The venv borrows the dependencies from the environment running the tests (its
    site-packages directories are appended to the venv's path by a ``.pth`` file, whose
    own ``.pth`` files — such as an editable install of wbreport — are not processed), so
    nothing is downloaded but the build requirements; wbreport itself comes from the
    wheel (checked by the tests), never from the source tree.
    """
    work = tmp_path_factory.mktemp("install")
    wheels = work / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", str(ROOT), "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=600,
        env=_clean_env(work),
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheels.glob("wbreport-*.whl")
    env_dir = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    python = env_dir / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    borrowed = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(own) / "_borrowed_dependencies.pth").write_text(
        "".join(f"{p}\n" for p in borrowed), encoding="utf-8"
    )
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        env=_clean_env(work),
        timeout=300,
    )
    return env_dir


def _clean_env(work: Path) -> dict[str, str]:
    """The environment without PYTHONPATH (so nothing imports the checkout), temp in ``work``.

    Jupyter data (nbconvert's templates) are looked up under the venv's prefix only; point
    JUPYTER_PATH at those of the environment whose packages the venv borrows. A venv
    with its own dependencies needs nothing of this.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TMPDIR"] = str(work)
    prefixes = dict.fromkeys((sys.prefix, sys.base_prefix))
    data = [str(Path(p) / "share" / "jupyter") for p in prefixes]
    env["JUPYTER_PATH"] = os.pathsep.join([*filter(None, [env.get("JUPYTER_PATH")]), *data])
    return env


def _wbreport(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "wbreport"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=_clean_env(venv.parent),
    )


@pytest.mark.slow
def test_wheel_ships_the_project_and_renders_from_root(venv: Path, tmp_path: Path) -> None:
    python = venv / "bin" / "python"
    where = subprocess.run(
        [str(python), "-c", "import wbreport.project as p; print(p.__file__, p.project_dir())"],
        cwd="/",
        capture_output=True,
        text=True,
        env=_clean_env(venv.parent),
        check=True,
    ).stdout.split()
    assert where[0].startswith(str(venv)) and not where[0].startswith(str(ROOT / "wbreport"))
    assert where[1].startswith(str(venv)) and where[1].endswith("wbreport/project_files")
    out = tmp_path / "out"
    run = _wbreport(venv, "run", "--out", str(out), "--partners", "AL", cwd=Path("/"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert (out / "2021Q4" / "AL.html").is_file()
    manifest = json.loads((out / "2021Q4" / "manifest.json").read_text(encoding="utf-8"))
    notebooks = json.dumps(manifest)
    assert str(venv) in notebooks and str(ROOT / "notebooks") not in notebooks


@pytest.mark.slow
def test_init_folder_is_used_by_run_inside_it(venv: Path, tmp_path: Path) -> None:
    init = _wbreport(venv, "init", "proj", cwd=tmp_path)
    assert init.returncode == 0, init.stdout + init.stderr
    notebook = tmp_path / "proj" / "notebooks" / "report.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(MARKER))
    nbformat.write(nb, notebook)
    run = _wbreport(venv, "run", "--out", "out", "--partners", "AL", cwd=tmp_path / "proj")
    assert run.returncode == 0, run.stdout + run.stderr
    html = (tmp_path / "proj" / "out" / "2021Q4" / "AL.html").read_text(encoding="utf-8")
    assert MARKER in html
