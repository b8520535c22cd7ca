"""The house: each room imports only rooms below it, no room imports the pipeline or the CLI, no import circle."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
# Lower first: a module may import its own room and the rooms before it (docs/architecture.md).
ORDER = ["resources", "ingest", "rdf", "reason", "checks", "query", "outputs", "site", "server", "publish",
         "pipeline", "cli"]


def _room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "graph" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> set[str]:
    """Every graph.* module the file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "graph":  # `from graph import pipeline` (not `from graph import __version__`)
                found |= {f"graph.{alias.name}" for alias in node.names if not alias.name.startswith("__")}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.startswith("graph.")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((ROOT / "graph").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def test_every_module_is_in_a_known_room():
    unknown = {m for m in _modules() if m != "graph" and _room(m) not in ORDER}
    assert not unknown, f"modules outside the rooms of docs/architecture.md: {sorted(unknown)}"


def test_no_import_runs_back_up():
    upward = []
    for module, path in _modules().items():
        own = _room(module)
        if own is None:
            continue
        for imported in _imports(path):
            other = _room(imported)
            if other is not None and ORDER.index(other) > ORDER.index(own):
                upward.append(f"{module} imports {imported}")
    assert not upward, "imports that run back up the stages:\n" + "\n".join(sorted(upward))


def test_no_import_circle():
    graph = nx.DiGraph()
    modules = _modules()
    for module, path in modules.items():
        for imported in _imports(path):
            target = imported if imported in modules else imported.rsplit(".", 1)[0]
            if target in modules and target != module:
                graph.add_edge(module, target)
    cycles = list(nx.simple_cycles(graph))
    assert not cycles, f"import circles: {cycles}"
