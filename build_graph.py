#!/usr/bin/env python3
"""Build the Hongqiao knowledge graph: `python build_graph.py [--source PATH ...] [--out DIR]` (see README)."""
from graph.cli import build_main

if __name__ == "__main__":
    build_main()
