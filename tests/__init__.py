"""Roadmap Radar's tests; a package so helpers import as `tests.replay` (also from benchmarks/)."""
