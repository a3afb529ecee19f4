"""Every sentence the Collector page, its error explanations and the sidebar's collection status show, in
one place: the zh/en catalogue takes them over from here. `{name}` fields are filled with str.format."""

from __future__ import annotations

# -- who is collecting, and how far it got (dashboard/collection_state.py) ---------------------------------
MINE_RUNNING = "Your collection, started {ago}."
MINE_STARTING = "Your collection, started {ago}: starting (reading the roadmap, opening the database)…"
DASHBOARD_RUNNING = "A collection started from this dashboard (not from this tab), {ago}."
ELSEWHERE_RUNNING = (
    "A collection started elsewhere (the scheduler, radar up or a terminal: {process}), {ago}."
)
ELSEWHERE_PROCESS_HERE = "process {pid} on this machine"
ELSEWHERE_PROCESS_THERE = "process {pid} on {host}"
ELSEWHERE_PROCESS_UNKNOWN = "another process"
STALLED = (
    "A collection stopped without finishing (its last progress {ago}; its process is gone): the next "
    "collection marks its unfinished steps interrupted."
)
MINE_FINISHED = "Your collection finished {ago}, after {took}."
DASHBOARD_FINISHED = "The collection started from this dashboard finished {ago}, after {took}."
LAST_FINISHED = "The last collection finished {ago}, after {took}."
NOT_STARTED_LOCKED = "Your collection did not start: another collection was already running."
NOT_STARTED = "Your collection did not start (exit code {code}): its output below says why."
NOT_STARTED_STOPPED = "Your collection was stopped before it began (exit code {code})."
DONE_SO_FAR = "{done} of its steps done so far ({statuses})."
OUTCOME = "{statuses}: {fetched} papers fetched, {new} new, {updated} updated."
STATUS_COUNT = {
    "ok": "{count} ok",
    "failed": "{count} failed",
    "skipped": "{count} skipped",
    "interrupted": "{count} interrupted",
    "running": "{count} running",
}
NOW_LINE = "Now: {source} · {query} — {pages} page(s), {papers} papers so far, for {took}"
NOW_WAITING = "Now: {source} · {query} — no paper so far, for {took}"
LEFT_UNFINISHED = "Left unfinished: {source} · {query} — {pages} page(s), {papers} papers"

# A step of a run ("source" in the runs table) in a reader's words.
SOURCE_NAMES = {
    "listing": "arXiv listing",
    "api": "arXiv search",
    "seminal": "classics from arXiv",
    "hf": "Hugging Face papers",
    "hf-search": "Hugging Face search",
    "feeds": "blog feed",
    "atom": "Atom feeds",
    "digest": "digests",
    "schedule": "scheduler",
    "demo": "demo data",
}

# -- time, said briefly --------------------------------------------------------------------------------------
JUST_NOW = "just now"
AGO = "{span} ago"
SECONDS = "{s} s"
MINUTES = "{m} min"
MINUTES_SECONDS = "{m} min {s} s"
HOURS = "{h} h"
HOURS_MINUTES = "{h} h {m} min"
DAYS = "{d} d"

# -- what went wrong, in one sentence (dashboard/run_errors.py) ----------------------------------------------
# Who a step asked, by the name an error of collector/ gives it (SourceError.source), then by the step.
UPSTREAM_OF_ERROR = {
    "arxiv_api": "arXiv",
    "arxiv_listing": "arXiv",
    "huggingface": "Hugging Face",
    "feed": "the blog feed",
}
UPSTREAM_OF_SOURCE = {
    "listing": "arXiv",
    "api": "arXiv",
    "seminal": "arXiv",
    "hf": "Hugging Face",
    "hf-search": "Hugging Face",
    "feeds": "the blog feed",
}
SOME_UPSTREAM = "the upstream"
OFFLINE = "{upstream} cannot be reached from this machine ({reason})."
SKIPPED = "Not asked: {upstream} cannot be reached from this machine ({reason})."
REASON_NAME = "the name does not resolve"
REASON_REFUSED = "the connection was refused"
REASON_TLS = "the secure (TLS) connection failed"
REASON_ROUTE = "there is no network route to it"
REASON_CONNECT_TIMEOUT = "it accepted no connection within {seconds} s, several times in a row"
REASON_OTHER = "the connection failed"
HTTP_SLOW_DOWN = "{upstream} asked us to slow down (HTTP 429) and still did after the retries."
HTTP_SERVER = "{upstream} had a server error (HTTP {status}), even after the retries."
HTTP_NOT_FOUND = "{upstream} has no such page (HTTP 404)."
HTTP_REFUSED = "{upstream} refused the request (HTTP {status})."
QUERY_REFUSED = "{upstream} refused the query as malformed."
READ_TIMEOUT = "{upstream} did not answer within {seconds} s, even after the retries."
CONNECT_TIMEOUT = "{upstream} accepted no connection within {seconds} s."
BROKEN = "The connection to {upstream} broke off, even after the retries."
MALFORMED = "{upstream} sent an answer that could not be read (cut off, or not in the expected format)."
EMPTY_PAGE = "{upstream} sent an empty page in the middle of the results."
INTERRUPTED = "Stopped before the end (Ctrl-C, or a stop signal such as the server shutting down)."
DIED = "Its process stopped before the end (it was killed, or the machine restarted)."
BUG = "The collector hit an internal error ({name}): a bug, worth reporting with the detail."
FEEDS_NOT_WRITTEN = "The Atom feeds could not be written to their folder."
FAILED = "This step failed: the detail says why."

# -- the page (dashboard/app_pages/collector.py) -------------------------------------------------------------
TITLE = "Collector"
NOW = "Collection"
IDLE = "No collection has run yet: press “Collect now”, or run `radar collect` in a terminal."
OFFLINE_HINT = (
    "The collection skipped what it could not reach instead of waiting on it. Check this machine's network "
    "(or proxy); the next scheduled run, or “Collect now”, tries again."
)
DETAIL = "Technical detail"
OUTPUT = "Output of `radar collect`"
LIVE_TABLE = {
    "step": "step",
    "query": "query",
    "pages": "pages",
    "papers": "papers",
    "new": "new",
    "running for": "running for",
}
DONE_TABLE = {
    "step": "step",
    "query": "query",
    "status": "status",
    "papers": "papers",
    "new": "new",
    "updated": "updated",
    "what happened": "what happened",
}
COLLECT = "Collect now"
COLLECT_HELP = (
    "Runs the daily cycle (today's arXiv listing, classics not yet stored, Hugging Face) as `radar collect` "
    "in the background; one collection at a time per database."
)
BUSY = "“Collect now” is available again once this collection has finished."
ALREADY = "A collection is already running."
SHOW_NEW = "Show the new papers"
LAST_PER_SOURCE = "Last run per source"
NO_LAST_RUN = "No step of a collection has finished yet."
METRIC_NEW = "{new} new"
METRIC_ERROR = "{errors} error"
METRIC_ERRORS = "{errors} errors"
METRIC_CAPTION = "{status}, {ago} · fetched {fetched} · updated {updated}"
SCHEDULED = "Next scheduled runs"
SCHEDULED_TABLE = {"job": "job", "next run (UTC)": "next run (UTC)"}
NO_SCHEDULE = "No schedule stored: `radar up` (or `radar schedule`) runs the collector on a schedule."
DIGESTS = "Digests"
DIGEST_LAST = "Last digest run {ago}: {said}"
DIGEST_NOTHING = "nothing due"
NO_DIGEST = "No digest run yet: the scheduler sends them after each daily cycle, or `radar digest send`."
DELIVERY_FAILING = "{count} subscription(s) whose last digest was not delivered (retried at the next run):"
DELIVERY_TABLE = {"subscription": "subscription", "address": "address", "since (UTC)": "since (UTC)",
                  "answer": "answer"}  # fmt: skip
ALL_RUNS = "All recent runs"
RUNS_TABLE = {
    "started (UTC)": "started (UTC)",
    "step": "step",
    "query": "query",
    "status": "status",
    "fetched": "fetched",
    "new": "new",
    "updated": "updated",
    "requests": "requests",
    "what happened": "what happened",
    "detail": "detail",
}

# -- the sidebar of every page (dashboard/status.py) ---------------------------------------------------------
SIDEBAR_LIVE = "Collecting now: {source} {query}: {pages} page(s), {papers} papers so far"
NO_PAPER_WHY = "{upstream}: {reason}"  # inside the catalogue's demo.unreachable
