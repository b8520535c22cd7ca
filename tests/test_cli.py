"""The thin CLI: build_graph.py and `hqkg`, their help, exit codes and error messages."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "data"


def _commands(group=main, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


def test_every_command_has_help():
    runner = CliRunner()
    for path, command in _commands():
        assert command.help, f"hqkg {' '.join(path)} has no help text"
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, f"hqkg {' '.join(path)} --help failed"


@pytest.mark.slow
def test_build_graph_py_builds_a_text(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, str(ROOT / "build_graph.py"), "--source",
                             str(FIXTURES / "pipeline" / "unseen-huzhou-measures.txt"), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "built 1 document(s), 3 measures" in result.stdout
    assert (out / "graph.ttl").stat().st_size > 0 and (out / "candidates.csv").exists()


def test_build_error_is_one_clear_line_and_exit_1(tmp_path):
    bad = FIXTURES / "pipeline" / "broken-numbering.txt"
    result = CliRunner().invoke(main, ["build", "--source", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"error: {bad}:9: measure numbering repeated or out of order" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_missing_source_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["build", "--source", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "does not exist" in result.output


def _run_build(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "build_graph.py"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


def test_out_holding_a_file_is_refused_and_the_file_kept(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious\n", encoding="utf-8")
    result = _run_build("--out", str(mine), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert f"error: {mine}: refusing to replace this folder: it holds notes.txt" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in mine.iterdir()] == ["notes.txt"] and (mine / "notes.txt").read_text() == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]


def test_out_dot_in_a_clone_refuses_and_keeps_the_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True, timeout=300)
    before = sorted(p.name for p in clone.iterdir())
    assert {".git", "data", "graph"} <= set(before)
    result = subprocess.run([sys.executable, str(clone / "build_graph.py"), "--out", "."], capture_output=True,
                            text=True, cwd=clone, timeout=600)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "refusing to write the build there: it is the project's root" in result.stderr
    assert sorted(p.name for p in clone.iterdir()) == before
    status = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=clone)
    assert status.stdout == "", status.stdout


def _entities_with(tmp_path: Path, name: str, old: str, new: str) -> Path:
    entities = tmp_path / "entities"
    shutil.copytree(ROOT / "data" / "entities", entities)
    text = (entities / name).read_text(encoding="utf-8")
    assert old in text
    (entities / name).write_text(text.replace(old, new, 1), encoding="utf-8")
    return entities


@pytest.mark.parametrize("name,old,new,words", [
    ("documents.yaml", 'date_public: "2023-08-16"', 'date_public: "2023-13-45"', "must be a real date"),
    ("documents.yaml", 'date_public: "2023-08-16"', "date_public: 2023-02-30", "must be a real date"),
    ("documents.yaml", "status: verified", "status: [verified]", "status must be one of"),
    ("documents.yaml", "status: verified", "status: {a: b}", "status must be one of"),
    ("regions.yaml", "- id:", "- id: [", "YAML syntax error"),
])
def test_bad_curated_data_is_one_clear_line(tmp_path, name, old, new, words):
    entities = _entities_with(tmp_path, name, old, new)
    result = CliRunner().invoke(main, ["build", "--entities", str(entities), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert line.startswith(f"error: {entities / name}:") and words in line, line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("how", ["missing", "empty", "folder"])
def test_a_missing_regions_file_is_blamed_on_itself(tmp_path, how):
    entities = _entities_with(tmp_path, "regions.yaml", "- id:", "- id:")
    regions = entities / "regions.yaml"
    regions.unlink()
    {"missing": lambda: None, "empty": lambda: regions.write_text(""), "folder": regions.mkdir}[how]()
    result = CliRunner().invoke(main, ["build", "--entities", str(entities), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"error: {regions}:1: " in result.output, result.output


def test_floors_and_other_inputs_fail_with_file_and_line(tmp_path):
    floors = tmp_path / "floors.yaml"
    floors.write_text("every_document:\n  min_measures: [\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--floors", str(floors), "--graph", str(tmp_path / "none.ttl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["build", "--source", str(fifo), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"error: {fifo}:1: is not a regular file (a FIFO)" in result.output
    text = FIXTURES / "pipeline" / "unseen-huzhou-measures.txt"
    result = CliRunner().invoke(main, ["build", "--source", str(text), "--max-source-bytes", "100",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "over the source size limit of 100 bytes" in result.output
    assert "--max-source-bytes" in result.output
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(main, ["build", "--source", str(text), "--out", str(tmp_path / "file" / "out")])
    assert result.exit_code == 1 and "is a file, not a folder" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_hermit_runs_from_the_root_folder_and_a_fallback_is_said_once(tmp_path):
    import json
    import shutil as sh

    if sh.which("java") is None:
        pytest.skip("no Java")
    text = FIXTURES / "pipeline" / "unseen-huzhou-measures.txt"
    result = subprocess.run([sys.executable, str(ROOT / "build_graph.py"), "--source", str(text), "--out",
                             str(tmp_path / "out"), "--reasoner", "auto", "--only", "reason", "--only", "report"],
                            capture_output=True, text=True, cwd="/", timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "out" / "build-report.json").read_text(encoding="utf-8"))
    assert report["reasoning"]["method"] == "hermit", report["reasoning"]["why"]
    # without java on PATH the rules reason, and the terminal says so once
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run([sys.executable, str(ROOT / "build_graph.py"), "--source", str(text), "--out",
                             str(tmp_path / "out"), "--reasoner", "auto", "--only", "reason", "--only", "report"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: HermiT could not run")]
    assert len(warnings) == 1 and "java is not on PATH" in warnings[0], result.stderr
