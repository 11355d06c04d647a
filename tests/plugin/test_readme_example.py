"""Test that an app traced with the HoneyHive SDK sends the spans you expect.

The `events_api` fixture comes from the pytest plugin installed with events-api-server:
a local server in test mode, reset before each test, with HH_API_URL and HH_API_KEY set.
"""

from honeyhive import HoneyHive, HoneyHiveTracer, trace


def build_app(tracer):
    """The code under test: a chain that calls a tool."""

    @trace(event_type="tool", tracer=tracer)
    def lookup(city):
        return {"city": city, "temp_c": 21}

    @trace(event_type="chain", tracer=tracer)
    def answer(question):
        weather = lookup(question.split()[-1])
        return f"{weather['temp_c']} C in {weather['city']}"

    return answer


def test_spans_arrive_with_inputs_outputs_and_parents(events_api):
    tracer = HoneyHiveTracer.init(source="test", session_name="weather")
    answer = build_app(tracer)

    assert answer("weather in Paris") == "21 C in Paris"
    tracer.force_flush()

    [chain] = events_api.wait_for(1, event_type="chain", session_id=tracer.session_id)
    [tool] = events_api.wait_for(1, event_type="tool", session_id=tracer.session_id)
    assert chain["inputs"] == {"question": "weather in Paris"}
    assert chain["outputs"] == {"result": "21 C in Paris"}
    assert tool["parent_id"] == chain["event_id"]
    assert tool["outputs"] == {"result": {"city": "Paris", "temp_c": 21}}


def test_export_survives_a_503(events_api):
    events_api.fail_next("POST", "/v1/events/export", status=503, count=1)

    HoneyHive().events.export(filters=[])  # the SDK retries export on 503

    exports = events_api.requests(method="POST", path="/v1/events/export")
    assert [request["status"] for request in exports] == [503, 200]
