"""The server under load and attack, on loopback, bounded in count and time (bench/attacks.py, smaller counts):
it keeps answering, its memory stays bounded, and ambiguous or hostile requests get a clear 4xx."""
from __future__ import annotations

import pytest

from bench import attacks
from graph.server.sparql_pool import Limits

pytestmark = pytest.mark.slow
HELD_MB = Limits().held_bytes / 2**20  # the answer budget of the server under attack (its default)


@pytest.fixture(scope="module")
def server(built):
    with attacks.server_process(built.staging, "--header-timeout", "2", "--request-timeout", "8",
                                "--max-connections", "32") as running:
        yield running


def test_concurrent_load_is_answered(server):
    host, port, _ = server
    result = attacks.load(host, port, clients=8, each=10)
    assert result["codes"] == {"200": 80}, result


def test_clients_that_never_read_cannot_grow_the_server(server):
    host, port, pid = server
    result = attacks.non_readers(host, port, pid, clients=40, hold_seconds=4)
    # The 32 connections let in (of 40), each with an unread answer of the whole dataset (4 MB on the seed), would
    # hold 128 MB and more: the answer budget caps what is held, plus the answers in flight from the two workers
    # and the allocator's slack (measured: 30-35 MB).
    assert result["rss_peak_mb"] - result["rss_before_mb"] < HELD_MB + 48, result
    assert result["query_during"] == 200, result


def test_deeply_nested_queries_are_refused_before_the_engine(server):
    host, port, _ = server
    result = attacks.nested(host, port, depth=6000, times=5)
    assert result["codes"] == {"400": 5} and result["answer_after"] == 200, result


def test_ambiguous_framing_is_refused_and_a_get_body_is_never_a_request(server):
    host, port, _ = server
    result = attacks.smuggling(host, port)
    assert result["body on GET"] == ["HTTP/1.1 200 OK"], result  # one answer: the body was not read as a request
    for case in ("two Content-Length", "Content-Length and Transfer-Encoding", "signed Content-Length"):
        assert result[case] == ["HTTP/1.1 400 Bad Request"], (case, result[case])


def test_service_behind_an_escaped_quote_is_refused(server):
    host, port, _ = server
    assert attacks.service_escape(host, port)["status"] == 400


def test_slowloris_connections_are_closed_and_service_resumes(server):
    host, port, _ = server
    result = attacks.slowloris(host, port, connections=100, seconds=6)
    assert result["still_open_at_end"] == 0, result
    assert result["first_answer_after_s"] is not None and result["first_answer_after_s"] < 4, result
