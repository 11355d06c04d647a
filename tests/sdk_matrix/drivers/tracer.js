// Tracer scenario for the TypeScript SDK (npm `honeyhive`), the same as tracer.py: a session
// started by the tracer, outer (chain) -> middle (tool) -> leaf (tool) with span
// enrichment, then session enrichment. Prints one JSON line.
"use strict";

const { HoneyHiveTracer, enrichSpan } = require("honeyhive");
const { step, emit } = require("./_common");

(async () => {
  const out = { family: "tracer" };
  const tracer = await HoneyHiveTracer.init({
    apiKey: process.env.HH_API_KEY,
    project: "sdk-matrix",
    serverUrl: process.env.HH_API_URL,
    sessionName: "matrix-tracer",
    source: "matrix",
  });
  out.session_id = tracer.sessionId;
  const leaf = tracer.traceTool(
    function leaf(n) {
      enrichSpan({ metadata: { cost: 0.01 }, metrics: { score: 0.5 } });
      return n * 2;
    },
    { metadata: { level: 3 } },
  );
  const middle = tracer.traceTool(function middle(n) {
    return leaf(n) + 1;
  }, { config: { k: "v" } });
  const outer = tracer.traceChain(function outer(question) {
    return `${question}:${middle(20)}`;
  }, { metadata: { level: 1 } });
  out.result = tracer.trace(() => outer("q"));
  await step(out, "enrich_session", () =>
    tracer.enrichSession({ metadata: { enriched: true }, feedback: { rating: 5 } }),
  );
  await step(out, "flush", () => tracer.flush());
  emit(out);
})().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
