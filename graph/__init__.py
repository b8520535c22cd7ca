"""hongqiao-kg: an open knowledge graph of Chinese regional policy (the Hongqiao International Open Hub measures)."""

__version__ = "0.1.0"
