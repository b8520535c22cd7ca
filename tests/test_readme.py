"""The README cannot lie: its two opening commands are the ones CI and the Makefile run."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _opening_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < 200, "README must open with its commands"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_build_and_test_commands():
    assert _opening_commands() == ["make build", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith(("#", "set ", "cd ", "export "))]
    assert commands == [_opening_commands()[1]], f".ci/run runs {commands}"


def test_makefile_targets_install_then_run():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^build: install\n\t\$\(PY\) build_graph.py$", makefile, re.M)
    assert re.search(r"^test: install-test browser stores\n\t\$\(PY\) -m pytest", makefile, re.M)
