'use strict';
// One headless scratch-vm running the real client sprite (patched in memory, see project.js),
// wired to a cloud server, with a small promise API over the sprite's custom blocks.

const VirtualMachine = require('scratch-vm');
const { CloudLink } = require('./cloud_link');
const { OPS, INPUT } = require('./project');
const codec = require('./codec');

const STAGE_VARS = {
    packetSize: '# PACKET SIZE',
    timeout: '# TIMEOUT',
    reception: '[cloud] reception',
    status: '[cloud] status',
    clientId: '[secure] client id',
    clientKey: '[secure] client key',
};

let quietened = false;
function quietVmLogs() {
    if (quietened) return;
    quietened = true;
    // scratch-vm logs through minilog to the console; keep test output readable.
    const minilog = require('minilog');
    if (minilog && minilog.disable) minilog.disable();
}

class SpriteClient {
    /**
     * @param {object} o
     * @param {object} o.project the patched project JSON (project.patchProject)
     * @param {string} o.url cloud server ws:// URL
     * @param {string} o.projectId cloud project id
     * @param {string} [o.user] username for the cloud handshake
     * @param {string} [o.label] name used in traces
     * @param {boolean} [o.turbo] run the VM in turbo mode
     * @param {number} [o.spriteTimeout] seconds written to "# TIMEOUT" (the sprite's recv deadline)
     * @param {number} [o.packetSize] value of "# PACKET SIZE" (default: the project's 220)
     */
    constructor(o) {
        this.opts = { user: 'player1000', label: 'sprite', turbo: false, spriteTimeout: 15, ...o };
        this.trace = [];
        this.t0 = Date.now();
        this.vm = null;
        this.link = null;
    }

    /** Loads the project, connects its cloud variables and starts the frame loop. */
    async start() {
        try {
            quietVmLogs();
        } catch (err) {
            // Logging stays on if minilog moved; harmless.
        }
        const vm = new VirtualMachine();
        this.vm = vm;
        vm.setTurboMode(Boolean(this.opts.turbo));
        vm.setCompatibilityMode(true);
        await vm.loadProject(JSON.stringify(this.opts.project));
        this.stage = vm.runtime.getTargetForStage();
        this.link = new CloudLink({
            url: this.opts.url,
            projectId: this.opts.projectId,
            user: this.opts.user,
            onSet: (name, value) => vm.postIOData('cloud', { varUpdate: { name, value } }),
            onTrace: (e) => this.record(e),
        });
        vm.setCloudProvider(this.link);
        await this.link.connect();
        this.setVar(STAGE_VARS.timeout, String(this.opts.spriteTimeout));
        if (this.opts.packetSize !== undefined) {
            this.setVar(STAGE_VARS.packetSize, String(this.opts.packetSize));
        }
        vm.start();
        // The kept green-flag script initialises the sprite's replay window (§7.4).
        vm.greenFlag();
        await this.waitIdle(10000);
    }

    record(e) {
        this.trace.push({ t: Date.now(), key: this.getVar(STAGE_VARS.clientKey), ...e });
    }

    variable(name) {
        const v = this.stage.lookupVariableByNameAndType(name, '');
        if (!v) throw new Error(`stage has no variable "${name}"`);
        return v;
    }

    getVar(name) {
        return this.stage ? String(this.variable(name).value) : '';
    }

    setVar(name, value) {
        this.variable(name).value = value;
    }

    /** Waits until no script of the project runs. */
    async waitIdle(timeoutMs) {
        const end = Date.now() + timeoutMs;
        while (this.vm.runtime.threads.length > 0) {
            if (Date.now() > end) throw new Error(`${this.opts.label}: scripts still running after ${timeoutMs} ms`);
            await sleep(5);
        }
    }

    /** Starts one driver broadcast and waits until its script has finished. */
    async run(broadcast, timeoutMs) {
        if (!OPS[broadcast]) throw new Error(`unknown driver operation ${broadcast}`);
        const threads = this.vm.runtime.startHats('event_whenbroadcastreceived',
            { BROADCAST_OPTION: broadcast });
        if (!threads || threads.length !== 1) {
            throw new Error(`${this.opts.label}: broadcast "${broadcast}" started ${threads ? threads.length : 0} scripts`);
        }
        const end = Date.now() + timeoutMs;
        while (this.vm.runtime.threads.includes(threads[0])) {
            if (Date.now() > end) {
                throw new Error(`${this.opts.label}: "${broadcast}" did not finish within ${timeoutMs} ms`);
            }
            await sleep(2);
        }
    }

    async connectInsecure() {
        await this.run('interop connect insecure', 20000);
    }

    /** @param {Record<string,string>} publicData stage variable name -> value (§6.1) */
    async connectSecure(publicData, timeoutMs = 120000) {
        for (const [name, value] of Object.entries(publicData)) this.setVar(name, String(value));
        await this.run('interop connect secure', timeoutMs);
    }

    /** Sends a request with the sprite's request blocks; resolves to {status, reception}. */
    async request(name, args = [], timeoutMs) {
        this.setVar(INPUT.name, String(name));
        await this.run('interop request init', 5000);
        for (const a of args) {
            this.setVar(INPUT.arg, String(a));
            await this.run('interop request arg', 5000);
        }
        this.setVar(STAGE_VARS.reception, '');
        await this.run('interop request send', timeoutMs || this.defaultWait());
        return this.result();
    }

    async send(text, timeoutMs = 60000) {
        this.setVar(INPUT.data, String(text));
        await this.run('interop send', timeoutMs);
    }

    /** Runs the sprite's recv; resolves to {status, reception}. */
    async recv(timeoutMs) {
        this.setVar(STAGE_VARS.reception, '');
        await this.run('interop recv', timeoutMs || this.defaultWait());
        return this.result();
    }

    defaultWait() {
        return (this.opts.spriteTimeout + 30) * 1000;
    }

    result() {
        return { status: this.getVar(STAGE_VARS.status), reception: this.getVar(STAGE_VARS.reception) };
    }

    get clientId() {
        return this.getVar(STAGE_VARS.clientId);
    }

    /** The decoded wire trace of this client's cloud connection, one line per value. */
    formatTrace() {
        const decoder = new codec.TraceDecoder();
        const lines = [`--- wire trace of ${this.opts.label} (client id ${this.clientId}) ---`];
        for (const e of this.trace) {
            if (!/FROM_CLIENT|TO_CLIENT/.test(e.name)) continue;
            const dt = ((e.t - this.t0) / 1000).toFixed(3).padStart(8);
            const arrow = e.dir === 'out' ? '->' : '<-';
            let desc;
            try {
                desc = decoder.describe(e.name, String(e.value), e.key, this.clientId);
            } catch (err) {
                desc = `undecodable: ${err.message}`;
            }
            lines.push(`${dt}s ${arrow} ${e.name} = ${String(e.value)}\n           ${desc}`);
        }
        for (const err of this.link ? this.link.errors : []) lines.push(`connection error: ${err.message}`);
        return lines.join('\n');
    }

    /**
     * Opens a new cloud connection for the running VM, as the editor does after losing its
     * own (the sprite's state — client id, key, variables — stays). Retries until the server
     * accepts, at most `timeoutMs`.
     */
    async reconnectLink(timeoutMs = 20000) {
        const old = this.link;
        const end = Date.now() + timeoutMs;
        for (;;) {
            const link = new CloudLink({
                url: this.opts.url,
                projectId: this.opts.projectId,
                user: this.opts.user,
                onSet: old.onSet,
                onTrace: old.onTrace,
            });
            try {
                await link.connect(Math.max(1000, end - Date.now()));
                old.close();
                this.link = link;
                this.vm.setCloudProvider(link);
                return;
            } catch (err) {
                if (Date.now() > end) throw new Error(`${this.opts.label}: no cloud connection again within ${timeoutMs} ms: ${err.message}`);
                await sleep(200);
            }
        }
    }

    async stop() {
        if (this.vm) {
            this.vm.stopAll();
            this.vm.quit();
        }
        if (this.link) this.link.close();
    }
}

function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

module.exports = { SpriteClient, STAGE_VARS, sleep };
