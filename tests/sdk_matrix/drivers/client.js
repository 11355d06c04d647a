// REST client scenarios for the TypeScript SDK (npm `honeyhive`), the same as client.py's
// 0.2.x branch: session.startSession / getSession, events.createEvent / updateEvent /
// createEventBatch / getEvents. Prints what the SDK returned, one JSON line.
"use strict";

const { HoneyHive } = require("honeyhive");
const { step, emit } = require("./_common");

const RUN = process.env.MATRIX_RUN;

(async () => {
  const out = { family: "client" };
  const sdk = new HoneyHive({ bearerAuth: process.env.HH_API_KEY, serverURL: process.env.HH_API_URL });
  const started = await step(out, "session_start", () =>
    sdk.session.startSession({
      session: {
        project: "sdk-matrix",
        sessionName: "matrix-client",
        source: "matrix",
        metadata: { run: RUN },
        userProperties: { user: "u1" },
      },
    }),
  );
  const sid = (out.session_id = started && started.sessionId);
  out.get_session = await step(out, "get_session", async () => {
    const event = await sdk.session.getSession(sid);
    return {
      event_id: event.eventId,
      event_type: event.eventType,
      event_name: event.eventName,
      metadata: event.metadata,
    };
  });
  const event = (name, fields) => ({
    project: "sdk-matrix",
    source: "matrix",
    eventName: name,
    eventType: "tool",
    config: { model: "m" },
    inputs: { q: name },
    duration: 5,
    sessionId: sid,
    metadata: { run: RUN },
    ...fields,
  });
  const created = await step(out, "create", () => sdk.events.createEvent({ event: event("created") }));
  out.created_id = created && created.eventId;
  await step(out, "update", () =>
    sdk.events.updateEvent({ eventId: out.created_id, metadata: { updated: true }, outputs: { answer: 42 } }),
  );
  out.batch = await step(out, "batch", async () => {
    const batch = await sdk.events.createEventBatch({
      events: [0, 1].map((i) => event(`batch-${i}`, { inputs: { i } })),
    });
    return batch.eventIds;
  });
  out.export = await step(out, "export", async () => {
    const page = await sdk.events.getEvents({
      project: "sdk-matrix",
      filters: [{ field: "metadata.run", value: RUN, operator: "is", type: "string" }],
    });
    return page.events.map((e) => e.eventName).sort();
  });
  emit(out);
})().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
