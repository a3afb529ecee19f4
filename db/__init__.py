"""Storage: engine and sessions, typed models, idempotent upserts, read queries, migrations.

`db` imports nothing else of Roadmap Radar; the collector and the dashboard import it.
"""
