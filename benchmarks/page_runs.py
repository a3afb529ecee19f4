"""Time dashboard page runs under Streamlit's AppTest, for whichever tree holds the app (this one, or an
export of main): it imports nothing of the project itself, so the tree's own code is what runs.

    python benchmarks/page_runs.py --root TREE --page whats_new --database-url URL --repeat 3 \
        --views '[{}, {"level": "L3"}]'

Prints one JSON object: {"first": [...], "again": [...], "errors": [...]}, times in seconds — per view,
its first run (the page's cached reads empty for that view) and its repeats (cached reads warm), after one
untimed run of the Search page without a query, which imports Streamlit, Altair and pandas and opens the
database, and one chart drawn (see warm_charts). Each timed run is the page's script run in a session that
has already run once (see page_run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path


def page_run(root: Path, page: str, params: dict[str, str], errors: list[str]) -> float:
    """One run of `page` with these query parameters, in seconds; an exception it shows goes to `errors`.

    Each AppTest scans the installed packages for components on its first run (0.3 s here), which a
    server does once at start: a Search run without a query takes that first, untimed, in the same
    session (it reads nothing `page` caches)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(root / "dashboard" / "app.py"), default_timeout=120)
    at.query_params.update(params)
    at.switch_page("app_pages/search.py").run()
    at.switch_page(f"app_pages/{page}.py")
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        errors.append(f"{page} {json.dumps(params)}: {at.exception[0].message}")
    return elapsed


CHART_SCRIPT = """
import streamlit as st

st.vega_lite_chart({"data": {"values": [{"x": 1}]}, "mark": "bar", "encoding": {"x": {"field": "x"}}})
"""


def warm_charts() -> None:
    """The first chart a process draws costs 0.5-0.8 s more than the next (Vega-Lite, Streamlit's
    chart code): a serving process pays that once, whichever page draws it first."""
    from streamlit.testing.v1 import AppTest

    AppTest.from_string(CHART_SCRIPT, default_timeout=120).run()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--page", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--views", default="[{}]", help="a JSON list of query-parameter objects")
    parser.add_argument("--repeat", type=int, default=3, help="runs per view, the first included")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    sys.path.insert(0, str(root))  # the tree's dashboard, collector and db, before any installed copy
    os.chdir(root)
    os.environ["RADAR_DATABASE_URL"] = args.database_url
    views: list[dict[str, str]] = json.loads(args.views)
    errors: list[str] = []
    page_run(root, "search", {}, errors)  # imports, the engine, the schema check
    warm_charts()
    loaded = Path(sys.modules["dashboard"].__file__ or "")
    if not loaded.is_relative_to(root):
        raise SystemExit(f"imported {loaded}, not the tree at {root}")
    first, again = [], []
    for view in views:
        runs = [page_run(root, args.page, view, errors) for _ in range(args.repeat)]
        first.append(runs[0])
        again += runs[1:]
    print(json.dumps({"first": first, "again": again, "errors": sorted(set(errors))}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
