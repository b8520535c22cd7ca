"""Where the project's files are: the ontology and shapes, the named queries, the seed texts and curated data.

The one module that knows. In a checkout they are the repository's own folders; a wheel carries copies of them
under `graph/_resources/` (setup.py's build step puts them there), so an installed `hqkg` works from any folder.
"""
from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
_BUNDLED = PACKAGE / "_resources"
CHECKOUT = _BUNDLED if (_BUNDLED / "ontology").is_dir() else PACKAGE.parent
INSTALLED = CHECKOUT == _BUNDLED

ONTOLOGY = CHECKOUT / "ontology" / "hongqiao.ttl"
SHAPES = CHECKOUT / "ontology" / "shapes.ttl"
QUERIES = CHECKOUT / "queries"
DATA = CHECKOUT / "data"
SOURCES = DATA / "sources"
ENTITIES = DATA / "entities"
FLOORS = DATA / "floors.yaml"
DATASET = DATA / "dataset.yaml"
# The trees a wheel carries (setup.py copies exactly these).
BUNDLED_TREES = ("ontology", "queries", "data")


def default_out() -> Path:
    """`build/` in the checkout; `./build` when installed (a wheel's own folder is no place for output)."""
    return Path.cwd() / "build" if INSTALLED else CHECKOUT / "build"
