"""Reproducible benchmarks for vidstream; run them with ``python -m bench``."""
