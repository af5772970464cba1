"""Files and folders the user may not read or write: one clear line and exit 2, never a
traceback, and nothing of the user's changed.

Root reads and writes anything, and CI runs as root, so each case runs the real command
line in a process without the capabilities that let root ignore file permissions
(``setpriv`` drops them from the bounding set before ``exec``): the kernel then refuses
as it would for any analyst's account.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.formats import to_sqlite, to_xlsx
from tests.reporting import wbreport

ROOT = Path(__file__).resolve().parents[1]
SETPRIV = shutil.which("setpriv")
NO_SETPRIV = "running as root and setpriv (util-linux) is not installed to drop root's rights"
# Skipped on a developer's machine without setpriv; in CI (which installs it) they must run.
pytestmark = pytest.mark.skipif(
    os.geteuid() == 0 and SETPRIV is None and not os.environ.get("CI"), reason=NO_SETPRIV
)


def as_ordinary_user(*args: str) -> tuple[int, str]:
    """``python -m wbreport ARGS`` where file permissions apply (exit code, all output)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if SETPRIV is None:
            pytest.fail(NO_SETPRIV)
        prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search,-fowner"]
    done = wbreport(*args, cwd=ROOT, prefix=prefix)
    return done.returncode, done.stdout + done.stderr


def test_the_check_really_runs_without_roots_rights(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("x", encoding="utf-8")
    secret.chmod(0)
    code, output = as_ordinary_user("validate", "--data", str(secret))
    assert code == 2 and "not readable" in output, output


def test_an_unreadable_table_is_one_problem_naming_the_file(handmade_package: Path) -> None:
    (handmade_package / "participation.csv").chmod(0)
    code, output = as_ordinary_user("validate", "--data", str(handmade_package))
    assert code == 2, output
    assert "1 problem(s)" in output, output
    assert "participation.csv — cannot read file: Permission denied" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("form", ["folder", "xlsx", "sqlite"])
def test_an_unreadable_package_is_refused_with_its_path(
    handmade_package: Path, tmp_path: Path, form: str
) -> None:
    target = {
        "folder": handmade_package,
        "xlsx": tmp_path / "package.xlsx",
        "sqlite": tmp_path / "package.db",
    }[form]
    if form == "xlsx":
        to_xlsx(handmade_package, target)
    elif form == "sqlite":
        to_sqlite(handmade_package, target)
    target.chmod(0)
    code, output = as_ordinary_user("validate", "--data", str(target))
    assert code == 2, output
    # one line with the whole path, however long (CI's temporary paths are)
    assert output == (
        f"error: Invalid value for '--data': path {str(target)!r} is not readable"
        " (see 'python -m wbreport validate --help')\n"
    )


def test_a_database_in_a_folder_that_cannot_be_written_is_read(
    handmade_package: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    to_sqlite(handmade_package, folder / "package.db")
    folder.chmod(0o555)  # opened read-only: no journal is created beside it
    code, output = as_ordinary_user("validate", "--data", str(folder / "package.db"))
    assert code == 0, output
    assert sorted(p.name for p in folder.iterdir()) == ["package.db"]


def test_an_output_folder_that_cannot_be_written_is_refused_and_kept(tmp_path: Path) -> None:
    out = tmp_path / "outputs"
    (out / "2021Q4").mkdir(parents=True)
    (out / "2021Q4" / "AL.html").write_text("the last set", encoding="utf-8")
    out.chmod(0o555)
    code, output = as_ordinary_user("run", "--out", str(out), "--partners", "AL")
    assert code == 2, output
    assert output.strip() == f"error: cannot write to the output folder {out}: permission denied"
    assert sorted(p.name for p in out.iterdir()) == ["2021Q4"]
    assert (out / "2021Q4" / "AL.html").read_text(encoding="utf-8") == "the last set"


def test_unreadable_params_and_notebook_are_refused_before_any_report(tmp_path: Path) -> None:
    params = tmp_path / "params"
    params.mkdir()
    defaults = params / "defaults.yaml"
    defaults.write_text("rag: {}\n", encoding="utf-8")
    defaults.chmod(0)
    out = tmp_path / "outputs"
    code, output = as_ordinary_user("run", "--out", str(out), "--params", str(params))
    assert code == 2, output
    assert f"{defaults} — cannot read YAML file: Permission denied" in output, output
    assert "Traceback" not in output and not out.exists()

    notebook = tmp_path / "report.ipynb"
    shutil.copy(ROOT / "notebooks" / "report.ipynb", notebook)
    notebook.chmod(0)
    code, output = as_ordinary_user("run", "--out", str(out), "--notebook", str(notebook))
    assert code == 2 and output.startswith("error: ") and output.count("\n") == 1, output
    assert f"{str(notebook)!r} is not readable" in output
    assert not out.exists()
