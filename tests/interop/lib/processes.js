'use strict';
// Starting and stopping the cloud server and the request bot under test, as configured by
// environment variables (see README.md). Every wait is bounded; output is kept for failures.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const INTEROP_DIR = path.resolve(__dirname, '..');
const REPO_ROOT = path.resolve(INTEROP_DIR, '..', '..');

/** Default commands (split on spaces) when the environment does not say otherwise. */
const DEFAULTS = {
    server: 'cargo run -q -- serve --port 0',
    bot: 'cargo run -q --example request_bot --',
};

const START_TIMEOUT_MS = Number(process.env.INTEROP_START_TIMEOUT_MS || 300000);

class Proc {
    constructor(label, argv) {
        this.label = label;
        this.argv = argv;
        this.output = '';
        this.exit = null;
        // Own process group, so a `cargo run` wrapper and its child stop together.
        this.child = spawn(argv[0], argv.slice(1), {
            cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        });
        this.exited = new Promise((resolve) => {
            this.child.on('exit', (code, signal) => {
                this.exit = { code, signal };
                resolve(this.exit);
            });
            this.child.on('error', (err) => {
                this.output += `\n[spawn error] ${err.message}\n`;
                this.exit = { code: null, signal: null, error: err };
                resolve(this.exit);
            });
        });
        for (const stream of [this.child.stdout, this.child.stderr]) {
            stream.on('data', (d) => {
                this.output += d.toString('utf8');
                if (this.output.length > 200000) this.output = this.output.slice(-100000);
            });
        }
    }

    /** Resolves with the first stdout line matching re (bounded). */
    waitForLine(re, timeoutMs) {
        return new Promise((resolve, reject) => {
            let buf = '';
            const timer = setTimeout(() => done(new Error(
                `${this.label}: no line matching ${re} within ${timeoutMs} ms`)), timeoutMs);
            const onData = (d) => {
                buf += d.toString('utf8');
                const m = buf.match(re);
                if (m) done(null, m);
            };
            const onExit = () => done(new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before printing ${re}`));
            const done = (err, m) => {
                clearTimeout(timer);
                this.child.stdout.off('data', onData);
                this.child.off('exit', onExit);
                if (err) reject(err); else resolve(m);
            };
            this.child.stdout.on('data', onData);
            this.child.on('exit', onExit);
        });
    }

    /** SIGTERM to the process group, then SIGKILL after graceMs. Resolves with the exit
     * ({code, signal, killed}: killed = SIGKILL was needed). */
    async stop(graceMs = 5000) {
        if (this.exit) return this.exit;
        const pid = this.child.pid;
        try {
            process.kill(-pid, 'SIGTERM');
        } catch (err) {
            // already gone
        }
        let killed = false;
        const timer = setTimeout(() => {
            killed = true;
            try {
                process.kill(-pid, 'SIGKILL');
            } catch (err) {
                // already gone
            }
        }, graceMs);
        const exit = await this.exited;
        clearTimeout(timer);
        return { ...exit, killed };
    }

    /** SIGKILL to the process group (`kill -9`, no chance to clean up); resolves with the exit. */
    async kill() {
        if (this.exit) return this.exit;
        try {
            process.kill(-this.child.pid, 'SIGKILL');
        } catch (err) {
            // already gone
        }
        return this.exited;
    }

    describe() {
        return `--- ${this.label}: ${this.argv.join(' ')} (exit ${JSON.stringify(this.exit)}) ---\n` +
            `${this.output.slice(-8000)}`;
    }
}

function words(s) {
    return s.trim().split(/\s+/).filter(Boolean);
}

/** A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed). */
function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}

/** The server command's words with its `--port` set to `port` (added when missing). */
function withPort(argv, port) {
    const out = [...argv];
    const i = out.indexOf('--port');
    if (i >= 0 && i + 1 < out.length) out[i + 1] = String(port);
    else out.push('--port', String(port));
    return out;
}

/**
 * Starts the cloud server: $INTEROP_SERVER_CMD (default `cargo run -q -- serve --port 0`,
 * `dev` = the dev-only Node relay). It must print `listening on ws://...` as its first line.
 * Or $INTEROP_SERVER_URL to use a running server. Options: `port` replaces the command's
 * `--port` (to start a server again on the same port), `extraArgs` are appended, `label`
 * names the process in logs. Returns {url, proc}.
 */
async function startServer(env = process.env, { port, extraArgs = [], label = 'server' } = {}) {
    if (env.INTEROP_SERVER_URL) return { url: env.INTEROP_SERVER_URL, proc: null };
    let cmd = env.INTEROP_SERVER_CMD || DEFAULTS.server;
    if (cmd === 'dev') cmd = `${process.execPath} ${path.join(INTEROP_DIR, 'dev', 'relay.js')} --port 0`;
    const argv = port === undefined ? words(cmd) : withPort(words(cmd), port);
    const proc = new Proc(label, [...argv, ...extraArgs]);
    try {
        const m = await proc.waitForLine(/listening on (ws:\/\/\S+)/, START_TIMEOUT_MS);
        return { url: m[1], proc };
    } catch (err) {
        await proc.stop();
        throw new Error(`${err.message}\n${proc.describe()}`);
    }
}

/**
 * Starts the request bot: $INTEROP_BOT_CMD (default `cargo run -q --example request_bot --`,
 * `python` = the dev-only reference bot with $INTEROP_PYTHON) followed by
 * `--host URL --project-id ID --security S --public-data-out FILE [--packet-size N]`.
 * Resolves once FILE exists, with {publicData, proc}.
 */
async function startBot({ url, projectId, security, packetSize }, env = process.env) {
    let cmd = env.INTEROP_BOT_CMD || DEFAULTS.bot;
    if (cmd === 'python') {
        cmd = `${env.INTEROP_PYTHON || 'python3'} ${path.join(INTEROP_DIR, 'dev', 'python_bot.py')}`;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interop-bot-'));
    const file = path.join(dir, 'public.json');
    const argv = [...words(cmd), '--host', url, '--project-id', String(projectId),
        '--security', security, '--public-data-out', file];
    if (packetSize !== undefined) argv.push('--packet-size', String(packetSize));
    const proc = new Proc(`bot (${security})`, argv);
    const end = Date.now() + START_TIMEOUT_MS;
    while (!fs.existsSync(file)) {
        if (proc.exit || Date.now() > end) {
            await proc.stop();
            throw new Error(`bot did not write ${file} ` +
                `(${proc.exit ? 'it exited' : `within ${START_TIMEOUT_MS} ms`})\n${proc.describe()}`);
        }
        await new Promise((r) => setTimeout(r, 50));
    }
    let publicData;
    try {
        publicData = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
        await proc.stop();
        throw new Error(`bot wrote unreadable public data to ${file}: ${err.message}`);
    }
    return { publicData, proc };
}

/**
 * Starts `redis-server` (Debian package redis-server) on a free loopback port without
 * persistence, for the multi-node case. Returns {url, proc}.
 */
async function startRedis() {
    const port = await freePort();
    const proc = new Proc('redis', ['redis-server', '--port', String(port), '--bind', '127.0.0.1',
        '--save', '', '--appendonly', 'no']);
    try {
        await proc.waitForLine(/Ready to accept connections/, 20000);
    } catch (err) {
        await proc.stop();
        throw new Error(`${err.message}\n${proc.describe()}`);
    }
    return { url: `redis://127.0.0.1:${port}/`, proc };
}

module.exports = { startServer, startBot, startRedis, freePort, Proc, REPO_ROOT };
