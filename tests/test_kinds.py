"""Reports per (partner, kind, language) (SPEC §8, §10): planning without kernels, and a few
short end-to-end runs of a minimal third kind declared in YAML only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from typer.testing import CliRunner

from tests.projects import BRIEF, brief_project, minimal_notebook
from tests.reporting import jobs_by_report, read_manifest
from wbreport.cli import app
from wbreport.config import DEFAULT_LANGUAGES, load_settings
from wbreport.i18n import partner_name, translator
from wbreport.naming import report_file
from wbreport.options import RunOptions
from wbreport.partners import ALL_CODES
from wbreport.pipeline import Pipeline, plan_and_run

PERIOD = "2021Q4"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return brief_project(tmp_path / "project")


def planned_stems(options: RunOptions) -> set[str]:
    """File stems of the reports a run would render (planning only: no kernel, no lock)."""
    pipeline = Pipeline(options)
    planner = pipeline._planner()
    plan = planner.plan(PERIOD)
    return {job.stem for job in plan.jobs}


# --- planning (fast) -----------------------------------------------------------------------------


def test_default_run_plans_english_and_each_partners_languages(
    project: Path, tmp_path: Path
) -> None:
    stems = planned_stems(
        RunOptions(params_dir=project / "params", out=tmp_path / "out", kinds=[BRIEF])
    )
    expected = {f"{code}.{BRIEF}" if lang == "en" else f"{code}.{BRIEF}.{lang}"
                for code, langs in DEFAULT_LANGUAGES.items() for lang in langs}  # fmt: skip
    assert stems == expected
    assert {"AL.brief.sq", "RS.brief.sr-Latn", "ME.brief.cnr", "WB.brief"} <= stems


def test_every_declared_kind_is_planned_by_default(project: Path, tmp_path: Path) -> None:
    settings = load_settings(project / "params")
    assert list(settings.reports) == ["programming", "evaluation", BRIEF]
    stems = planned_stems(
        RunOptions(params_dir=project / "params", out=tmp_path / "out", partners=["RS"])
    )
    assert {"RS", f"RS.{BRIEF}", f"RS.{BRIEF}.sr-Latn", "RS.evaluation"} <= stems


def test_lang_overrides_every_partner_and_a_notebook_without_lang_is_english_only(
    project: Path, tmp_path: Path
) -> None:
    options = RunOptions(
        params_dir=project / "params",
        out=tmp_path / "out",
        partners=["AL", "RS"],
        kinds=[BRIEF],
        languages=["en", "sr-Cyrl"],
    )
    assert planned_stems(options) == {
        "AL.brief", "AL.brief.sr-Cyrl", "RS.brief", "RS.brief.sr-Cyrl"
    }  # fmt: skip
    plain = minimal_notebook(tmp_path / "nb" / "plain.ipynb", with_lang=False)
    options.notebook, options.kinds = plain, None
    assert planned_stems(options) == {"AL", "RS"}


def test_injected_parameters_include_kind_and_lang_only_when_declared(
    project: Path, tmp_path: Path
) -> None:
    options = RunOptions(
        params_dir=project / "params", out=tmp_path / "out", partners=["RS"], kinds=[BRIEF]
    )
    plan = Pipeline(options)._planner().plan(PERIOD)
    by_stem = {job.stem: job for job in plan.jobs}
    job = by_stem["RS.brief.sr-Latn"]
    assert job.parameters["kind"] == BRIEF and job.parameters["lang"] == "sr-Latn"
    # the <title> names the partner in the report's language; a configured pattern stays
    assert job.title == "Srbija — brief 4. kvartal 2021"  # the period in words too
    assert job.html.name == "RS.brief.sr-Latn.html"
    assert job.executed.name == "RS.brief.sr-Latn.ipynb" and job.log.name == "RS.brief.sr-Latn.log"
    plain = minimal_notebook(tmp_path / "nb" / "plain.ipynb", with_lang=False)
    options.notebook, options.kinds = plain, None
    (job,) = Pipeline(options)._planner().plan(PERIOD).jobs
    assert "lang" not in job.parameters and job.parameters["kind"] == "programming"


def test_narratives_of_other_kinds_are_checked(project: Path, tmp_path: Path) -> None:
    narrative = project / "params" / PERIOD / f"RS.{BRIEF}.yaml"
    narrative.write_text("highlight: typo\n", encoding="utf-8")
    options = RunOptions(
        params_dir=project / "params",
        out=tmp_path / "out",
        partners=["RS"],
        kinds=[BRIEF],
        period=PERIOD,
    )
    result = CliRunner().invoke(
        app,
        ["run", "--params", str(project / "params"), "--out", str(tmp_path / "out"),
         "--partners", "RS", "--kinds", BRIEF, "--period", PERIOD],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert f"RS.{BRIEF}.yaml" in result.output and "highlight" in result.output
    assert options.kinds == [BRIEF]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kinds", "nope"], "declared kinds: programming, evaluation, brief"),
        (["--kinds", ","], "--kinds names nothing"),
        (["--lang", "xx"], "unknown language(s) 'xx'"),
        (["--lang", "en,klingon"], "allowed: en, sq"),
    ],
)
def test_unknown_kind_or_language_exits_2(
    project: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(
        app, ["run", "--params", str(project / "params"), "--out", str(tmp_path / "out"), *args]
    )
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("given", "spelled"),
    [(["EN"], ["en"]), (["sr-latn", "SR-CYRL"], ["sr-Latn", "sr-Cyrl"]), (["en", "En"], ["en"])],
)
def test_language_tags_are_case_insensitive(
    tmp_path: Path, given: list[str], spelled: list[str]
) -> None:
    """BCP 47 tags ignore case: ``--lang EN`` is English, not an unknown language, and the
    files keep wbreport's spelling (``RS.sr-Latn.html``)."""
    options = RunOptions(out=tmp_path / "out", languages=given)
    assert Pipeline(options).options.languages == spelled


# --- end to end (short kernels) ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_third_kind_from_yaml_renders_for_all_partners(project: Path, tmp_path: Path) -> None:
    """A notebook plus two lines of YAML: every partner, every one of its languages."""
    result = plan_and_run(
        RunOptions(
            params_dir=project / "params", out=tmp_path / "out", kinds=[BRIEF], period=PERIOD
        )
    )
    assert result.exit_code == 0
    folder = result.periods[0].folder
    jobs = jobs_by_report(folder)
    for code in ALL_CODES:
        for lang in DEFAULT_LANGUAGES[code]:
            job = jobs[(code, BRIEF, lang)]
            name = report_file(code, BRIEF, lang)
            assert job["status"] == "ok" and job["paths"]["html"] == name
            soup = BeautifulSoup((folder / name).read_text(encoding="utf-8"), "html.parser")
            partner = partner_name(code, translator(lang))  # in the report's language
            assert soup.title.get_text() == f"{partner} — brief {translator(lang).period(PERIOD)}"
            who = soup.select_one("p.who")
            assert who is not None and who.get_text() == f"{code} {BRIEF} {lang} {PERIOD}"
    index = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = {a["href"] for a in index.find_all("a")}
    assert {
        report_file(c, BRIEF, lang) for c in ALL_CODES for lang in DEFAULT_LANGUAGES[c]
    } <= links
    portal = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert f'href="{PERIOD}/AL.brief.sq.html"' in portal


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_partners_rs_lang_sr_cyrl_from_the_command_line_with_json(
    project: Path, tmp_path: Path
) -> None:
    notebook = minimal_notebook(tmp_path / "nb" / "report.ipynb")
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "wbreport", "run", "--params", str(project / "params"),
         "--notebook", str(notebook), "--partners", "RS", "--lang", "sr-Cyrl",
         "--period", PERIOD, "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # nothing but the summary on stdout
    assert summary["exit_code"] == 0
    (period,) = summary["periods"]
    (job,) = period["jobs"]
    assert (job["partner"], job["kind"], job["lang"], job["status"]) == (
        "RS", "programming", "sr-Cyrl", "ok"
    )  # fmt: skip
    assert job["seconds"] > 0 and job["error"] == ""
    assert Path(job["paths"]["html"]).name == "RS.sr-Cyrl.html"
    assert Path(job["paths"]["html"]).is_file()
    assert (out / PERIOD / "RS.sr-Cyrl.html").is_file()
    # the period index in English and in Serbian Cyrillic (and so the portal)
    assert set(period["indexes"]) == {"en", "sr-Cyrl"}
    assert Path(period["indexes"]["sr-Cyrl"]).name == "index.sr-Cyrl.html"
    assert all(Path(p).is_file() for p in period["indexes"].values())
    assert (out / "index.sr-Cyrl.html").is_file()
    assert "rendering" not in proc.stdout and "RS.sr-Cyrl" in proc.stderr


@pytest.mark.slow
@pytest.mark.timeout(300, method="thread")
def test_skip_unchanged_per_kind_and_language(project: Path, tmp_path: Path) -> None:
    options = RunOptions(
        params_dir=project / "params",
        out=tmp_path / "out",
        partners=["AL", "RS"],
        kinds=[BRIEF],
        period=PERIOD,
        jobs=1,
    )

    def statuses() -> dict[str, str]:
        result = plan_and_run(options)
        assert result.exit_code == 0
        jobs = read_manifest(result.periods[0].folder)["jobs"]
        return {report_file(j["partner"], j["kind"], j["lang"]): j["status"] for j in jobs}

    pages = ["AL.brief.html", "AL.brief.sq.html", "RS.brief.html", "RS.brief.sr-Latn.html"]

    def after_editing(stem: str, text: str) -> dict[str, str]:
        (project / "params" / PERIOD / f"{stem}.yaml").write_text(text, encoding="utf-8")
        return statuses()

    def rendered(*again: str) -> dict[str, str]:
        return {page: "ok" if page in again else "skipped" for page in pages}

    assert set(statuses().values()) == {"ok"}
    assert statuses() == rendered()
    # RS's narrative of this kind changes both of RS's languages, nothing else
    assert after_editing(f"RS.{BRIEF}", "highlights: new\n") == rendered(
        "RS.brief.html", "RS.brief.sr-Latn.html"
    )
    # RS's Serbian page's own narrative changes that page's key only
    assert after_editing(f"RS.{BRIEF}.sr-Latn", "highlights: novo\n") == rendered(
        "RS.brief.sr-Latn.html"
    )
    # another language for RS only: rendered; the others are carried over as they were
    options.partners, options.languages = ["RS"], ["sr-Cyrl"]
    after = statuses()
    assert after["RS.brief.sr-Cyrl.html"] == "ok"
    assert after["AL.brief.sq.html"] == "skipped" and after["RS.brief.html"] == "skipped"
    folder = tmp_path / "out" / PERIOD
    assert {p.name for p in folder.glob("*.html")} >= {
        "AL.brief.html", "AL.brief.sq.html", "RS.brief.html", "RS.brief.sr-Latn.html",
        "RS.brief.sr-Cyrl.html",
    }  # fmt: skip
