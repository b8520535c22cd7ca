"""Benchmarks, run by hand (docs/performance.md): run.py, the corpus-scale benchmark of the build and the queries
beside raw Oxigraph and rdflib (with corpus.py, the synthetic corpus, and engines.py, the work each engine does);
serve.py, the latencies of the linked-data server."""
