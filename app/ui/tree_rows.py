"""The tree rows of a session page, written in Python: with 2,000 events this is the hot
path of the page (a template spends most of its time on per-row lookups here)."""

from __future__ import annotations

from markupsafe import Markup, escape

from app.domain.trace_view import Trace
from app.ui.present import fmt_duration


def tree_rows(trace: Trace, *, expand_depth: int, selected_id: str | None) -> Markup:
    """One ARIA treeitem per event, in tree order: its twisty, type badge, name, error
    mark, duration and waterfall bar. Rows under a collapsed ancestor (deeper than
    ``expand_depth``) start hidden; the selected row (which must be one of them), else
    the first, takes the tab stop."""
    parts: list[str] = []
    for index, row in enumerate(trace.rows):
        e = row.event
        event_id = str(escape(e["event_id"]))
        kind = str(escape(e["event_type"]))
        failed = e.get("error") is not None
        selected = e["event_id"] == selected_id
        takes_tab = selected or (selected_id is None and index == 0)
        attrs = [
            f'role="treeitem" class="row t-{kind}{" err" if failed else ""}"',
            f'id="ev-{event_id}" data-id="{event_id}" data-depth="{row.depth}"',
        ]
        if row.parent_id is not None:
            attrs.append(f'data-parent="{escape(row.parent_id)}"')
        attrs.append(f'aria-level="{row.depth + 1}"')
        if row.num_children:
            attrs.append(f'aria-expanded="{"true" if row.depth < expand_depth else "false"}"')
        attrs.append(f'aria-selected="{"true" if selected else "false"}"')
        attrs.append(f'tabindex="{"0" if takes_tab else "-1"}"')
        if row.depth > expand_depth:
            attrs.append("hidden")
        mark = '<span class="err-mark">error</span>' if failed else ""
        parts.append(
            f"<div {' '.join(attrs)}>"
            f'<span class="col-name" style="--depth:{row.depth}">'
            f'<span class="twisty" aria-hidden="true"></span>'
            f'<span class="badge">{kind}</span>'
            f'<span class="label">{escape(e["event_name"])}</span>{mark}</span>'
            f'<span class="col-dur">{escape(fmt_duration(row.duration_ms))}</span>'
            f'<span class="lane"><span class="bar" style="left:{row.offset_pct}%;'
            f'width:{row.width_pct}%"></span></span></div>\n'
        )
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped
