"""Build step that puts the ontology, queries and data into the wheel (graph/resources.py reads them there).

Everything else about the package is in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

TREES = ("ontology", "queries", "data")  # graph.resources.BUNDLED_TREES; tests/test_packaging.py holds them equal


class BuildWithResources(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "graph" / "_resources"
        for tree in TREES:
            shutil.rmtree(target / tree, ignore_errors=True)
            shutil.copytree(here / tree, target / tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithResources})
