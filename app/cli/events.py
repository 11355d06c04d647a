"""The `events-api events` sub-commands (create, update, get, search, create-batch) over HTTP."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn, TextIO

import orjson
import typer
from typer.core import TyperGroup

from app.cli.api_client import (
    ApiRequestError,
    EventsApiClient,
    InvalidBaseUrl,
    ServerUnreachable,
    resolve_api_key,
    resolve_base_url,
)
from app.cli.json_args import JsonArgReader
from app.cli.rekey import with_new_ids
from app.domain.records import EventType

DEFAULT_BATCH_SIZE = 500
SEARCH_PAGE_LIMIT = 1000
_CONNECTION_KEY = "events_api.cli.connection"
_CONNECTION_PANEL = "Connection"
_JSON_INPUT_NOTE = (
    "JSON flags take inline JSON, @path/to/file.json (the file's content) or - (standard input)."
)


class _EventsGroup(TyperGroup):
    """The `events` group: prints its sub-commands' usage errors (a missing required flag, a
    flag whose JSON does not parse, ...) as one line on stderr, then exits 2."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            if getattr(exc, "exit_code", 1) != 2 or type(exc).__name__ == "NoArgsIsHelpError":
                raise
            failed_ctx = getattr(exc, "ctx", None)
            if failed_ctx is not None:
                command_path = failed_ctx.command_path
            else:
                command_path = " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand]))
            message = " ".join(exc.format_message().split()).rstrip(".")
            typer.echo(f"Error: {message}. Try '{command_path} --help' for help.", err=True)
            raise typer.Exit(2) from None


events_app = typer.Typer(
    cls=_EventsGroup,
    no_args_is_help=True,
)


# -- option declarations -------------------------------------------------------------------


def _json_option(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, metavar="JSON", show_default=False)


def _number_option(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, metavar="NUMBER", show_default=False)


def _string_option(flag: str, help_text: str) -> Any:
    return typer.Option(flag, help=help_text, metavar="TEXT", show_default=False)


DataPlaneUrl = Annotated[
    str | None,
    typer.Option(
        "--data-plane-url",
        "--base-url",
        help="Events API server URL (else env HH_DATA_PLANE_URL, then HH_API_URL; "
        "default http://127.0.0.1:8080)",
        metavar="URL",
        show_default=False,
        rich_help_panel=_CONNECTION_PANEL,
    ),
]
ApiKey = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        "--project-api-key",
        help="API key, sent as 'Authorization: Bearer KEY' (else env HH_PROJECT_API_KEY, "
        "then HH_API_KEY)",
        metavar="KEY",
        show_default=False,
        rich_help_panel=_CONNECTION_PANEL,
    ),
]


@events_app.callback()
def events_group(
    ctx: typer.Context,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    """Read and write trace events — the spans that capture every step of an AI application's
    execution.

    The connection flags are accepted here and on each sub-command (a sub-command's value wins).
    """
    ctx.meta[_CONNECTION_KEY] = (data_plane_url, api_key)


# -- helpers -------------------------------------------------------------------------------


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _number(flag: str, value: float) -> int | float:
    """A finite number, as an int when it has no fraction (Unix ms, counts)."""
    if not math.isfinite(value):
        raise typer.BadParameter("must be a finite number", param_hint=f"'{flag}'")
    return int(value) if value.is_integer() else value


class _Body:
    """Builds a request body from the flags the user gave (nothing else is sent)."""

    def __init__(self, reader: JsonArgReader) -> None:
        self.reader = reader
        self.fields: dict[str, Any] = {}

    def json(self, key: str, flag: str, raw: str | None) -> None:
        if raw is not None:
            self.fields[key] = self.reader.value(flag, raw)

    def number(self, key: str, flag: str, value: float | None) -> None:
        if value is not None:
            self.fields[key] = _number(flag, value)

    def plain(self, key: str, value: str | bool | None) -> None:
        if value is not None:
            self.fields[key] = value


def _open_client(
    ctx: typer.Context, data_plane_url: str | None, api_key: str | None
) -> EventsApiClient:
    group_url, group_key = ctx.meta.get(_CONNECTION_KEY, (None, None))
    try:
        base_url = resolve_base_url(data_plane_url or group_url, os.environ)
    except InvalidBaseUrl as exc:
        hint = "'--data-plane-url'" if exc.source.startswith("--") else f"env {exc.source}"
        raise typer.BadParameter(str(exc), param_hint=hint) from exc
    key = resolve_api_key(api_key or group_key, os.environ)
    return EventsApiClient(base_url.value or "", key.value)


def _call(request: Callable[..., Any], *args: Any) -> Any:
    """Runs one API call; an API error or a connection failure exits 1."""
    try:
        return request(*args)
    except ApiRequestError as exc:
        _fail(str(exc))
    except ServerUnreachable as exc:
        _fail(f"Error: {exc}")


def _stdout() -> TextIO:
    return sys.stdout


def _print_json(data: Any) -> None:
    """The server's answer: indented on a terminal, one compact line when piped."""
    out = _stdout()
    if isinstance(data, str):
        text = data
    else:
        option = orjson.OPT_INDENT_2 if out.isatty() else 0
        text = orjson.dumps(data, option=option).decode()
    out.write(text + "\n")
    out.flush()


class _Progress:
    """A rich progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, description: str, total: int | None) -> None:
        self._bar: Any = None
        self._task: Any = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
            )
            self._task = self._bar.add_task(description, total=total)

    def update(self, *, advance: int = 0, total: int | None = None) -> None:
        if self._bar is not None:
            if total is not None:
                self._bar.update(self._task, total=total)
            self._bar.advance(self._task, advance)

    @contextmanager
    def shown(self) -> Iterator[_Progress]:
        if self._bar is None:
            yield self
            return
        with self._bar:
            yield self


# -- commands ------------------------------------------------------------------------------


@events_app.command(
    "create",
    short_help="Create a new event",
    help=f"""Create a new event

Create a new event (span) within a session trace. The request body is a bare event object (no
event wrapper): POST /v1/events.

The server generates event_id and session_id when omitted; parent_id defaults to session_id;
event_name and source default to "unknown".

{_JSON_INPUT_NOTE}""",
)
def create(
    ctx: typer.Context,
    event_type: Annotated[
        EventType,
        typer.Option(
            "--event-type",
            help="Type of event (model, tool, chain, or session) "
            "Allowed: model, tool, chain, session.",
            show_default=False,
        ),
    ],
    inputs: Annotated[str, _json_option("--inputs", "Input data for the event")],
    children_ids: Annotated[
        str | None, _json_option("--children-ids", "Child event IDs in the trace hierarchy")
    ] = None,
    config: Annotated[
        str | None, _json_option("--config", "Configuration used for this event")
    ] = None,
    duration: Annotated[
        float | None, _number_option("--duration", "Event duration in milliseconds")
    ] = None,
    end_time: Annotated[
        float | None, _number_option("--end-time", "Event end time as Unix milliseconds")
    ] = None,
    error: Annotated[
        str | None, _string_option("--error", "Error message if the event failed")
    ] = None,
    event_id: Annotated[str | None, _string_option("--event-id", "Unique event identifier")] = None,
    event_name: Annotated[str | None, _string_option("--event-name", "Name of the event")] = None,
    feedback: Annotated[
        str | None, _json_option("--feedback", "Feedback data associated with the event")
    ] = None,
    metadata: Annotated[
        str | None, _json_option("--metadata", "Arbitrary metadata for the event")
    ] = None,
    metrics: Annotated[
        str | None, _json_option("--metrics", "Metric values computed for the event")
    ] = None,
    outputs: Annotated[str | None, _json_option("--outputs", "Output data from the event")] = None,
    parent_id: Annotated[
        str | None, _string_option("--parent-id", "Parent event ID in the trace hierarchy")
    ] = None,
    project_id: Annotated[str | None, _string_option("--project-id", "Project ID")] = None,
    session_id: Annotated[
        str | None, _string_option("--session-id", "Session this event belongs to")
    ] = None,
    source: Annotated[
        str | None, _string_option("--source", "Source of the event (e.g., sdk-python)")
    ] = None,
    start_time: Annotated[
        float | None, _number_option("--start-time", "Event start time as Unix milliseconds")
    ] = None,
    user_properties: Annotated[
        str | None,
        _json_option("--user-properties", "User properties associated with the event"),
    ] = None,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    body = _Body(JsonArgReader())
    body.plain("event_type", event_type)
    body.json("inputs", "--inputs", inputs)
    body.json("children_ids", "--children-ids", children_ids)
    body.json("config", "--config", config)
    body.number("duration", "--duration", duration)
    body.number("end_time", "--end-time", end_time)
    body.plain("error", error)
    body.plain("event_id", event_id)
    body.plain("event_name", event_name)
    body.json("feedback", "--feedback", feedback)
    body.json("metadata", "--metadata", metadata)
    body.json("metrics", "--metrics", metrics)
    body.json("outputs", "--outputs", outputs)
    body.plain("parent_id", parent_id)
    body.plain("project_id", project_id)
    body.plain("session_id", session_id)
    body.plain("source", source)
    body.number("start_time", "--start-time", start_time)
    body.json("user_properties", "--user-properties", user_properties)
    with _open_client(ctx, data_plane_url, api_key) as client:
        _print_json(_call(client.create_event, body.fields))


@events_app.command(
    "update",
    short_help="Update an event",
    help=f"""Update an event

Update fields on an existing event. Only the provided fields are modified; omitted fields are
left unchanged. Extra fields not listed below are accepted by the server but silently ignored.

Sends PUT /v1/events/EVENT_ID with the given fields (event_id goes in the path, not the body).

{_JSON_INPUT_NOTE}""",
)
def update(
    ctx: typer.Context,
    event_id: Annotated[
        str, _string_option("--event-id", "The unique identifier of the event to update")
    ],
    children_ids: Annotated[
        str | None,
        _json_option(
            "--children-ids",
            "IDs of child events to set (must be non-empty; an empty array is ignored)",
        ),
    ] = None,
    config: Annotated[
        str | None, _json_option("--config", "Configuration fields to merge into the event")
    ] = None,
    duration: Annotated[
        float | None, _number_option("--duration", "Event duration in milliseconds")
    ] = None,
    end_time: Annotated[
        float | None,
        _number_option("--end-time", "Unix timestamp in milliseconds for event end"),
    ] = None,
    feedback: Annotated[
        str | None, _json_option("--feedback", "Feedback fields to merge into the event")
    ] = None,
    metadata: Annotated[
        str | None, _json_option("--metadata", "Metadata fields to merge into the event")
    ] = None,
    metrics: Annotated[
        str | None, _json_option("--metrics", "Metric values to merge into the event")
    ] = None,
    outputs: Annotated[
        str | None,
        _json_option(
            "--outputs",
            "Output data to replace on the event (accepts objects, strings, arrays, or scalars)",
        ),
    ] = None,
    user_properties: Annotated[
        str | None,
        _json_option("--user-properties", "User properties to merge into the event"),
    ] = None,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    body = _Body(JsonArgReader())
    body.json("children_ids", "--children-ids", children_ids)
    body.json("config", "--config", config)
    body.number("duration", "--duration", duration)
    body.number("end_time", "--end-time", end_time)
    body.json("feedback", "--feedback", feedback)
    body.json("metadata", "--metadata", metadata)
    body.json("metrics", "--metrics", metrics)
    body.json("outputs", "--outputs", outputs)
    body.json("user_properties", "--user-properties", user_properties)
    with _open_client(ctx, data_plane_url, api_key) as client:
        _print_json(_call(client.update_event, event_id, body.fields))


@events_app.command(
    "get",
    short_help="Get an event by ID",
    help="""Get an event by ID

Fetch one event with all its fields: GET /v1/events/EVENT_ID. The answer is
{"event": {...}}; an unknown ID is an API error 404.""",
)
def get(
    ctx: typer.Context,
    event_id: Annotated[
        str, _string_option("--event-id", "The unique identifier of the event to get")
    ],
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    with _open_client(ctx, data_plane_url, api_key) as client:
        _print_json(_call(client.get_event, event_id))


@events_app.command(
    "search",
    short_help="Retrieve events based on filters",
    help=f"""Retrieve events based on filters

Search events via POST with filtering and pagination (POST /v1/events/search). This is the
primary method for retrieving events. Results are ordered by start_time, newest first; the
answer is {{"events": [...], "count": N}} where count is the number of matches before paging.

--filters is a JSON array of {{"field", "operator", "value", "type"}} objects, combined with AND,
e.g. '[{{"field": "metadata.cost", "operator": "greater than", "value": 0.1, "type": "number"}}]'.
--date-range is '{{"start_time": "2024-01-01T00:00:00Z", "end_time": "2024-02-01T00:00:00Z"}}'.

With --all, every page is fetched (--limit events per page, default 1000, from --page on,
default 1) and written as one event per line (JSONL), with a progress bar on stderr when it
is a terminal.

{_JSON_INPUT_NOTE}""",
)
def search(
    ctx: typer.Context,
    date_range: Annotated[str | None, _json_option("--date-range", "dateRange")] = None,
    evaluation_id: Annotated[
        str | None,
        _string_option("--evaluation-id", "Filter by evaluation/experiment run ID"),
    ] = None,
    filters: Annotated[str | None, _json_option("--filters", "filters")] = None,
    ignore_order: Annotated[
        bool | None,
        typer.Option(
            "--ignore-order/--no-ignore-order",
            help="Deprecated: accepted for SDK back-compat but treated as a no-op. Pagination "
            "requires a stable ORDER BY to produce consistent pages, and with the 1000-row cap "
            "skipping the sort is not worth the inconsistency. The route always orders by "
            "start_time DESC.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        float | None,
        _number_option("--limit", "Limit number of results (default 1000, max 1000)"),
    ] = None,
    page: Annotated[
        float | None, _number_option("--page", "Page number of results (default 1)")
    ] = None,
    all_pages: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Fetch every page of matches and write one event per line (JSONL)",
        ),
    ] = False,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    body = _Body(JsonArgReader())
    body.json("filters", "--filters", filters)
    body.json("dateRange", "--date-range", date_range)
    body.number("limit", "--limit", limit)
    body.number("page", "--page", page)
    body.plain("ignore_order", ignore_order)
    body.plain("evaluation_id", evaluation_id)
    with _open_client(ctx, data_plane_url, api_key) as client:
        if all_pages:
            _search_all(client, body.fields)
        else:
            _print_json(_call(client.search_events, body.fields))


def _match_count(answer: dict[str, Any]) -> int | None:
    for key in ("count", "totalEvents", "total_events"):
        value = answer.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def _search_all(client: EventsApiClient, query: dict[str, Any]) -> None:
    """Pages through every match, writing one compact JSON event per line."""
    limit = query.setdefault("limit", SEARCH_PAGE_LIMIT)
    page = query.setdefault("page", 1)
    out = _stdout()
    written = 0
    remaining: int | None = None
    progress = _Progress("Fetching events", total=None)
    with progress.shown():
        while True:
            answer = _call(client.search_events, {**query, "page": page})
            events = answer.get("events") if isinstance(answer, dict) else None
            if not isinstance(events, list):
                _fail(f"Error: unexpected answer from the server to a search: {answer!r:.200}")
            if remaining is None:
                count = _match_count(answer)
                if count is not None and isinstance(page, int) and isinstance(limit, int):
                    remaining = max(count - (page - 1) * limit, 0)
                progress.update(total=remaining)
            out.writelines(orjson.dumps(event).decode() + "\n" for event in events)
            out.flush()
            written += len(events)
            progress.update(advance=len(events))
            if not events or len(events) < limit:
                break
            if remaining is not None and written >= remaining:
                break
            page += 1


@events_app.command(
    "create-batch",
    short_help="Create a batch of events",
    help=f"""Create a batch of events

Create multiple events in a single request (POST /v1/events/batch). When single_session is
true, all events share the same session created from session_properties.

--events takes a JSON array of event objects, or JSONL (one JSON object per non-empty line):
a file ending in .jsonl, or any content that is not a JSON array. Each event must include
event_type (one of model, tool, chain, session) and inputs.

Large inputs are sent in requests of --batch-size events, with a progress bar on stderr when it
is a terminal; the output is then one combined {{"event_ids": [...], "success": true}} (plus
"session_id" when there is one). With --single-session and several requests, the first request
creates the session, and the following ones are sent with single_session false and each event's
session_id set to the session the first one returned.

The answer counts the events that were new ("created") and those whose event_id existed
already ("already_existed": they are left as they were, the first write wins); the CLI also
says so on stderr. --new-ids gives every event_id and session_id new UUIDs, rewriting
parent_id and children_ids to match, so that a file exported with `search --all` loads again
as a copy.

{_JSON_INPUT_NOTE}""",
)
def create_batch(
    ctx: typer.Context,
    events: Annotated[str, _json_option("--events", "Array of events to create")],
    session_properties: Annotated[
        str | None,
        _json_option("--session-properties", "Session properties for batch event creation"),
    ] = None,
    single_session: Annotated[
        bool | None,
        typer.Option(
            "--single-session/--no-single-session",
            help="If true, all events share the same session",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option("--batch-size", min=1, help="Events sent per request"),
    ] = DEFAULT_BATCH_SIZE,
    new_ids: Annotated[
        bool,
        typer.Option(
            "--new-ids",
            help="Give every event_id and session_id a new UUID (parent_id and children_ids "
            "follow), to load a copy of exported events",
        ),
    ] = False,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    reader = JsonArgReader()
    event_list = reader.events("--events", events)
    if new_ids:
        event_list = with_new_ids(event_list)
    options = _Body(reader)
    options.plain("single_session", single_session)
    options.json("session_properties", "--session-properties", session_properties)
    chunks = [event_list[i : i + batch_size] for i in range(0, len(event_list), batch_size)]
    with _open_client(ctx, data_plane_url, api_key) as client:
        if len(chunks) <= 1:
            body = {"events": event_list, **options.fields}
            progress = _Progress("Creating events", total=len(event_list))
            with progress.shown():
                answer = _call(client.create_event_batch, body)
                progress.update(advance=len(event_list))
            _print_json(answer)
            _report_outcome(answer, len(event_list))
            return
        combined = _create_in_chunks(client, chunks, options.fields, len(event_list))
        _print_json(combined)
        _report_outcome(combined, len(event_list))


def _report_outcome(answer: Any, total: int) -> None:
    """One stderr line: how many events were new, how many existed already."""
    if not isinstance(answer, dict):
        return
    created, existed = answer.get("created"), answer.get("already_existed")
    if not isinstance(created, int) or not isinstance(existed, int):
        typer.echo(f"events-api: sent {total} events (the server did not count them)", err=True)
        return
    line = f"events-api: {total} events: {created} new, {existed} already existed"
    if existed:
        line += " (left as they were: the first write wins; --new-ids loads a copy instead)"
    typer.echo(line, err=True)


def _create_in_chunks(
    client: EventsApiClient,
    chunks: Sequence[list[dict[str, Any]]],
    options: dict[str, Any],
    total: int,
) -> dict[str, Any]:
    """Sends the chunks one by one and combines the answers."""
    event_ids: list[Any] = []
    session_ids: list[Any] = []
    counts = {"created": 0, "already_existed": 0}
    counted = True
    shared_session: str | None = None
    progress = _Progress("Creating events", total=total)
    with progress.shown():
        for index, chunk in enumerate(chunks):
            if shared_session is None:
                body: dict[str, Any] = {"events": chunk, **options}
            else:
                # The session exists: attach the rest of the events to it explicitly.
                body = {
                    "events": [{**event, "session_id": shared_session} for event in chunk],
                    "single_session": False,
                }
            try:
                answer = client.create_event_batch(body)
            except (ApiRequestError, ServerUnreachable) as exc:
                _fail_partway(exc, event_ids, total)
            ids = answer.get("event_ids") if isinstance(answer, dict) else None
            if not isinstance(ids, list):
                _fail(f"Error: unexpected answer from the server to a batch: {answer!r:.200}")
            event_ids.extend(ids)
            session_ids.append(answer.get("session_id"))
            for key in counts:
                if isinstance(answer.get(key), int):
                    counts[key] += answer[key]
                else:
                    counted = False
            if index == 0 and options.get("single_session") is True:
                if not isinstance(answer.get("session_id"), str):
                    _fail_partway(
                        "Error: the server did not return the session_id of the single "
                        "session; the remaining events were not sent",
                        event_ids,
                        total,
                    )
                shared_session = answer["session_id"]
            progress.update(advance=len(chunk))
    combined: dict[str, Any] = {"event_ids": event_ids, "success": True}
    if shared_session is not None:
        combined["session_id"] = shared_session
    elif session_ids and session_ids[0] is not None and len(set(map(str, session_ids))) == 1:
        combined["session_id"] = session_ids[0]
    if counted:
        combined.update(counts)
    return combined


def _fail_partway(
    problem: ApiRequestError | ServerUnreachable | str, event_ids: list[Any], total: int
) -> NoReturn:
    message = f"Error: {problem}" if isinstance(problem, ServerUnreachable) else str(problem)
    if event_ids:
        _print_json({"event_ids": event_ids, "success": False})
        message += (
            f"\n{len(event_ids)} of {total} events were created before this error "
            "(their event_ids are on stdout)"
        )
    _fail(message)
