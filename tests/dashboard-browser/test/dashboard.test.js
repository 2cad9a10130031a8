// End to end: the embed_actix_web example (cloud server + two projects + dashboard) in
// headless Chromium. The page must show both projects, receive a variable set by another
// cloud connection live (no reload), set a value through its form that reaches that other
// connection, show a JSON error for a bad value, list the request bot's sprite client and
// its requests, and leave a screenshot under target/.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { chromium } = require("playwright-core");
const { startExample } = require("../lib/example");

const CHROMIUM = process.env.DASHBOARD_CHROMIUM || "/usr/bin/chromium";
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT || path.resolve(__dirname, "../../../target/dashboard-screenshot.png");
const STEP_MS = 15000; // every wait is bounded by this

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// A second cloud connection, opened with the browser's own WebSocket in a blank page: it
// joins `project`, records every frame it receives, and can set variables.
async function openCloudClient(context, cloudUrl, project, user) {
  const page = await context.newPage();
  await page.evaluate(
    ({ url, project, user }) =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        window.received = [];
        window.cloud = ws;
        window.cloudUser = user;
        window.cloudProject = project;
        ws.onmessage = (e) => {
          for (const line of String(e.data).split("\n")) if (line.trim()) window.received.push(JSON.parse(line));
        };
        ws.onerror = () => reject(new Error("websocket error"));
        ws.onopen = () => {
          ws.send(JSON.stringify({ method: "handshake", user, project_id: project }) + "\n");
          resolve();
        };
      }),
    { url: cloudUrl, project, user },
  );
  return {
    page,
    set: (name, value) =>
      page.evaluate(
        ({ name, value }) =>
          window.cloud.send(
            JSON.stringify({ method: "set", name, value, user: window.cloudUser, project_id: window.cloudProject }) + "\n",
          ),
        { name, value },
      ),
    waitFor: (name, value) =>
      page.waitForFunction(
        ({ name, value }) => window.received.some((m) => m.method === "set" && m.name === name && String(m.value) === value),
        { name, value },
        { timeout: STEP_MS },
      ),
  };
}

const cell = (page, id, name) => page.locator(`article.project[data-id="${id}"] tr[data-name="${name}"] td.value`);

test("dashboard in headless Chromium: live push, form set, errors, screenshot", { timeout: 120000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  const example = await startExample(["--client"]);
  t.after(() => example.stop());

  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1200, height: 800 },
  });
  t.after(async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  });

  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(example.dashboardUrl, { timeout: STEP_MS });
  await page.locator("#live").filter({ hasText: /^live$/ }).waitFor({ timeout: STEP_MS });

  // Both projects, with host, state and reconnect count.
  for (const id of ["custom:1001", "custom:1002"]) {
    const card = page.locator(`article.project[data-id="${id}"]`);
    await card.waitFor({ timeout: STEP_MS });
    assert.equal(await card.locator(".state").textContent(), "connected");
    assert.equal(await card.locator(".host").textContent(), "custom");
    assert.equal(await card.locator(".reconnects").textContent(), "0");
  }
  assert.equal(await cell(page, "custom:1001", "score").textContent(), "0");

  // Another connection sets a value: the page shows it without reloading.
  await page.evaluate(() => (window.notReloaded = true));
  const player = await openCloudClient(context, example.cloudUrl, "1001", "player1");
  await player.set("☁ score", "42");
  await page.waitForFunction(
    () => document.querySelector('article.project[data-id="custom:1001"] tr[data-name="score"] td.value')?.textContent === "42",
    null,
    { timeout: STEP_MS },
  );
  assert.equal(await page.evaluate(() => window.notReloaded), true, "pushed live, not reloaded");
  await page.locator("#activity li", { hasText: "score" }).first().waitFor({ timeout: STEP_MS });

  // A value set through the page's form reaches the other connection.
  const listener = await openCloudClient(context, example.cloudUrl, "1002", "player2");
  const form = page.locator('article.project[data-id="custom:1002"] form.set-form');
  await form.locator('input[name="name"]').fill("level");
  await form.locator('input[name="value"]').fill("7");
  await form.locator("button").click();
  await form.locator(".result.ok").filter({ hasText: "set level = 7" }).waitFor({ timeout: STEP_MS });
  await listener.waitFor("☁ level", "7");
  await page.waitForFunction(
    () => document.querySelector('article.project[data-id="custom:1002"] tr[data-name="level"] td.value')?.textContent === "7",
    null,
    { timeout: STEP_MS },
  );
  const api = await (await fetch(example.dashboardUrl + "api/projects")).json();
  assert.equal(api.projects.find((p) => p.project_id === "1002").variables.level, "7");

  // A value the host refuses: the JSON error is shown, nothing is sent.
  await form.locator('input[name="value"]').fill("not a number");
  await form.locator("button").click();
  const error = form.locator(".result.error");
  await error.waitFor({ timeout: STEP_MS });
  assert.match(await error.textContent(), /only plain decimals/);

  // The request bot's panel: the simulated sprite client and its requests, pushed live.
  const bot = page.locator('article.socket[data-id="bot1002"]');
  await bot.locator(".socket-kind").filter({ hasText: "Request bot" }).waitFor({ timeout: STEP_MS });
  await bot.locator(".clients tbody tr").first().waitFor({ timeout: STEP_MS });
  assert.match(await bot.locator(".clients tbody tr td").nth(0).textContent(), /^\d{5}$/);
  assert.equal(await bot.locator(".clients tbody tr td").nth(2).textContent(), "no");
  await page.waitForFunction(
    () => parseInt(document.querySelector('article.socket[data-id="bot1002"] .messages')?.textContent, 10) >= 2,
    null,
    { timeout: STEP_MS },
  );
  // Served count, errors and latency (from the bot's Served events), pushed live.
  await page.waitForFunction(
    () => parseInt(document.querySelector('article.socket[data-id="bot1002"] .served')?.textContent, 10) >= 2,
    null,
    { timeout: STEP_MS },
  );
  assert.match(await bot.locator(".errors").textContent(), /^\d+$/);
  for (const which of [".lat-last", ".lat-mean", ".lat-p50", ".lat-p99"]) {
    assert.match(await bot.locator(which).textContent(), /^\d+(\.\d+)? m?s$/, which);
  }
  assert.match(await bot.locator(".lat-window").textContent(), /last \d+/);

  // The same set once more from the other side, so the screenshot shows a fresh flash.
  await player.set("☁ score", "43");
  await page.waitForFunction(
    () => document.querySelector('article.project[data-id="custom:1001"] tr[data-name="score"] td.value')?.textContent === "43",
    null,
    { timeout: STEP_MS },
  );
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.ok(fs.statSync(SCREENSHOT).size > 1000, "screenshot written");
  console.log(`screenshot: ${SCREENSHOT}`);
  assert.deepEqual(pageErrors, [], "no script errors on the page");

  // The page's live stream is open; the example still shuts down promptly and cleanly.
  assert.equal(await example.stop(), 0, "example exits with 0 on SIGTERM:\n" + example.output());
});
