"""The SDK compatibility matrix: which `honeyhive` versions, which scenarios, and why a cell
is not expected to work. Everything else (the table in docs/sdk-compatibility.md) is
derived from the outcomes of a run."""

from __future__ import annotations

from dataclasses import dataclass

# Every line still in use: 0.1.x, 0.2.x (0.2.57 is the last 0.x), 1.0.x, 1.1-1.6 and 1.7.
VERSIONS = ("0.1.96", "0.2.20", "0.2.40", "0.2.57", "1.0.2", "1.3.0", "1.5.1", "1.6.1", "1.7.0")

# The TypeScript SDK (npm `honeyhive`): of the versions the registry lists (0.6.4, 1.0.42,
# 1.0.44), 1.0.44 ships no code; 1.0.42 ships CommonJS and needs its peer `zod`. A row of
# the table is ``ts-<version>`` for these.
NPM_VERSIONS = ("1.0.42",)
NPM_EXTRA_REQUIREMENTS = {"1.0.42": ("zod@3",)}
ROWS = VERSIONS + tuple(f"ts-{v}" for v in NPM_VERSIONS)


def is_npm(row: str) -> bool:
    return row.startswith("ts-")


def label(row: str) -> str:
    return f"TypeScript {row[3:]}" if is_npm(row) else row


# What a version's environment needs besides `honeyhive==V`. 0.2.x import pkg_resources
# (`honeyhive.utils.telemetry`) without declaring setuptools, and setuptools 81 dropped it.
EXTRA_REQUIREMENTS = {
    "0.2.20": ("setuptools<81",),
    "0.2.40": ("setuptools<81",),
    "0.2.57": ("setuptools<81",),
}


@dataclass(frozen=True)
class Scenario:
    name: str
    family: str  # the driver script that performs it (tests/sdk_matrix/drivers/<family>.py)
    title: str  # the table's column heading


SCENARIOS = (
    Scenario("tracer", "tracer", "tracer: session + 3 nested traced functions"),
    Scenario("session_enrich", "tracer", "tracer: enrich_session"),
    Scenario("session_start", "client", "client: start session"),
    Scenario("get_session", "client", "client: get_session"),
    Scenario("create_update", "client", "client: create + update"),
    Scenario("batch", "client", "client: batch"),
    Scenario("export", "client", "client: export"),
    Scenario("search", "client", "client: search"),
    Scenario("retries", "retries", "retries on 503"),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)
FAMILY = {s.name: s.family for s in SCENARIOS}

ONE_X = ("1.0.2", "1.3.0", "1.5.1", "1.6.1", "1.7.0")
ZERO_TWO = ("0.2.20", "0.2.40", "0.2.57")

# Cells where the version does not have the feature: not run, shown as "n/a: <why>".
NOT_IN_VERSION: dict[tuple[str, str], str] = {
    ("0.1.96", "tracer"): "its tracer posts to the hard-coded https://api.honeyhive.ai "
    "(no server URL option)",
    ("0.1.96", "session_enrich"): "no tracer that can reach a self-hosted server",
    ("0.1.96", "export"): "0.1.x has no call that reads events (only get_session)",
    ("0.1.96", "retries"): "accepts retry_config, but no operation retries",
    ("0.2.20", "retries"): "accepts retry_config, but no operation retries",
    **{(v, "search"): "0.x has no search call (only export)" for v in ("0.1.96", *ZERO_TWO)},
    **{
        (v, "get_session"): "1.x has no get_session (sessions are read back with export)"
        for v in ONE_X
    },
    **{
        (f"ts-{v}", "search"): "the TypeScript SDK has no search call (only getEvents)"
        for v in NPM_VERSIONS
    },
}

# Cells that run and show a documented limitation that no server can fix: the test proves
# the limitation (so the table cannot claim it without evidence).
LIMITATIONS: dict[tuple[str, str], str] = {
    ("0.2.20", "session_enrich"): "enrich_session builds its client without server_url and "
    "always calls https://api.honeyhive.ai",
}


def expected(version: str, scenario: str) -> str:
    """What a cell must show: ``works``, ``n/a: ...`` or ``limitation: ...``."""
    if (version, scenario) in NOT_IN_VERSION:
        return f"n/a: {NOT_IN_VERSION[version, scenario]}"
    if (version, scenario) in LIMITATIONS:
        return f"limitation: {LIMITATIONS[version, scenario]}"
    return "works"


def families(version: str) -> tuple[str, ...]:
    """The driver scripts a version runs: those with at least one runnable scenario."""
    runnable = {FAMILY[s] for s in SCENARIO_NAMES if (version, s) not in NOT_IN_VERSION}
    return tuple(f for f in ("tracer", "client", "retries") if f in runnable)
