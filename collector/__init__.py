"""Roadmap Radar's collector: everything that fetches papers and decides what they are about."""
