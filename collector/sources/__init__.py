"""Upstream sources. Each module owns all HTTP to one upstream."""
