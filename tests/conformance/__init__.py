"""Conformance suite (issue 4): the server driven the way users drive it.

The real `honeyhive` 1.7.0 SDK (tracer and REST client) and the stock OpenTelemetry
exporters talk to a real `events-api serve` on a free loopback port, once on SQLite and
once on Postgres; every test reads back what the server stored through the API.

Where the scenarios of docs/protocol.md#scenarios live (each scenario-N below is an anchor
of docs/protocol.md):

    scenario-1  tracer, OTLP/JSON          test_tracer  test_tracer_json_spans_and_session_...
    scenario-2  legacy create/update/get   test_client  test_legacy_create_update_get
    scenario-3  v1 create/update           test_client  test_v1_create_update_get_defaults_and_...
    scenario-4  defaults                   (same test)
    scenario-5  export / list / session    test_client  test_export_*, test_list_*, test_get_by_...
    scenario-6  search                     test_client  test_generated_search_*
    scenario-7  batches                    test_client  test_legacy_batch_with_aliases_creates_...
    scenario-8  sessions                   test_client  test_session_start_twice_merges_metadata
    scenario-9  session-scoped batches     test_client  test_session_scoped_batches
    scenario-10 errors and retries         test_client  test_errors_*; test_retries
    scenario-11 tracer, OTLP/protobuf      test_tracer  test_tracer_protobuf_spans_map_the_same
    scenario-12 session auto-creation      test_tracer  test_tracer_skip_backend_session_creation_*

Plain OpenTelemetry (GenAI spans, protobuf and JSON, idempotent and order-independent
ingestion) is test_otel_exporters.py. Tracer scenarios run in fresh interpreters
(tracer_scenario.py), because the SDK's tracer keeps global OpenTelemetry state.
"""
