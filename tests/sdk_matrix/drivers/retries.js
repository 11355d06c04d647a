// Retries on 503 for the TypeScript SDK: the test arms two 503 answers on POST /events;
// events.createEvent with the documented retryConfig (backoff; it retries 429/500/502/503/504).
"use strict";

const { HoneyHive } = require("honeyhive");
const { step, emit } = require("./_common");

(async () => {
  const out = { family: "retries" };
  const sdk = new HoneyHive({
    bearerAuth: process.env.HH_API_KEY,
    serverURL: process.env.HH_API_URL,
    retryConfig: {
      strategy: "backoff",
      backoff: { initialInterval: 100, maxInterval: 1000, exponent: 1.5, maxElapsedTime: 20000 },
      retryConnectionErrors: false,
    },
  });
  const started = Date.now();
  const created = await step(out, "retries", () =>
    sdk.events.createEvent({
      event: {
        project: "sdk-matrix",
        source: "matrix",
        eventName: "retried",
        eventType: "tool",
        config: {},
        inputs: { q: 1 },
        duration: 1,
        metadata: { run: process.env.MATRIX_RUN },
      },
    }),
  );
  out.event_id = created && created.eventId;
  out.elapsed_s = (Date.now() - started) / 1000;
  emit(out);
})().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
