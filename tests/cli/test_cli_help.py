"""`--help` of every `events` command lists the flags of the product's tables, with their
descriptions and required marks."""

from __future__ import annotations

from typing import Any

import pytest

# (flag, description, required) exactly as in the product's documentation tables.
SEED_TABLES: dict[str, list[tuple[str, str, bool]]] = {
    "create": [
        (
            "--event-type",
            "Type of event (model, tool, chain, or session) Allowed: model, tool, chain, session.",
            True,
        ),
        ("--inputs", "Input data for the event", True),
        ("--children-ids", "Child event IDs in the trace hierarchy", False),
        ("--config", "Configuration used for this event", False),
        ("--duration", "Event duration in milliseconds", False),
        ("--end-time", "Event end time as Unix milliseconds", False),
        ("--error", "Error message if the event failed", False),
        ("--event-id", "Unique event identifier", False),
        ("--event-name", "Name of the event", False),
        ("--feedback", "Feedback data associated with the event", False),
        ("--metadata", "Arbitrary metadata for the event", False),
        ("--metrics", "Metric values computed for the event", False),
        ("--outputs", "Output data from the event", False),
        ("--parent-id", "Parent event ID in the trace hierarchy", False),
        ("--project-id", "Project ID", False),
        ("--session-id", "Session this event belongs to", False),
        ("--source", "Source of the event (e.g., sdk-python)", False),
        ("--start-time", "Event start time as Unix milliseconds", False),
        ("--user-properties", "User properties associated with the event", False),
    ],
    "update": [
        ("--event-id", "The unique identifier of the event to update", True),
        (
            "--children-ids",
            "IDs of child events to set (must be non-empty; an empty array is ignored)",
            False,
        ),
        ("--config", "Configuration fields to merge into the event", False),
        ("--duration", "Event duration in milliseconds", False),
        ("--end-time", "Unix timestamp in milliseconds for event end", False),
        ("--feedback", "Feedback fields to merge into the event", False),
        ("--metadata", "Metadata fields to merge into the event", False),
        ("--metrics", "Metric values to merge into the event", False),
        (
            "--outputs",
            "Output data to replace on the event (accepts objects, strings, arrays, or scalars)",
            False,
        ),
        ("--user-properties", "User properties to merge into the event", False),
    ],
    "search": [
        ("--date-range", "dateRange", False),
        ("--evaluation-id", "Filter by evaluation/experiment run ID", False),
        ("--filters", "filters", False),
        (
            "--ignore-order",
            "Deprecated: accepted for SDK back-compat but treated as a no-op. Pagination "
            "requires a stable ORDER BY to produce consistent pages, and with the 1000-row cap "
            "skipping the sort is not worth the inconsistency. The route always orders by "
            "start_time DESC.",
            False,
        ),
        ("--limit", "Limit number of results (default 1000, max 1000)", False),
        ("--page", "Page number of results (default 1)", False),
    ],
    "create-batch": [
        ("--events", "Array of events to create", True),
        ("--session-properties", "Session properties for batch event creation", False),
        ("--single-session", "If true, all events share the same session", False),
    ],
}
COMMAND_SUMMARIES = {
    "create": "Create a new event",
    "update": "Update an event",
    "search": "Retrieve events based on filters",
    "create-batch": "Create a batch of events",
    "get": "Get an event by ID",
}


def help_rows(run_cli: Any, *command: str) -> list[str]:
    """The rows of the help's panels (options, commands), one per line, borders removed."""
    result = run_cli("events", *command, "--help", env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    rows = []
    for line in result.stdout.splitlines():
        if line.startswith("│"):
            rows.append(" ".join(line.strip("│ ").split()))
    return rows


@pytest.mark.parametrize("command", sorted(SEED_TABLES))
def test_every_seed_flag_with_its_description(run_cli: Any, command: str) -> None:
    rows = help_rows(run_cli, command)
    for flag, description, required in SEED_TABLES[command]:
        matching = [row for row in rows if row.lstrip("* ").startswith(flag + " ")]
        assert len(matching) == 1, (flag, rows)
        assert description in matching[0], (flag, matching[0])
        assert matching[0].startswith("*") is required, (flag, matching[0])
        assert ("[required]" in matching[0]) is required


def test_boolean_flags_have_their_negations(run_cli: Any) -> None:
    assert any("--no-ignore-order" in row for row in help_rows(run_cli, "search"))
    assert any("--no-single-session" in row for row in help_rows(run_cli, "create-batch"))


def test_event_type_lists_its_allowed_values(run_cli: Any) -> None:
    row = next(row for row in help_rows(run_cli, "create") if "--event-type" in row)
    assert "model|tool|chain|session" in row


def test_extra_flags(run_cli: Any) -> None:
    assert any(row.startswith("* --event-id") for row in help_rows(run_cli, "get"))
    assert any(row.startswith("--all ") for row in help_rows(run_cli, "search"))
    assert any(
        row.startswith("--batch-size") and "default: 500" in row
        for row in help_rows(run_cli, "create-batch")
    )


@pytest.mark.parametrize("command", sorted(COMMAND_SUMMARIES))
def test_commands_are_listed_with_their_summary(run_cli: Any, command: str) -> None:
    rows = help_rows(run_cli)
    assert f"{command} {COMMAND_SUMMARIES[command]}" in rows
    assert any("--data-plane-url,--base-url" in row for row in help_rows(run_cli, command))
    assert any("--api-key,--project-api-key" in row for row in help_rows(run_cli, command))
