// Starts the embed_actix_web example (built by run.sh) on free ports and reads the URLs
// it prints. Every wait is bounded; stop() sends SIGTERM and, if needed, SIGKILL.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");
const fs = require("node:fs");

const START_MS = 30000;
const STOP_MS = 10000;

function exampleBinary() {
  if (process.env.DASHBOARD_EXAMPLE_BIN) return process.env.DASHBOARD_EXAMPLE_BIN;
  return path.resolve(__dirname, "../../../target/debug/examples/embed_actix_web");
}

// `args`: extra example arguments (e.g. ["--client"]).
async function startExample(args = []) {
  const bin = exampleBinary();
  if (!fs.existsSync(bin)) {
    throw new Error(`example binary missing at ${bin}; run tests/dashboard-browser/run.sh (it builds it)`);
  }
  const child = spawn(bin, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.on("data", (d) => (output += d));
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`example did not print its URLs within ${START_MS} ms:\n${output}`)), START_MS);
    const found = {};
    child.stdout.on("data", (d) => {
      output += d;
      for (const line of output.split("\n")) {
        const m = /^(cloud server|dashboard): (\S+)$/.exec(line.trim());
        if (m) found[m[1]] = m[2];
      }
      if (found["cloud server"] && found.dashboard) {
        clearTimeout(timer);
        resolve({ cloudUrl: found["cloud server"], dashboardUrl: found.dashboard });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`example exited early (code ${code}):\n${output}`));
    });
  });
  return {
    ...urls,
    output: () => output,
    // Resolves with the exit code (null when it had to be killed).
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill("SIGKILL"), STOP_MS);
        child.on("exit", (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}

module.exports = { startExample };
