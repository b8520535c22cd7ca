"""The SPARQL query editor: YASGUI (vendored in graph/server/yasgui/, MIT), served by `hqkg serve` at `/sparql-ui`
and at `/sparql` for browsers, with every named question of queries/*.rq as a ready tab. Nothing is fetched from
another host: the page, the bundle and the queries all come from this server (and the page's policy says so)."""
from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from pathlib import Path

from graph import resources

FOLDER = Path(__file__).resolve().parent / "yasgui"
ASSETS = {"yasgui.min.js": "text/javascript; charset=utf-8", "yasgui.min.css": "text/css; charset=utf-8",
          "start.js": "text/javascript; charset=utf-8", "LICENSE-yasgui.txt": "text/plain; charset=utf-8"}
# YASGUI sets inline styles and draws icons from data: URIs; its requests go to this server only.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "font-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'")


def examples() -> list[dict[str, str]]:
    """The named questions (not the *-violation checks) as {name, query}, in file-name order."""
    from graph.query.named import all_queries

    return [{"name": q.title or q.name, "query": q.path.read_text(encoding="utf-8")}
            for q in all_queries(resources.QUERIES) if not q.is_check]


@lru_cache(maxsize=1)
def page() -> bytes:
    data = json.dumps(examples(), ensure_ascii=False).replace("<", "\\u003c")  # no '</script>' can end the block
    return f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape("SPARQL · hongqiao-kg")}</title>
<link rel="stylesheet" href="/sparql-ui/yasgui.min.css"></head>
<body><p style="margin:.5rem 1rem;font-family:sans-serif"><a href="/">hongqiao-kg</a> · SPARQL (read-only) ·
<a href="/sparql-ui/LICENSE-yasgui.txt">YASGUI licence</a></p>
<div id="yasgui"></div>
<script type="application/json" id="examples">{data}</script>
<script src="/sparql-ui/yasgui.min.js"></script>
<script src="/sparql-ui/start.js"></script>
</body></html>
""".encode("utf-8")


def asset(path: str, endpoint: str = "/sparql") -> tuple[str, bytes] | None:
    """(media type, bytes) for a path under /sparql-ui, or None."""
    if path in ("/sparql-ui", "/sparql-ui/"):
        return "text/html; charset=utf-8", page()
    name = path[len("/sparql-ui/"):]
    if name in ASSETS:
        return ASSETS[name], (FOLDER / name).read_bytes()
    return None
