"""The thin CLI: build_graph.py and `hqkg`, their help, exit codes and error messages."""
from __future__ import annotations

import pytest

import subprocess
import sys
from pathlib import Path

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
