"""The dashboard as served (`radar dashboard`, `radar up`): the Streamlit app (dashboard/app.py) plus the one
HTTP endpoint a page cannot be, RFC 8058 one-click unsubscribe.

    POST /unsubscribe?token=…  (body `List-Unsubscribe=One-Click`, sent by mail clients) unsubscribes at once
    GET  /unsubscribe?token=…  (a person, or a link scanner) goes to the Subscriptions page, which asks first

`streamlit run dashboard/server.py` finds the `st.App` below and serves both through Uvicorn.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import quote

import streamlit as st
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

import db
from collector.clock import utc_now
from collector.config import load_settings
from collector.subscribing import unsubscribe_by_token

ONE_CLICK = "List-Unsubscribe=One-Click"


@cache
def engine(url: str) -> Engine:
    created = db.make_engine(url)
    db.migrate(created)
    return created


def unsubscribe_now(token: str) -> bool:
    with db.session_scope(engine(load_settings().database_url)) as session:
        return unsubscribe_by_token(session, token, utc_now()) is not None


async def unsubscribe(request: Request) -> Response:
    token = request.query_params.get("token", "")
    if request.method == "GET":
        return RedirectResponse(f"subscriptions?unsubscribe={quote(token)}", status_code=303)
    if ONE_CLICK not in (await request.body()).decode("utf-8", "replace"):
        return PlainTextResponse(f"expected the form body {ONE_CLICK} (RFC 8058)", status_code=400)
    if await run_in_threadpool(unsubscribe_now, token):
        return PlainTextResponse("You are unsubscribed from this digest.")
    return PlainTextResponse("This unsubscribe link is unknown, already used or expired.", status_code=404)


app = st.App(
    str(Path(__file__).resolve().parent / "app.py"),
    routes=[Route("/unsubscribe", unsubscribe, methods=["GET", "POST"])],
)
