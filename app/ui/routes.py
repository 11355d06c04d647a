"""The trace browser's pages: sessions, one session's tree and waterfall, search, login."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, quote, urlencode

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.api.deps import Services
from app.api.responses import JsonResponse
from app.clock import now_ms
from app.domain.projects import Project
from app.domain.trace_view import Trace, layout_trace
from app.errors import NotFound
from app.search.query import SearchQuery
from app.services.sessions import SessionListService
from app.ui import present
from app.ui.auth import forget_key, key_from_cookie, project_of_key, remember_key, safe_next
from app.ui.query import (
    FIELD_SUGGESTIONS,
    OPERATOR_CHOICES,
    RANGE_PRESETS,
    TYPE_CHOICES,
    ViewQuery,
    parse_view_query,
)
from app.ui.tree_rows import tree_rows

HERE: Final = Path(__file__).parent
SESSIONS_PER_PAGE: Final[int] = 25
SEARCH_PER_PAGE: Final[int] = 50
# Sessions up to this many events open fully expanded; larger ones show two levels.
EXPAND_ALL_UP_TO: Final[int] = 100
COLLAPSED_DEPTH: Final[int] = 1
# Live views poll this often (milliseconds).
POLL_MS: Final[int] = 2000
MAX_LOGIN_BODY: Final[int] = 16_384


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters.update(
        time=present.fmt_time,
        duration=present.fmt_duration,
        cost=present.fmt_cost,
        count=present.fmt_count,
        pretty=present.pretty_json,
    )
    env.globals.update(
        DETAIL_BUCKETS=present.DETAIL_BUCKETS,
        RANGE_PRESETS=RANGE_PRESETS,
        OPERATORS=OPERATOR_CHOICES,
        TYPES=TYPE_CHOICES,
        FIELD_SUGGESTIONS=FIELD_SUGGESTIONS,
        POLL_MS=POLL_MS,
        conversation=present.conversation,
        tokens_of=present.tokens_of,
        tree_rows=tree_rows,
    )
    return templates


@dataclass(frozen=True, slots=True)
class Ui:
    services: Services
    sessions: SessionListService
    templates: Jinja2Templates

    @property
    def keys_mode(self) -> bool:
        return self.services.settings.auth == "keys"

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        base = {"keys_mode": self.keys_mode, "logged_in": key_from_cookie(request) is not None}
        response = self.templates.TemplateResponse(
            request, name, {**base, **context}, status_code=status_code
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    def raw_url(self, event_id: str) -> str:
        """The raw JSON of an event: the API route in open mode; in keys mode the same
        answer behind the browser's cookie (the API takes only bearer tokens)."""
        if self.keys_mode:
            return f"/ui/raw/events/{quote(event_id, safe='')}"
        return f"/v1/events/{quote(event_id, safe='')}"


async def _project(ui: Ui, request: Request) -> Project | None:
    return await project_of_key(ui.services, key_from_cookie(request))


def _to_login(request: Request) -> Response:
    if request.query_params.get("fragment"):
        return Response("login required", status_code=401, media_type="text/plain")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/ui/login?{urlencode({'next': target})}", status_code=303)


def outline_etag(trace: Trace) -> str:
    """A validator of everything a session's live fragment shows."""
    digest = hashlib.blake2b(digest_size=16)
    for row in trace.rows:
        e = row.event
        digest.update(
            orjson.dumps(
                [
                    e["event_id"],
                    e["parent_id"],
                    e["event_type"],
                    e["event_name"],
                    e["source"],
                    e["error"],
                    e["start_time"],
                    e["end_time"],
                    e["duration"],
                    e.get("metadata"),
                ]
            )
        )
    return f'"{digest.hexdigest()}"'


def build_router(ui: Ui) -> APIRouter:
    router = APIRouter(prefix="/ui", include_in_schema=False)

    @router.get("")
    @router.get("/")
    @router.get("/sessions")
    async def sessions_page(request: Request) -> Response:
        project = await _project(ui, request)
        if project is None:
            return _to_login(request)
        view = parse_view_query(request.query_params, now_ms=now_ms())
        page = None
        if not view.errors:
            page = await ui.sessions.page(
                project,
                view.filters,
                view.window,
                page=view.page,
                per_page=SESSIONS_PER_PAGE,
            )
        context = {"project": project, "view": view, "page": page, "active": "sessions"}
        if request.query_params.get("fragment"):
            return ui.render(request, "sessions_rows.html", context)
        return ui.render(request, "sessions.html", context, status_code=400 if view.errors else 200)

    @router.get("/sessions/{session_id}")
    async def session_page(session_id: str, request: Request) -> Response:
        started = time.perf_counter()
        project = await _project(ui, request)
        if project is None:
            return _to_login(request)
        try:
            tree = await ui.sessions.outline(project, session_id)
        except NotFound:
            return ui.render(
                request,
                "not_found.html",
                {"project": project, "what": "session", "id": session_id},
                status_code=404,
            )
        trace = layout_trace(tree)
        fragment = bool(request.query_params.get("fragment"))
        if fragment:
            # Live views poll this: answer 304 while nothing in the outline changed.
            etag = outline_etag(trace)
            if request.headers.get("if-none-match") == etag:
                return Response(status_code=304, headers={"ETag": etag})
        expand_depth = 10**6 if len(trace.rows) <= EXPAND_ALL_UP_TO else COLLAPSED_DEPTH
        wanted = request.query_params.get("event")
        selected = None
        if wanted and any(row.event["event_id"] == wanted for row in trace.rows):
            selected = await ui.services.events.get(project, wanted)
        context = {
            "project": project,
            "session": tree,
            "trace": trace,
            "expand_depth": expand_depth,
            "selected": selected,
            "raw_url": ui.raw_url(selected["event_id"]) if selected else None,
            "active": "sessions",
        }
        if fragment:
            response = ui.render(request, "trace.html", context)
            response.headers["Cache-Control"] = "private, no-cache"
            response.headers["ETag"] = etag
        else:
            response = ui.render(request, "session.html", context)
        # How long the server took (read, layout, render), for benchmarks and dev tools.
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

    @router.get("/events/{event_id}")
    async def event_page(event_id: str, request: Request) -> Response:
        """An event opens in its session, selected."""
        project = await _project(ui, request)
        if project is None:
            return _to_login(request)
        try:
            event = await ui.services.events.get(project, event_id)
        except NotFound:
            return ui.render(
                request,
                "not_found.html",
                {"project": project, "what": "event", "id": event_id},
                status_code=404,
            )
        target = f"/ui/sessions/{quote(event['session_id'], safe='')}"
        return RedirectResponse(f"{target}?{urlencode({'event': event_id})}", status_code=303)

    @router.get("/events/{event_id}/detail")
    async def event_detail(event_id: str, request: Request) -> Response:
        """The detail pane of one event (an HTML fragment the session page loads)."""
        project = await _project(ui, request)
        if project is None:
            return Response("login required", status_code=401, media_type="text/plain")
        try:
            event = await ui.services.events.get(project, event_id)
        except NotFound:
            return Response("event not found", status_code=404, media_type="text/plain")
        return ui.render(
            request,
            "event_detail.html",
            {"selected": event, "raw_url": ui.raw_url(event_id)},
        )

    @router.get("/raw/events/{event_id}")
    async def raw_event(event_id: str, request: Request) -> Response:
        """GET /v1/events/{event_id}, authorised by the browser's cookie."""
        project = await _project(ui, request)
        if project is None:
            return _to_login(request)
        return JsonResponse({"event": await ui.services.events.get(project, event_id)})

    @router.get("/search")
    async def search_page(request: Request) -> Response:
        project = await _project(ui, request)
        if project is None:
            return _to_login(request)
        view = parse_view_query(request.query_params, now_ms=now_ms())
        results: list[dict[str, Any]] | None = None
        total = 0
        if not view.errors:
            results, total = await ui.services.search.search(
                project,
                SearchQuery(
                    filters=tuple(view.filters),
                    window=view.window,
                    limit=SEARCH_PER_PAGE,
                    page=view.page,
                    projections=(
                        "event_id",
                        "session_id",
                        "event_type",
                        "event_name",
                        "source",
                        "error",
                        "start_time",
                        "end_time",
                        "duration",
                    ),
                ),
            )
        return ui.render(
            request,
            "search.html",
            {
                "project": project,
                "view": view,
                "results": results,
                "total": total,
                "per_page": SEARCH_PER_PAGE,
                "active": "search",
            },
            status_code=400 if view.errors else 200,
        )

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        return ui.render(
            request,
            "login.html",
            {"next": safe_next(request.query_params.get("next")), "error": None},
        )

    @router.post("/login")
    async def login(request: Request) -> Response:
        body = (await request.body())[:MAX_LOGIN_BODY].decode("utf-8", "replace")
        form = parse_qs(body)
        key = (form.get("api_key") or [""])[0].strip()
        target = safe_next((form.get("next") or [""])[0])
        project = await project_of_key(ui.services, key) if key else None
        if project is None:
            return ui.render(
                request,
                "login.html",
                {
                    "next": target,
                    "error": "That API key is not valid here." if key else "Enter an API key.",
                },
                status_code=401,
            )
        response = RedirectResponse(target, status_code=303)
        remember_key(request, response, key)
        return response

    @router.post("/logout")
    async def logout() -> Response:
        response = RedirectResponse("/ui/login" if ui.keys_mode else "/ui", status_code=303)
        forget_key(response)
        return response

    return router


def view_link(path: str, view: ViewQuery, **override: Any) -> str:
    query = view.query_string(**override)
    return f"{path}?{query}" if query else path
