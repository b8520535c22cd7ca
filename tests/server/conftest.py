"""A server in a thread on a free loopback port, for the protocol, client and attack tests."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from graph.server.serve import make_server, open_site
from graph.server.sparql_pool import Limits

DATA = Path(__file__).resolve().parent.parent / "data" / "server"


@pytest.fixture(scope="module")
def start_server():
    """start(graph, limits) -> (url, site, server); every server started is stopped when the module ends."""
    started = []

    def start(graph: Path, limits: Limits = Limits(query_seconds=20)):
        site = open_site(graph, limits, quiet=True)
        server = make_server(site, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append((server, site))
        return f"http://127.0.0.1:{server.server_address[1]}", site, server

    yield start
    for server, site in started:
        server.shutdown()
        server.server_close()
        site.close()
