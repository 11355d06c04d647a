"""`events-api events delete`: delete one event, a session, or what filters match."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from app.cli.events import (
    _JSON_INPUT_NOTE,
    ApiKey,
    DataPlaneUrl,
    _Body,
    _call,
    _fail,
    _json_option,
    _open_client,
    _print_json,
    _string_option,
    events_app,
)
from app.cli.json_args import JsonArgReader

__all__ = ["delete", "events_app"]


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@events_app.command(
    "delete",
    short_help="Delete an event, a session, or the events filters match",
    help=f"""Delete an event, a session, or the events filters match

Exactly one of: --event-id (DELETE /v1/events/ID), --session-id (DELETE /v1/sessions/ID:
the session event and all its events), or --filters / --date-range / --all
(POST /v1/events/delete, the filters and dateRange of search; deleting every event of the
project needs --all). The answer carries the number of events deleted.

--dry-run only counts what would be deleted. Otherwise the command asks for confirmation
when standard input is a terminal, and refuses to run without --yes when it is not.

{_JSON_INPUT_NOTE}""",
)
def delete(
    ctx: typer.Context,
    event_id: Annotated[str | None, _string_option("--event-id", "The event to delete")] = None,
    session_id: Annotated[
        str | None, _string_option("--session-id", "The session to delete, with its events")
    ] = None,
    filters: Annotated[str | None, _json_option("--filters", "filters (as search)")] = None,
    date_range: Annotated[str | None, _json_option("--date-range", "dateRange (as search)")] = None,
    all_events: Annotated[
        bool, typer.Option("--all", help="With no filter: delete every event of the project")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count the events that would be deleted")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    data_plane_url: DataPlaneUrl = None,
    api_key: ApiKey = None,
) -> None:
    by_query = filters is not None or date_range is not None or all_events
    chosen = [event_id is not None, session_id is not None, by_query]
    if sum(chosen) != 1:
        raise typer.BadParameter(
            "give exactly one of --event-id, --session-id, or --filters/--date-range/--all",
            param_hint="'--event-id'",
        )
    if dry_run and not by_query:
        raise typer.BadParameter(
            "--dry-run counts what filters match: use it with --filters/--date-range/--all",
            param_hint="'--dry-run'",
        )
    body = _Body(JsonArgReader())
    body.json("filters", "--filters", filters)
    body.json("dateRange", "--date-range", date_range)
    if all_events:
        body.plain("all", True)
    with _open_client(ctx, data_plane_url, api_key) as client:
        if dry_run:
            _print_json(_call(client.delete_events, {**body.fields, "dry_run": True}))
            return
        if not yes:
            _confirm(client, event_id, session_id, body.fields)
        if event_id is not None:
            _print_json(_call(client.delete_event, event_id))
        elif session_id is not None:
            _print_json(_call(client.delete_session, session_id))
        else:
            _print_json(_call(client.delete_events, body.fields))


def _confirm(client: Any, event_id: str | None, session_id: str | None, query: Any) -> None:
    if not _stdin_is_terminal():
        _fail("Error: refusing to delete without --yes (standard input is not a terminal)", 2)
    if event_id is not None:
        what = f"event {event_id}"
    elif session_id is not None:
        what = f"session {session_id} and all its events"
    else:
        count = _call(client.delete_events, {**query, "dry_run": True}).get("count")
        what = f"{count} event(s)"
    if not typer.confirm(f"Delete {what}?", default=False, err=True):
        _fail("Aborted: nothing was deleted.", 1)
