'use strict';
// Shared set-up for the test files: one cloud server and one bot per file, N sprite clients,
// and failure messages that carry the decoded wire traces and the processes' output.

const { locateFixture, readProjectJson, patchProject } = require('./project');
const { startServer, startBot, startRedis } = require('./processes');
const { SpriteClient } = require('./sprite_client');

let projectPromise = null;

/** The patched project, or {skip} outside CI when the fixture is missing. */
async function loadProject() {
    const where = locateFixture();
    if (where.skip) return { skip: where.skip };
    if (!projectPromise) projectPromise = readProjectJson(where.path).then(patchProject);
    return { project: await projectPromise };
}

function envNumber(name, fallback) {
    const v = process.env[name];
    return v === undefined || v === '' ? fallback : Number(v);
}

/**
 * Starts a server, a bot with `security` and `clients` sprite VMs (not yet connected).
 * `packetSize: null` starts the bot without `--packet-size` (its AUTO size for the host).
 * `nodes: 2` starts a redis-server and two servers sharing rooms through it (`--redis`):
 * the bot connects to node A (`env.server`), the sprites to node B (`env.nodeB`).
 * @returns {Promise<Env>}
 */
async function setup({ security, packetSize = 220, clients = 1, label = security, nodes = 1 }) {
    if (packetSize === null) packetSize = undefined;
    const loaded = await loadProject();
    if (loaded.skip) return { skip: loaded.skip };
    const env = { server: null, bot: null, clients: [], publicData: {}, notes: [] };
    try {
        if (nodes > 1) {
            env.redis = await startRedis();
            const extra = ['--redis', env.redis.url];
            env.server = await startServer(process.env, { extraArgs: extra, label: 'server (node A)' });
            env.nodeB = await startServer(process.env, { extraArgs: extra, label: 'server (node B)' });
        } else {
            env.server = await startServer();
        }
        const spriteUrl = (env.nodeB || env.server).url;
        env.projectId = String(100000 + Math.floor(Math.random() * 900000));
        env.bot = await startBot({ url: env.server.url, projectId: env.projectId, security, packetSize });
        env.publicData = env.bot.publicData;
        for (let i = 0; i < clients; i++) {
            const c = new SpriteClient({
                project: loaded.project,
                url: spriteUrl,
                projectId: env.projectId,
                user: `interop${i}`,
                label: `${label} sprite ${i + 1}`,
                turbo: process.env.INTEROP_TURBO === '1',
                spriteTimeout: envNumber('INTEROP_SPRITE_TIMEOUT', 10),
            });
            await c.start();
            env.clients.push(c);
        }
    } catch (err) {
        await teardown(env);
        throw err;
    }
    return env;
}

/** Stops everything; returns the bot's exit ({code, signal, killed}). */
async function teardown(env) {
    if (!env) return null;
    for (const c of env.clients || []) await c.stop();
    let botExit = null;
    if (env.bot && env.bot.proc) botExit = await env.bot.proc.stop();
    if (env.server && env.server.proc) await env.server.proc.stop();
    if (env.nodeB && env.nodeB.proc) await env.nodeB.proc.stop();
    if (env.redis && env.redis.proc) await env.redis.proc.stop();
    return botExit;
}

/** Everything useful after a failure: decoded wire traces and process output. */
function report(env) {
    const parts = [];
    for (const c of env.clients || []) parts.push(c.formatTrace());
    if (env.bot && env.bot.proc) parts.push(env.bot.proc.describe());
    if (env.server && env.server.proc) parts.push(env.server.proc.describe());
    if (env.nodeB && env.nodeB.proc) parts.push(env.nodeB.proc.describe());
    if (env.redis && env.redis.proc) parts.push(env.redis.proc.describe());
    return parts.join('\n');
}

/** Wraps a test body so that a failure carries the report. */
function traced(getEnv, fn) {
    return async (t) => {
        try {
            await fn(t);
        } catch (err) {
            const env = getEnv();
            const extra = env ? `\n\n${report(env)}` : '';
            err.message = `${err.message}${extra}`;
            console.error(`FAILED: ${t.name}${extra}`);
            throw err;
        }
    };
}

/** Prints a measurement both as a test diagnostic and on stdout. */
function measure(t, what, ms) {
    const line = `TIMING ${what}: ${Math.round(ms)} ms`;
    t.diagnostic(line);
    console.log(line);
}

/** True when the bot under test is the (patched) reference Python library. */
function isReferenceBot() {
    return process.env.INTEROP_BOT_CMD === 'python' || process.env.INTEROP_REFERENCE_BOT === '1';
}

/**
 * Test options marking a case as TODO when $INTEROP_KNOWN_DEFECTS (comma-separated, e.g.
 * "R1,R2", see README "Findings") names the defect it exposes; {} otherwise (strict).
 */
function knownDefect(code, reason) {
    const listed = (process.env.INTEROP_KNOWN_DEFECTS || '').split(',').map((x) => x.trim());
    return listed.includes(code) ? { todo: `known defect ${code}: ${reason}` } : {};
}

module.exports = { knownDefect, isReferenceBot, setup, teardown, report, traced, measure, loadProject };
