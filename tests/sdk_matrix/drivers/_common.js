// Helpers shared by the Node drivers (run with NODE_PATH at one npm version's node_modules).
"use strict";

const sdkVersion = () => require("honeyhive/package.json").version;

// Run one step; an error is noted under errors[name] and does not stop the driver (the
// test decides what a failed step means for its scenario).
async function step(out, name, action) {
  try {
    return await action();
  } catch (error) {
    out.errors = out.errors || {};
    out.errors[name] = String(error).slice(0, 500);
    return null;
  }
}

function emit(out) {
  out.sdk_version = sdkVersion();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

module.exports = { step, emit };
