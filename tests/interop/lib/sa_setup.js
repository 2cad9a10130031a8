'use strict';
// Set-up for the scratchattach-kit files: which cloud servers to run against (ours and
// TurboWarp's own), `examples/sa_bot` processes, and failure reports with decoded traces.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const WebSocket = require('ws');
const { startServer, freePort, Proc, REPO_ROOT } = require('./processes');

const START_TIMEOUT_MS = Number(process.env.INTEROP_START_TIMEOUT_MS || 300000);

function words(s) {
    return s.trim().split(/\s+/).filter(Boolean);
}

function canConnect(url) {
    return new Promise((resolve) => {
        const ws = new WebSocket(url);
        const done = (ok) => { ws.removeAllListeners(); try { ws.terminate(); } catch (e) { /* gone */ } resolve(ok); };
        ws.on('open', () => done(true));
        ws.on('error', () => done(false));
    });
}

/** TurboWarp's own cloud-server (tools/peers/turbowarp.sh) on a free loopback port. */
async function startTurboWarp() {
    const port = await freePort();
    const proc = new Proc('turbowarp server', ['bash', path.join(REPO_ROOT, 'tools', 'peers', 'turbowarp.sh'), 'run', String(port)]);
    const url = `ws://127.0.0.1:${port}/`;
    const end = Date.now() + START_TIMEOUT_MS;
    while (!(await canConnect(url))) {
        if (proc.exit || Date.now() > end) {
            await proc.stop();
            throw new Error(`TurboWarp's server did not start\n${proc.describe()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return { url, proc };
}

/** Servers to test against: ours always, TurboWarp's unless INTEROP_SA_TURBOWARP=0. */
function servers() {
    const list = [{ name: 'our server', start: () => startServer() }];
    if (process.env.INTEROP_SA_TURBOWARP !== '0') list.push({ name: "TurboWarp's server", start: startTurboWarp });
    return list;
}

/**
 * Starts `examples/sa_bot` ($INTEROP_SA_BOT_CMD) for `kind` in room `projectId`; resolves
 * once its ready file exists, with {proc, dbDir}.
 */
async function startSaBot({ url, projectId, kind, lengthLimit, rate }) {
    const cmd = process.env.INTEROP_SA_BOT_CMD || 'cargo run -q --example sa_bot --';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-sa-bot-'));
    const ready = path.join(dir, 'ready.json');
    const dbDir = path.join(dir, 'db');
    fs.mkdirSync(dbDir);
    const argv = [...words(cmd), '--host', url, '--project-id', String(projectId), '--kind', kind,
        '--ready-file', ready, '--db-dir', dbDir];
    if (lengthLimit !== undefined) argv.push('--length-limit', String(lengthLimit));
    if (rate !== undefined) argv.push('--rate', String(rate));
    const proc = new Proc(`sa_bot (${kind}${lengthLimit ? `, length ${lengthLimit}` : ''}${rate !== undefined ? `, rate ${rate}` : ''})`, argv);
    const end = Date.now() + START_TIMEOUT_MS;
    while (!fs.existsSync(ready)) {
        if (proc.exit || Date.now() > end) {
            await proc.stop();
            throw new Error(`sa_bot did not write ${ready}\n${proc.describe()}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    if (fs.readFileSync(ready, 'utf8').trim() !== '{}') throw new Error(`sa_bot's ready file is not {}`);
    return { proc, dbDir };
}

function room() {
    return String(100000 + Math.floor(Math.random() * 900000));
}

/** Wraps a test body so that a failure carries every trace and process output of `env`. */
function traced(getEnv, fn) {
    return async (t) => {
        try {
            await fn(t);
        } catch (err) {
            const env = getEnv() || {};
            const parts = [];
            for (const s of env.sprites || []) parts.push(s.formatTrace());
            for (const p of env.procs || []) if (p) parts.push(p.describe());
            err.message = `${err.message}\n\n${parts.join('\n')}`;
            console.error(`FAILED: ${t.name}\n${parts.join('\n')}`);
            throw err;
        }
    };
}

function measure(t, what, ms) {
    const line = `TIMING ${what}: ${Math.round(ms)} ms`;
    t.diagnostic(line);
    console.log(line);
}

module.exports = { servers, startSaBot, startTurboWarp, room, traced, measure };
