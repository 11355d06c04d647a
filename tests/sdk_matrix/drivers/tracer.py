"""Tracer scenario, run by the SDK version's own interpreter (not the test's).

A session started by the tracer, three nested traced functions (chain -> tool -> tool) with
span enrichment, then session enrichment. Adapts to the installed `honeyhive`:

* 0.2.x: module-level `HoneyHiveTracer.init(...)`, `trace`, `enrich_span`, `enrich_session`;
* 1.x:   a tracer instance passed to `trace(tracer=...)`, `tracer.enrich_session(...)`.

Prints one JSON line: the session id and what each step raised (if anything).
"""

from __future__ import annotations

import os
import sys

from _common import emit, major_minor, step

URL = os.environ["HH_API_URL"]
KEY = os.environ["HH_API_KEY"]
PROJECT = "sdk-matrix"


def run_0_2(out: dict[str, object]) -> None:
    from honeyhive import HoneyHiveTracer, enrich_session, enrich_span, trace

    # 0.2.20 keeps the session on the class and returns None; later 0.2.x return an instance.
    # 0.2.x swallow every error of init(); verbose=True prints it (to the test's log).
    tracer = HoneyHiveTracer.init(
        api_key=KEY,
        project=PROJECT,
        session_name="matrix-tracer",
        source="matrix",
        server_url=URL,
        verbose=True,
    )
    out["session_id"] = getattr(tracer or HoneyHiveTracer, "session_id", None)

    @trace(event_type="tool", metadata={"level": 3})
    def leaf(n: int) -> int:
        enrich_span(metadata={"cost": 0.01}, metrics={"score": 0.5})
        return n * 2

    @trace(event_type="tool", config={"k": "v"})
    def middle(n: int) -> int:
        return leaf(n) + 1

    @trace(event_type="chain", metadata={"level": 1})
    def outer(question: str) -> str:
        return f"{question}:{middle(20)}"

    out["result"] = outer("q")
    step(
        out,
        "enrich_session",
        lambda: enrich_session(metadata={"enriched": True}, feedback={"rating": 5}),
    )
    step(out, "flush", HoneyHiveTracer.flush)


def run_1(out: dict[str, object]) -> None:
    from honeyhive import HoneyHiveTracer, enrich_span, trace

    tracer = HoneyHiveTracer.init(
        api_key=KEY, project=PROJECT, server_url=URL, source="matrix", session_name="matrix-tracer"
    )
    out["session_id"] = tracer.session_id

    @trace(event_type="tool", metadata={"level": 3}, tracer=tracer)
    def leaf(n: int) -> int:
        enrich_span(metadata={"cost": 0.01}, metrics={"score": 0.5})
        return n * 2

    @trace(event_type="tool", span_config={"k": "v"}, tracer=tracer)
    def middle(n: int) -> int:
        return leaf(n) + 1

    @trace(event_type="chain", metadata={"level": 1}, tracer=tracer)
    def outer(question: str) -> str:
        return f"{question}:{middle(20)}"

    out["result"] = outer("q")
    step(
        out,
        "enrich_session",
        lambda: tracer.enrich_session(metadata={"enriched": True}, feedback={"rating": 5}),
    )
    step(out, "flush", tracer.force_flush)


def main() -> None:
    out: dict[str, object] = {"family": "tracer"}
    if major_minor() >= (1, 0):
        run_1(out)
    elif major_minor() >= (0, 2):
        run_0_2(out)
    else:
        sys.exit("0.1.x has no tracer that can be pointed at a server")
    emit(out)


if __name__ == "__main__":
    main()
