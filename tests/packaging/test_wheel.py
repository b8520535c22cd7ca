"""The package installs: a wheel built from the repository, installed (not editable) in a fresh venv, run from a
folder outside the checkout, lists every named question and builds the default graph."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from graph import resources

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _setup_trees() -> tuple[str, ...]:
    text = (ROOT / "setup.py").read_text(encoding="utf-8")
    return tuple(eval(text.split("TREES = ", 1)[1].split("#", 1)[0]))  # a literal tuple of names


def test_setup_copies_exactly_the_trees_resources_reads():
    assert _setup_trees() == resources.BUNDLED_TREES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, text=True, cwd=out)
    (found,) = out.glob("hongqiao_kg-*.whl")
    return found


def test_the_wheel_carries_the_ontology_queries_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("graph/_resources/ontology/hongqiao.ttl", "graph/_resources/ontology/shapes.ttl",
                 "graph/_resources/data/floors.yaml", "graph/_resources/data/entities/regions.yaml",
                 "graph/_resources/data/sources/hongqiao-open-hub-measures-2023.txt",
                 "graph/site/templates/page.html", "graph/site/queries/nodes.rq"):
        assert path in names, f"the wheel lacks {path}"
    queries = {p.name for p in (ROOT / "queries").glob("*.rq")}
    assert {Path(n).name for n in names if n.startswith("graph/_resources/queries/")} == queries


def test_installed_wheel_lists_questions_and_builds_from_any_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    # A fresh venv holding the wheel; its dependencies are read from this interpreter's site-packages through a
    # plain path line (which, unlike a site dir, runs none of its .pth files: the checkout's editable hook stays off).
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    own_site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    deps_site = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (Path(own_site) / "project-dependencies.pth").write_text(deps_site + "\n", encoding="utf-8")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, capture_output=True, text=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([str(python), "-c", "import graph, graph.resources as r; print(graph.__file__); "
                            "print(r.INSTALLED)"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    module_file, installed = where.stdout.split()
    assert str(venv) in module_file and installed == "True", where.stdout

    hqkg = venv / "bin" / "hqkg"
    listed = subprocess.run([str(hqkg), "queries"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    for path in (ROOT / "queries").glob("*.rq"):
        assert f"  {path.stem}" in listed.stdout, f"{path.stem} not listed by the installed hqkg"

    built = subprocess.run([str(hqkg), "build", "--skip", "pages"], cwd=elsewhere, env=env, capture_output=True,
                           text=True)
    assert built.returncode == 0, built.stderr
    assert "24 measures" in built.stdout, built.stdout
    graph_ttl = elsewhere / "build" / "graph.ttl"
    assert graph_ttl.is_file(), "the installed build wrote no build/graph.ttl in the working folder"

    answered = subprocess.run([str(hqkg), "query", "section-overview", "--format", "csv"], cwd=elsewhere, env=env,
                              capture_output=True, text=True)
    assert answered.returncode == 0, answered.stderr
    assert len(answered.stdout.strip().splitlines()) == 1 + 3, answered.stdout  # a header and the 3 sections
