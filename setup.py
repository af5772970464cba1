"""Build hook: ship the project's notebooks/ and params/ inside the package.

The canonical copies stay at the top of the repository (what analysts and git see);
at build time they are copied into ``wbreport/project_files/`` of the build, so a wheel or any
non-editable install can run ``wbreport run`` and ``wbreport init`` from anywhere
(see ``wbreport/project.py``). Everything else is configured in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
PARTS = ("notebooks", "params")


class BuildPyWithProject(build_py):
    """``build_py`` that also copies notebooks/ and params/ into ``wbreport/project_files/``."""

    def run(self) -> None:
        super().run()
        if self.dry_run or getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout itself
        target = Path(self.build_lib) / "wbreport" / "project_files"
        for part in PARTS:
            source = HERE / part
            if not source.is_dir():
                raise FileNotFoundError(f"{source} is missing: cannot build wbreport")
            shutil.rmtree(target / part, ignore_errors=True)  # no stale files of an old build
            shutil.copytree(
                source,
                target / part,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )


setup(cmdclass={"build_py": BuildPyWithProject})
