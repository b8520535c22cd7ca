"""Queries over the store, spread over processes: forked ones over a store in memory, spawned ones that open a
store on disk read-only (store_map).

pyoxigraph holds the GIL while a query runs, so threads do not overlap queries; a forked child shares the parent's
store page by page (copy on write, and queries only read it), so two processes answer two queries at once. Measured
on the 10^6-triple corpus (validation's 86 compiled SHACL queries and 12 violation queries, quiet 2-core machine):
11.1–13.2 s in one process, 7.4–8.7 s over two (docs/performance.md).

It pays for work that reads the store, whose terms live in Rust's memory, and not for work over many Python
objects: each object a child reads has its reference count written, so the child copies its page. The exports
written in two halves from the dataset's million quads and lines copied 2.0 GiB into the children and took as long
as in one process (19.1 s against 19.3 s at 10^6). Nor for the reasoning rules (3.2 s of CONSTRUCTs in four rounds at
10^6): with each round's rules over two processes the reasoning took 4.9-5.7 s, in one 4.6-4.9 s (quiet machine).

The work runs in this process instead, item by item, where a fork is not safe or cannot help: no `fork` start
method, one CPU, other threads running (a fork copies only the calling thread, and locks held by the others stay
held), a daemonic process (it may not have children), or a store open on disk (RocksDB's own threads).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

from graph.rdf.store import Store, disk_stores_open

Item = TypeVar("Item")
Result = TypeVar("Result")

# The job of the pool being run, read by its forked children (set before the fork: nothing is pickled but indices
# going out and results coming back).
_job: tuple[Callable, list] | None = None


def cpus() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def why_not_forked() -> str | None:
    """Why work must stay in this process (None: it may be forked)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return "this platform has no fork"
    if disk_stores_open():
        return "a store is open on disk (RocksDB runs threads of its own)"
    if threading.active_count() > 1:
        return f"{threading.active_count() - 1} other thread(s) running"
    if multiprocessing.current_process().daemon:
        return "a daemonic process may not have children"
    return None


def _run(index: int):
    function, items = _job
    return function(items[index])


def forked_map(function: Callable[[Item], Result], items: Iterable[Item],
               processes: int | None = None) -> list[Result]:
    """[function(item) for item in items], in that order, over up to `processes` forked processes (None: one per
    CPU). What `function` changes in memory stays in its child (the store included): only its results come back,
    pickled. An exception in a child is raised here, and a child that dies raises BrokenProcessPool."""
    global _job
    items = list(items)
    count = min(cpus() if processes is None else processes, len(items))
    if count < 2 or why_not_forked() is not None:
        return [function(item) for item in items]
    _job = (function, items)
    try:
        # concurrent.futures rather than multiprocessing.Pool: a child that dies (killed for memory) raises
        # BrokenProcessPool here, where Pool would wait for its lost result for ever. With fork it starts every
        # child before its own thread. One item at a time, in the given order: the slowest queries are spread
        # as the children free up.
        # gc.freeze, as Python's gc documentation advises before a fork: the children's collections then leave the
        # parent's objects alone (a collection writes to each object it visits, and a child copies each page it
        # writes to). Validation alone at 10^6 showed no difference (651 and 652 MiB in the children): its parent
        # holds few Python objects; a build's parent holds every document's records.
        gc.freeze()
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_run, range(len(items))))
    finally:
        gc.unfreeze()
        _job = None


# The store a spawned child opened read-only (store_map on a store on disk).
_read_only: Store | None = None


def _open_read_only(path: str) -> None:
    global _read_only
    _read_only = Store.read_only(Path(path))


def _run_read_only(job: tuple[Callable, object]):
    function, item = job
    return function(_read_only, item)


def store_map(function: Callable[[Store, Item], Result], store: Store, items: Iterable[Item],
              processes: int | None = None) -> list[Result]:
    """[function(store, item) for item in items], in that order, over up to `processes` processes (None: one per
    CPU) that read `store`. In memory, forked children (forked_map). On disk, where a fork is not safe (RocksDB's
    threads), spawned children, each opening a checkpoint of the store read-only: `function` must then be a
    module-level function, and the items and results picklable. A child that dies raises BrokenProcessPool.

    Measured on the 10^6-triple corpus's disk store (validation's compiled SHACL and violation queries, quiet 2-core
    machine): 49.4-59.0 s in one process, 27.4-34.2 s over two readers."""
    items = list(items)
    if not store.on_disk:
        return forked_map(lambda item: function(store, item), items, processes)
    count = min(cpus() if processes is None else processes, len(items))
    if count < 2 or multiprocessing.current_process().daemon:
        return [function(store, item) for item in items]
    # The children read a checkpoint (RocksDB's: hard links to the store's files, beside them), which nothing
    # writes: opening the live store read-only failed while RocksDB went on compacting after a bulk load (a
    # MANIFEST file gone under the reader).
    with tempfile.TemporaryDirectory(prefix="hqkg-readers-", dir=store.path.parent) as folder:
        checkpoint = Path(folder) / "store"
        store.checkpoint(checkpoint)
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"), initializer=_open_read_only,
                                 initargs=(str(checkpoint),)) as pool:
            return list(pool.map(_run_read_only, [(function, item) for item in items]))


__all__ = ["cpus", "forked_map", "store_map", "why_not_forked"]
