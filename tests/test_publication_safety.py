"""wbreport deletes only what it created (SPEC §7): anything else where it would publish is
refused with exit 2 and left untouched, whatever the partners asked for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wbreport.batch import (
    SET_MARKER,
    check_publishable,
    clean_leftovers,
    make_set,
    publish,
    published,
)
from wbreport.cli import app
from wbreport.errors import UsageError

PERIOD = "2021Q4"


def user_folder(root: Path) -> Path:
    folder = root / "my-documents"
    (folder / "sub").mkdir(parents=True)
    (folder / "thesis.txt").write_text("years of work", encoding="utf-8")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return folder


def intact(folder: Path) -> bool:
    return (folder / "thesis.txt").read_text(encoding="utf-8") == "years of work" and (
        folder / "sub" / "data.csv"
    ).is_file()


def run_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("partners", ["AL", "AL,WB", None])
def test_run_refuses_a_link_to_a_users_folder_and_deletes_nothing(
    tmp_path: Path, partners: str | None
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = user_folder(tmp_path)
    os.symlink(mine, out / PERIOD)
    args = ["--out", str(out), "--period", PERIOD]
    if partners:
        args += ["--partners", partners]
    code, output = run_cli(*args)
    assert code == 2, output
    assert "not a set wbreport created" in output
    assert "Traceback" not in output
    assert intact(mine)
    assert os.readlink(out / PERIOD) == str(mine)  # the link itself is untouched too
    assert not any((out / ".sets").glob(f"{PERIOD}.*")) if (out / ".sets").exists() else True


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_run_refuses_a_plain_folder_or_file_at_the_period(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / PERIOD
    if kind == "folder":
        target.mkdir()
        (target / "notes.txt").write_text("keep", encoding="utf-8")
    else:
        target.write_text("keep", encoding="utf-8")
    code, output = run_cli("--out", str(out), "--period", PERIOD, "--partners", "AL")
    assert code == 2, output
    assert "not a wbreport publication" in output
    kept = target / "notes.txt" if kind == "folder" else target
    assert kept.read_text(encoding="utf-8") == "keep"


def test_a_folder_inside_sets_without_marker_is_not_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".sets").mkdir(parents=True)
    planted = user_folder(out / ".sets")
    os.symlink(os.path.relpath(planted, out), out / PERIOD)
    with pytest.raises(UsageError, match="not a set wbreport created"):
        check_publishable(out, PERIOD)
    assert published(out, PERIOD) is None
    clean_leftovers(out)  # not ours: neither deleted nor emptied
    assert intact(planted)


def test_sets_folder_that_is_a_link_is_refused_and_never_emptied(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim = user_folder(elsewhere)
    (victim / SET_MARKER).write_text("looks like ours\n", encoding="utf-8")
    os.symlink(elsewhere, out / ".sets")
    clean_leftovers(out)
    assert intact(victim)
    with pytest.raises(UsageError, match="not a folder wbreport created"):
        make_set(out, f"{PERIOD}.run")


def test_publish_replaces_and_removes_only_its_own_previous_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = make_set(out, f"{PERIOD}.one")
    publish(out, PERIOD, first)
    assert published(out, PERIOD) == first.resolve()
    second = make_set(out, f"{PERIOD}.two")
    publish(out, PERIOD, second)
    assert published(out, PERIOD) == second.resolve()
    assert not first.exists()  # ours, replaced: removed


def test_publish_refuses_at_the_last_moment_too(tmp_path: Path) -> None:
    """A user's link appearing between planning and publication is still not replaced."""
    out = tmp_path / "out"
    out.mkdir()
    staged = make_set(out, f"{PERIOD}.new")
    mine = user_folder(tmp_path)
    os.symlink(mine, out / PERIOD)
    with pytest.raises(UsageError):
        publish(out, PERIOD, staged)
    assert intact(mine) and os.readlink(out / PERIOD) == str(mine)


def test_dangling_link_into_own_sets_is_replaced_but_one_elsewhere_is_refused(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(".sets/2021Q4.gone", out / PERIOD)
    check_publishable(out, PERIOD)  # a set of ours that a crash removed: fine
    (out / PERIOD).unlink()
    os.symlink(str(tmp_path / "not-there"), out / PERIOD)
    with pytest.raises(UsageError):
        check_publishable(out, PERIOD)


def test_clean_leftovers_removes_only_marked_sets_and_empty_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = make_set(out, f"{PERIOD}.dead")
    empty = out / ".sets" / f"{PERIOD}.killed-before-marker"
    empty.mkdir()
    foreign = user_folder(out / ".sets")
    clean_leftovers(out)
    assert not dead.exists() and not empty.exists()
    assert intact(foreign)


def test_a_run_killed_between_making_its_link_and_swapping_it_in_leaves_nothing(
    tmp_path: Path,
) -> None:
    """A run killed right after it made the temporary link to its new set, before the swap:
    the link made that set count as published, so the set was kept for ever (CI's SIGKILL
    sweep found one left beside the published set)."""
    out = tmp_path / "out"
    out.mkdir()
    live = make_set(out, f"{PERIOD}.live")
    os.symlink(os.path.relpath(live, out), out / PERIOD)
    killed = make_set(out, f"{PERIOD}.killed")
    (killed / "index.html").write_text("x", encoding="utf-8")
    os.symlink(os.path.relpath(killed, out), out / f".{PERIOD}.0badcafe.link")
    clean_leftovers(out)
    assert not killed.exists() and not (out / f".{PERIOD}.0badcafe.link").is_symlink()
    assert (out / PERIOD).resolve() == live.resolve() and (live / ".wbreport-set").is_file()


def test_a_set_killed_while_being_deleted_keeps_its_marker_and_goes_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleting a set removes its marker last: a run killed mid-deletion leaves a set the
    next run still recognises as its own and removes (not an unmarked folder for ever)."""
    import wbreport.publication as publication

    out = tmp_path / "out"
    out.mkdir()
    old = make_set(out, f"{PERIOD}.old")
    for name in ("AL.html", "BA.html", "index.html", "manifest.json"):
        (old / name).write_text("x", encoding="utf-8")
    (old / "notebooks" / "AL.ipynb").write_text("{}", encoding="utf-8")
    removed: list[str] = []
    real_unlink = Path.unlink

    def killed_after_two(self: Path, missing_ok: bool = False) -> None:
        if len(removed) == 2:
            raise KeyboardInterrupt  # the run is killed here
        removed.append(self.name)
        real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        publication.remove_set(old)
    monkeypatch.setattr(Path, "unlink", real_unlink)
    assert SET_MARKER not in removed and (old / SET_MARKER).is_file()
    assert len(list(old.iterdir())) > 1  # partly deleted
    clean_leftovers(out)  # the next run, under the lock
    assert not old.exists()
    assert list((out / ".sets").iterdir()) == []
