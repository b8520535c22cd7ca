"""graph/rdf/store.py: the build's N-Quads pieces load into the same quads in memory and on disk."""
from __future__ import annotations

import gc

import pyoxigraph as ox

from graph.rdf.store import Store, disk_stores_open

EX = "http://example.org/"


def pieces(count: int = 5) -> list[bytes]:
    """N-Quads of `count` texts, each its own graph and some quads shared (as the build's cached texts)."""
    return [ox.serialize([ox.Quad(ox.NamedNode(f"{EX}text/{t}/m{i}"), ox.NamedNode(f"{EX}number"),
                                  ox.Literal(str(i), language="zh" if i % 2 else None) if i % 3 else ox.Literal(str(i)),
                                  ox.NamedNode(f"{EX}graph/{t % 2}")) for i in range(20)]
                         + [ox.Quad(ox.NamedNode(f"{EX}shared"), ox.NamedNode(f"{EX}in"), ox.NamedNode(f"{EX}all"),
                                    ox.NamedNode(f"{EX}graph/0"))],
                         format=ox.RdfFormat.N_QUADS) for t in range(count)]


def test_pieces_load_the_same_quads_in_memory_and_on_disk(tmp_path):
    before = disk_stores_open()
    memory, disk = Store(), Store(tmp_path / "store")
    assert (memory.on_disk, disk.on_disk) == (False, True) and disk_stores_open() == before + 1
    memory.load_nquads(iter(pieces()))
    disk.load_nquads(iter(pieces()))  # one bulk load of every piece's quads
    assert sorted(map(str, memory.raw())) == sorted(map(str, disk.raw()))
    assert len(memory) == 5 * 20 + 1  # the shared quad once
    del disk
    gc.collect()
    assert disk_stores_open() == before


def test_spooled_pieces_load_as_the_pieces_and_the_spool_goes(tmp_path):
    from graph.rdf.store import NQuadsSpool

    expected = Store()
    expected.load_nquads(iter(pieces()))
    with NQuadsSpool(tmp_path) as spool:
        spans = [spool.put(piece) for piece in pieces()]
        assert [spool.read(span) for span in spans] == pieces()
        memory, disk = Store(), Store(tmp_path / "store")
        memory.load_spool(spool, spans)
        disk.load_spool(spool, spans)  # Oxigraph's bulk loader on the spool's file
        for store in (memory, disk):
            assert sorted(map(str, store.raw())) == sorted(map(str, expected.raw()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]  # the spool's file is gone
