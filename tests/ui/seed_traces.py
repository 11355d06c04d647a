"""Seeds one traced run through the real HoneyHive SDK, as an application would; run as
its own process (the SDK's tracer keeps global OpenTelemetry state):

    python seed_traces.py SESSION_NAME

with HH_API_URL and HH_API_KEY set. A chain calls a model (with a chat transcript) and a
tool, then a tool fails. Prints one JSON line: {"session_id": ...}.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
import warnings

from honeyhive import HoneyHiveTracer, enrich_span, trace

warnings.simplefilter("ignore", DeprecationWarning)

CHAT = [
    {"role": "system", "content": "You answer questions about the weather in one sentence."},
    {"role": "user", "content": "Will it rain in Lisbon tomorrow?"},
]
REPLY = {"role": "assistant", "content": "Light rain is likely in Lisbon tomorrow afternoon."}


def main() -> None:
    tracer = HoneyHiveTracer.init(
        api_key=os.environ["HH_API_KEY"],
        server_url=os.environ["HH_API_URL"],
        project="ui-test",  # required by the SDK, ignored by the server
        source="ui-test",
        session_name=sys.argv[1],
    )

    @trace(event_type="tool", event_name="weather_lookup", tracer=tracer)
    def weather_lookup(city: str) -> dict[str, object]:
        enrich_span(metadata={"provider": "open-meteo"})
        # Stored start times have millisecond precision and equal ones are ordered by event
        # id: without this pause the next span could start in the same millisecond, and the
        # tree's "children in start order" would be a coin toss.
        time.sleep(0.005)
        return {"city": city, "rain_mm": 2.4}

    @trace(event_type="model", event_name="chat_completion", tracer=tracer)
    def chat_completion(forecast: str) -> str:
        enrich_span(
            inputs={"chat_history": CHAT},
            outputs=REPLY,
            config={"model": "gpt-4o-mini", "temperature": 0.2},
            metadata={
                "cost": 0.00042,
                "prompt_tokens": 38,
                "completion_tokens": 14,
                "total_tokens": 52,
            },
        )
        return str(REPLY["content"])

    @trace(event_type="chain", event_name="answer_question", tracer=tracer)
    def answer_question(question: str) -> str:
        forecast = weather_lookup("Lisbon")
        return chat_completion(json.dumps(forecast))

    @trace(event_type="tool", event_name="send_notification", tracer=tracer)
    def send_notification() -> None:
        raise ConnectionError("push service unreachable")

    answer_question("Will it rain in Lisbon tomorrow?")
    with contextlib.suppress(ConnectionError):
        send_notification()
    tracer.enrich_session(user_properties={"user_id": "user-42"}, metadata={"app": "weather-bot"})
    tracer.force_flush()
    print(json.dumps({"session_id": tracer.session_id}), flush=True)


if __name__ == "__main__":
    main()
