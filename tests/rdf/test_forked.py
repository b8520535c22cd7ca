"""graph/rdf/forked.py: work over the store spread over forked processes, or kept in this one where a fork is
unsafe; the same results in the same order either way."""
from __future__ import annotations

import gc
import os
import signal
import threading
from concurrent.futures.process import BrokenProcessPool

import pyoxigraph as ox
import pytest

from graph.rdf.forked import forked_map, why_not_forked
from graph.rdf.store import Store

EX = "http://example.org/"


def numbered_store(path=None, count: int = 40) -> Store:
    store = Store(path)
    store.add(ox.Quad(ox.NamedNode(f"{EX}n{i}"), ox.NamedNode(f"{EX}value"), ox.Literal(str(i), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))) for i in range(count))
    return store


def answer(store: Store, limit: int) -> tuple[int, list[str]]:
    """The process that answered, and the store's nodes with a value below `limit`."""
    rows = store.query(f"SELECT ?n WHERE {{ ?n <{EX}value> ?v FILTER(?v < {limit}) }} ORDER BY ?n")
    return os.getpid(), [row[0].value for row in rows]


def test_forked_processes_answer_from_the_parent_s_store_in_order():
    store = numbered_store()
    assert why_not_forked() is None
    limits = [5, 0, 40, 17, 1, 33, 2, 8]
    forked = forked_map(lambda limit: answer(store, limit), limits, processes=2)
    serial = [answer(store, limit) for limit in limits]
    assert [rows for _, rows in forked] == [rows for _, rows in serial]
    assert [len(rows) for _, rows in forked] == limits
    pids = {pid for pid, _ in forked}
    assert os.getpid() not in pids and pids, "the work should have run in forked children"


def test_one_process_or_one_item_stays_in_this_process():
    store = numbered_store()
    assert {pid for pid, _ in forked_map(lambda limit: answer(store, limit), [3, 4, 5], processes=1)} \
        == {os.getpid()}
    assert [pid for pid, _ in forked_map(lambda limit: answer(store, limit), [3], processes=2)] \
        == [os.getpid()]


def test_nothing_is_forked_while_a_store_is_open_on_disk(tmp_path):
    store = numbered_store(tmp_path / "store")
    assert "on disk" in why_not_forked()
    results = forked_map(lambda limit: answer(store, limit), [3, 7], processes=2)
    assert results == [(os.getpid(), [f"{EX}n{i}" for i in range(3)]), (os.getpid(), [f"{EX}n{i}" for i in range(7)])]
    del store, results
    gc.collect()
    assert why_not_forked() is None


def test_nothing_is_forked_while_another_thread_runs():
    store = numbered_store()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert "thread" in why_not_forked()
        assert {pid for pid, _ in forked_map(lambda limit: answer(store, limit), [1, 2, 3], processes=2)} \
            == {os.getpid()}
    finally:
        release.set()
        other.join()
    assert why_not_forked() is None


def test_an_error_in_a_child_is_raised_here():
    store = numbered_store()

    def fails_on_three(limit: int):
        if limit == 3:
            raise ValueError("three is refused")
        return answer(store, limit)

    with pytest.raises(ValueError, match="three is refused"):
        forked_map(fails_on_three, [1, 2, 3, 4], processes=2)


def test_a_child_that_dies_fails_the_map_instead_of_hanging_it():
    store = numbered_store()

    def killed_on_two(limit: int):
        if limit == 2:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
        return answer(store, limit)

    with pytest.raises(BrokenProcessPool):
        forked_map(killed_on_two, [1, 2, 3, 4], processes=2)
