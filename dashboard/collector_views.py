"""Drawing for the Collector page: the collection shown now (whose, how far, how it ended, what this
machine cannot reach), its steps as tables, errors as plain sentences with the detail in an expander.
Run rows hold upstream text (URLs, answers): it is shown escaped, or as text in tables and code blocks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import streamlit as st

from dashboard import collection_state as cs
from dashboard import collector_words as W
from dashboard.run_errors import Problem, explain, offline_sentence
from dashboard.text import md_escape, one_line
from db import RunRow


def collection(shown: cs.Shown, now: datetime, this_host: str) -> None:
    """The headline, how far it got, what cannot be reached, the steps running and done, the detail."""
    box(shown)(md_escape(cs.headline(shown, now, this_host)))
    if shown.rows:
        st.caption(md_escape(cs.progress(shown) if shown.pick.running else cs.outcome(shown)))
    offline(shown)
    for row in shown.live:
        st.markdown(md_escape(cs.now_line(row, now, shown.pick.stalled)))
    if shown.done:
        table(done_dict(r) for r in reversed(shown.done))
    details([(r, p) for r, p in shown.problems if not p.offline])
    job = shown.pick.job
    if job is not None and job.output:
        with st.expander(W.OUTPUT, expanded=shown.did_not_start):
            st.code(job.output, language=None)


def table(rows: Iterable[dict[str, object]]) -> None:
    """Steps as a table whose sentences get the room (queries are long and come last)."""
    wide = st.column_config.TextColumn(width="large")
    st.dataframe(list(rows), hide_index=True, column_config={W.table("done_table")["what happened"]: wide})


def box(shown: cs.Shown) -> Callable[[str], object]:
    """info while running; error when nothing of it succeeded; warning when part failed; else success."""
    if shown.pick.running and not shown.pick.stalled:
        return st.info
    if shown.failed:
        return st.error
    return st.warning if shown.problems or shown.pick.stalled else st.success


def offline(shown: cs.Shown) -> None:
    """One plain sentence per upstream this machine cannot reach, its recorded errors behind an expander."""
    found = shown.offline()
    for problems in found.values():
        st.error(md_escape(offline_sentence(problems[0])))
        with st.expander(W.DETAIL):
            st.code("\n".join(dict.fromkeys(p.detail for p in problems)), language=None, wrap_lines=True)
    if found:
        st.caption(md_escape(W.OFFLINE_HINT))


def details(problems: Iterable[tuple[RunRow, Problem]]) -> None:
    """The recorded errors of the steps that failed for another reason, one block for all."""
    lines = [f"{cs.source_name(r.source)} · {one_line(r.query, 120)}\n    {p.detail}" for r, p in problems]
    if lines:
        with st.expander(f"{W.DETAIL} ({len(lines)})"):
            st.code("\n".join(lines), language=None, wrap_lines=True)


def what_happened(run: RunRow) -> str:
    """The plain sentence of a failed step, or the note of one that went fine ("empty feed: …")."""
    problem = explain(run)
    return problem.sentence if problem is not None else one_line(run.error or "")


def done_dict(run: RunRow) -> dict[str, object]:
    """A finished step as a table row (st.dataframe shows cells as text)."""
    t = W.table("done_table")
    return {
        t["step"]: cs.source_name(run.source), t["status"]: run.status,
        t["what happened"]: what_happened(run), t["papers"]: run.fetched, t["new"]: run.new,
        t["updated"]: run.updated, t["query"]: run.query,
    }  # fmt: skip


def run_dict(run: RunRow) -> dict[str, object]:
    """Any recorded step as a row of the table of recent runs: the sentence, then the detail as recorded."""
    t = W.table("runs_table")
    problem = explain(run)
    return {
        t["started (UTC)"]: run.started_at.replace(microsecond=0, tzinfo=None),
        t["step"]: cs.source_name(run.source), t["status"]: run.status,
        t["what happened"]: what_happened(run), t["fetched"]: run.fetched, t["new"]: run.new,
        t["updated"]: run.updated, t["requests"]: run.requests,
        t["query"]: run.query, t["detail"]: problem.detail if problem else "",
    }  # fmt: skip


def last_run(column: st.delta_generator.DeltaGenerator, run: RunRow, now: datetime) -> None:
    """One source's last finished step: papers new, its errors, when, and what went wrong."""
    counted = (W.METRIC_ERROR if run.errors == 1 else W.METRIC_ERRORS).format(errors=run.errors)
    errors = counted if run.errors else None  # no arrow for "ok"
    column.metric(cs.source_name(run.source), W.METRIC_NEW.format(new=run.new), errors, delta_color="inverse")
    ago = cs.ago(run.finished_at, now)
    said = W.METRIC_CAPTION.format(status=run.status, ago=ago, fetched=run.fetched, updated=run.updated)
    column.caption(md_escape(said))
    problem = explain(run)
    if problem is not None:
        column.caption(md_escape(problem.sentence))
        with column.expander(W.DETAIL):
            st.text(problem.detail)
