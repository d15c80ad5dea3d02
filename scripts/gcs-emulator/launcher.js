// Starts Google's Cloud Storage emulator (npm firebase-tools, lib/emulator/storage) without the
// firebase CLI, which needs Java 21. The security-rules runtime is stubbed: the GCS JSON routes go
// through the emulator's admin layer, which never evaluates rules.
// Usage: node launcher.js <firebase-tools dir> <port> <blob dir>
"use strict";
const path = require("path");
const os = require("os");
const [toolsDir, portText, blobDir] = process.argv.slice(2);
if (!toolsDir || !portText || !blobDir) {
  console.error("usage: node launcher.js <firebase-tools dir> <port> <blob dir>");
  process.exit(2);
}
// The emulator keeps upload blobs under os.tmpdir(); give each instance its own.
os.tmpdir = () => blobDir;
const lib = path.join(toolsDir, "node_modules", "firebase-tools", "lib");
const { StorageEmulator } = require(path.join(lib, "emulator", "storage"));
const { EmulatorRegistry } = require(path.join(lib, "emulator", "registry"));

const port = Number(portText);
const emulator = new StorageEmulator({ projectId: "heavysync-test", host: "127.0.0.1", port, rules: [] });
// The Firebase-SDK routes (/v0) refuse every request while no ruleset is loaded. The test layer uses
// one of them: appending to a resumable upload without finishing it (each GCS JSON chunk PUT also
// finishes the upload), to store objects larger than one request body may be (130 MB). That command
// evaluates no rules, so a placeholder stands for the ruleset; nothing else uses the /v0 routes.
const placeholderRuleset = Object.freeze({});
const noRules = { start: async () => [], stop: async () => {}, getRuleset: () => placeholderRuleset };
emulator._rulesRuntime = { start: async () => {}, stop: async () => {} };
emulator._rulesManager = noRules;
emulator.createRulesManager = () => noRules;

(async () => {
  // Resumable-upload URLs are built from the registry's idea of where the emulator listens.
  await EmulatorRegistry.start(emulator);
  console.log(`storage emulator listening on 127.0.0.1:${port}`);
})().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    emulator.stop().finally(() => process.exit(0));
  });
}
