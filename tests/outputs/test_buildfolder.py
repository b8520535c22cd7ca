"""The output folder: written only when the build owns it, swapped in atomically, leftovers of killed builds cleaned."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from graph.outputs import buildfolder
from graph.outputs.buildfolder import MARKER, MARKER_TEXT, OutFolderError, check_owned, stage


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(out: Path, content: str, protected=()) -> None:
    """What the pipeline does around its steps: stage, write, commit."""
    staging, _ = stage(out, protected)
    try:
        (staging.path / "graph.ttl").write_text(content, encoding="utf-8")
        (staging.path / "build-report.json").write_text("{}", encoding="utf-8")
        staging.commit()
    except BaseException:
        staging.discard()
        raise


def test_a_folder_holding_a_file_is_refused_and_untouched(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("precious", encoding="utf-8")
    with pytest.raises(OutFolderError, match=r"mine: refusing to replace this folder: it holds notes.txt"):
        _build(out, "new")
    assert _files(out) == {"notes.txt": b"precious"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"], "nothing was made beside it"


def test_new_empty_and_marked_folders_are_the_builds(tmp_path):
    assert check_owned(tmp_path / "a" / "b") == "new"
    (tmp_path / "empty").mkdir()
    assert check_owned(tmp_path / "empty") == "empty"
    _build(tmp_path / "empty", "one")
    assert check_owned(tmp_path / "empty") == "marked"
    assert (tmp_path / "empty" / MARKER).read_text(encoding="utf-8") == MARKER_TEXT
    _build(tmp_path / "empty", "two")
    assert _files(tmp_path / "empty")["graph.ttl"] == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"], "no staging or old folder left"


def test_protected_paths_are_refused(tmp_path):
    project = tmp_path / "project"
    (project / "data" / "sources").mkdir(parents=True)
    source = project / "data" / "sources" / "a.txt"
    source.write_text("x", encoding="utf-8")
    protected = [("the project's root", project), ("a source text", source)]
    for out, words in ((project, "it is the project's root"), (project / "data", "it holds a source text"),
                       (tmp_path, "it holds the project's root"), (Path("/"), "it holds the project's root")):
        with pytest.raises(OutFolderError, match=words):
            check_owned(out, protected)
    assert check_owned(project / "build", protected) == "new"


def test_a_file_or_a_path_through_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutFolderError, match="is a file, not a folder"):
        check_owned(tmp_path / "f")
    with pytest.raises(OutFolderError, match=r"cannot be created: .*f is a file"):
        check_owned(tmp_path / "f" / "out")


def test_an_unwritable_parent_is_a_clear_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(buildfolder.tempfile, "mkdtemp", refuse)
    with pytest.raises(OutFolderError, match=r"out: cannot write beside it in .*: Permission denied"):
        stage(tmp_path / "out")


def test_a_build_folder_from_before_the_marker_is_replaced_only_if_it_holds_only_build_outputs(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    for name in ("graph.ttl", "build-report.json"):
        (legacy / name).write_text("old", encoding="utf-8")
    assert check_owned(legacy) == "legacy"
    _build(legacy, "new")
    assert _files(legacy)["graph.ttl"] == b"new" and check_owned(legacy) == "marked"

    other = tmp_path / "other"
    other.mkdir()
    for name in ("graph.ttl", "build-report.json", "thesis.docx"):
        (other / name).write_text("old", encoding="utf-8")
    with pytest.raises(OutFolderError, match="holds thesis.docx, which this build does not write"):
        _build(other, "new")
    assert _files(other) == {"build-report.json": b"old", "graph.ttl": b"old", "thesis.docx": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["legacy", "other"]


def test_a_symlinked_out_keeps_its_link(tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    _build(link, "one")
    _build(link, "two")
    assert link.is_symlink() and _files(real)["graph.ttl"] == b"two"


def test_leftovers_of_killed_builds_are_cleaned_but_not_foreign_or_running_ones(tmp_path):
    out = tmp_path / "out"
    _build(out, "one")
    dead = tmp_path / ".out.staging-abcdefgh"
    running = tmp_path / ".out.staging-runrunru"
    foreign = tmp_path / ".out.staging-mine1234"
    for folder in (dead, running, foreign):
        folder.mkdir()
        (folder / "graph.ttl").write_text("half", encoding="utf-8")
    for folder in (dead, running):
        (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    lock = os.open(running / MARKER, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX)  # as the running build holds it
    try:
        staging, notes = stage(out)
        staging.discard()
    finally:
        os.close(lock)
    assert not dead.exists(), "a killed build's staging folder is removed"
    assert running.exists(), "a running build's staging folder is left alone"
    assert foreign.exists() and any("mine1234" in note and "not removed" in note for note in notes)


def test_without_rename_exchange_the_two_renames_are_undone_when_the_second_fails(tmp_path, monkeypatch):
    out = tmp_path / "out"
    _build(out, "old")
    monkeypatch.setattr(buildfolder, "exchange", lambda a, b: False)
    real_rename, calls = os.rename, []

    def rename(a, b):
        calls.append((a, b))
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_rename(a, b)

    monkeypatch.setattr(buildfolder.os, "rename", rename)
    with pytest.raises(OSError, match="No space left"):
        _build(out, "new")
    monkeypatch.setattr(buildfolder.os, "rename", real_rename)
    assert _files(out)["graph.ttl"] == b"old", "the previous output is back where it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    _build(out, "new")  # and the fallback swaps when nothing fails
    assert _files(out)["graph.ttl"] == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_old_output_moved_aside_by_a_killed_fallback_swap_comes_back(tmp_path):
    out = tmp_path / "out"
    _build(out, "old")
    aside = tmp_path / ".out.old-abcdefgh"
    os.rename(out, aside)  # killed between the two renames
    staging, _ = stage(out)
    assert _files(out)["graph.ttl"] == b"old", "restored before the build goes on"
    staging.discard()


def test_rename_exchange_swaps_folders_here(tmp_path):
    """The atomic path is the one taken on this platform (Linux, ext4/tmpfs); a fallback is only a fallback."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a", encoding="utf-8")
    if not buildfolder.exchange(a, b):
        pytest.skip("this platform or filesystem has no rename-exchange")
    assert (b / "x").read_text(encoding="utf-8") == "a" and not (a / "x").exists()
