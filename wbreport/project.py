"""Where a run's notebooks/ and params/ come from, and ``wbreport init`` (SPEC §7).

Three places, first match wins:

1. the working directory when it is a project folder (it has ``notebooks/report.ipynb``
   or ``params/defaults.yaml``):
   a folder made by ``wbreport init`` that an analyst edits, or the source checkout;
2. the source checkout this package was imported from (an editable install);
3. the copies shipped inside the package, ``wbreport/project_files/`` (a wheel or any
   non-editable install). ``setup.py`` copies the checkout's ``notebooks/`` and
   ``params/`` there at build time, so git holds one copy of each file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from wbreport.errors import UsageError

__all__ = [
    "PROJECT_PARTS",
    "defaults_dir",
    "init_project",
    "is_project",
    "is_stock_example",
    "project_dir",
    "sample_data_path",
]

PACKAGE = Path(__file__).resolve().parent
PROJECT_PARTS = ("notebooks", "params")
MARKER = Path("notebooks") / "report.ipynb"


def sample_data_path() -> Path:
    """Folder of the illustrative sample package shipped inside wbreport."""
    return PACKAGE / "sample_data"


def is_project(folder: Path) -> bool:
    """Whether ``folder`` is a project: it holds ``notebooks/report.ipynb``, or the
    ``params/defaults.yaml`` that names its notebooks (its report notebook renamed, the
    folder used wbreport's stock notebooks and narratives without a word)."""
    return (folder / MARKER).is_file() or (folder / "params" / "defaults.yaml").is_file()


def defaults_dir() -> Path:
    """wbreport's own notebooks and params: the source checkout, else the shipped copies."""
    checkout = PACKAGE.parent
    if is_project(checkout) and (checkout / "pyproject.toml").is_file():
        return checkout
    return PACKAGE / "project_files"


def is_stock_example(params_dir: Path, period: str, name: str) -> bool:
    """Whether ``params_dir/<period>/<name>`` is one of wbreport's illustrative narratives
    as shipped (byte for byte): written for the sample data, so not for anyone else's. An
    analyst's edit makes the file theirs."""
    own = params_dir / period / name
    stock = defaults_dir() / "params" / period / name
    try:
        return own.is_file() and stock.is_file() and own.read_bytes() == stock.read_bytes()
    except OSError:
        return False


def project_dir() -> Path:
    """The folder whose ``notebooks/`` and ``params/`` a run uses (see the module doc)."""
    cwd = Path.cwd()
    return cwd if is_project(cwd) else defaults_dir()


def _copy_over(source: str, target: str) -> str:
    """Copy ``source`` aside, then rename it over ``target``: a link at ``target`` is
    replaced, never followed (``init --force`` overwrote the file a link named)."""
    from wbreport.publication import written_aside

    with written_aside(Path(target)) as temp:
        shutil.copy2(source, temp)
    return target


def init_project(folder: Path, force: bool = False) -> list[Path]:
    """Copy wbreport's ``notebooks/`` and ``params/`` into ``folder`` for an analyst to edit.

    Parameters
    ----------
    folder
        The project folder; created when missing.
    force
        Write into a folder that is not empty (files of the same name are replaced,
        others are kept).

    Returns
    -------
    list[pathlib.Path]
        The folders written (``folder/notebooks``, ``folder/params``).

    Raises
    ------
    UsageError
        When ``folder`` is a file, or is not empty and ``force`` is not given, or
        cannot be written.
    """
    from wbreport.publication import refuse_inside_sets

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder: choose a folder for the project")
    refuse_inside_sets(folder, "project")
    try:
        entries = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    except OSError as exc:
        raise UsageError(f"cannot read folder {folder}: {exc.strerror or exc}") from None
    if entries and not force:
        shown = ", ".join(entries[:5]) + (", …" if len(entries) > 5 else "")
        raise UsageError(
            f"{folder} is not empty ({shown}); init would overwrite files there: "
            "choose an empty or new folder, or add --force"
        )
    source = defaults_dir()
    written = []
    try:
        for part in PROJECT_PARTS:
            if (folder / part).is_symlink():  # --force writes into the folder, not through links
                raise UsageError(f"{folder / part} is a link; init will not write through it")
            shutil.copytree(
                source / part,
                folder / part,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
                copy_function=_copy_over,
            )
            written.append(folder / part)
    except OSError as exc:
        raise UsageError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    return written
