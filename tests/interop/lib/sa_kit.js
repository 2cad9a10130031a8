'use strict';
// scratchattach's kits (CloudRequests_Template.sb3, CloudStorage_Template.sb3; sprite
// "Cloud Requests", SCRATCHATTACH.md) in a headless scratch-vm: the project patched IN MEMORY
// ONLY with one driver script per public block (started by broadcasts, inputs from new stage
// variables), and a client with a promise API over those blocks. Nothing of the kit changes.

const fs = require('node:fs');
const path = require('node:path');
const VirtualMachine = require('scratch-vm');
const { CloudLink } = require('./cloud_link');
const { readProjectJson } = require('./project');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const FIXTURES = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
const SPRITE = 'Cloud Requests';

const INPUTS = ['[interop] name', '[interop] a', '[interop] b', '[interop] c'];

/** kit -> {file, status variable, ops: broadcast -> [proccode, input variables]} */
const KITS = {
    requests: {
        file: 'CloudRequests_Template.sb3',
        status: '_request status',
        ops: {
            'sa req0': ['Send request | request name: %s and wait', [INPUTS[0]]],
            'sa req1': ['Send Request | request name: %s argument1: %s and wait', [INPUTS[0], INPUTS[1]]],
            'sa req2': ['Send request | request name: %s argument1: %s argument2: %s and wait', [INPUTS[0], INPUTS[1], INPUTS[2]]],
        },
    },
    storage: {
        file: 'CloudStorage_Template.sb3',
        status: '_ status',
        ops: {
            'sa ping': ['Ping', []],
            'sa get': ['Get value | database: %s key: %s', [INPUTS[1], INPUTS[2]]],
            'sa set': ['Set value | Database: %s Key: %s Value: %s', [INPUTS[1], INPUTS[2], INPUTS[3]]],
            'sa names': ['Get database names', []],
            'sa keys': ['Get database keys | database: %s', [INPUTS[1]]],
            'sa req2': ['Send request | request name: %s argument1: %s argument2: %s and wait', [INPUTS[0], INPUTS[1], INPUTS[2]]],
        },
    },
};

/** The fixture of `kit`: {path} or {skip}; throws in CI when missing. */
function locateKit(kit, env = process.env) {
    const file = path.join(env.INTEROP_FIXTURES_DIR || FIXTURES, KITS[kit].file);
    if (fs.existsSync(file)) return { path: file };
    const reason = `scratchattach kit fixture not found at ${file}`;
    if (env.CI) throw new Error(`${reason}; in CI a missing fixture is a failure`);
    return { skip: reason };
}

/** A patched deep copy of the kit's project (driver scripts added, nothing else changed). */
function patchKit(original, kit) {
    const project = JSON.parse(JSON.stringify(original));
    const stage = project.targets.find((t) => t.isStage);
    const sprite = project.targets.find((t) => t.name === SPRITE);
    if (!stage || !sprite) throw new Error(`project has no stage or no "${SPRITE}" sprite`);
    const ids = {};
    INPUTS.forEach((name, i) => {
        ids[name] = `sa-interop-var-${i}`;
        stage.variables[ids[name]] = [name, ''];
    });
    let y = 6000;
    Object.entries(KITS[kit].ops).forEach(([broadcast, [proccode, inputs]], i) => {
        const proto = Object.values(sprite.blocks).find((b) => b && b.opcode === 'procedures_prototype' &&
            b.mutation.proccode === proccode);
        if (!proto) throw new Error(`sprite has no custom block "${proccode}"`);
        const argIds = JSON.parse(proto.mutation.argumentids);
        if (argIds.length !== inputs.length) throw new Error(`"${proccode}" takes ${argIds.length} arguments`);
        const hat = `sa-interop-hat-${i}`;
        const call = `sa-interop-call-${i}`;
        const bid = `sa-interop-broadcast-${i}`;
        stage.broadcasts[bid] = broadcast;
        sprite.blocks[hat] = {
            opcode: 'event_whenbroadcastreceived', next: call, parent: null, inputs: {},
            fields: { BROADCAST_OPTION: [broadcast, bid] }, shadow: false, topLevel: true, x: 6000, y,
        };
        const callInputs = {};
        argIds.forEach((id, k) => {
            callInputs[id] = [3, [12, inputs[k], ids[inputs[k]]], [10, '']];
        });
        sprite.blocks[call] = {
            opcode: 'procedures_call', next: null, parent: hat, inputs: callInputs, fields: {},
            shadow: false, topLevel: false,
            mutation: { tagName: 'mutation', children: [], proccode, argumentids: proto.mutation.argumentids, warp: proto.mutation.warp },
        };
        y += 200;
    });
    return project;
}

const cache = {};
/** The patched project of `kit`, or {skip}. */
async function loadKit(kit) {
    const where = locateKit(kit);
    if (where.skip) return { skip: where.skip };
    if (!cache[kit]) cache[kit] = readProjectJson(where.path).then((p) => patchKit(p, kit));
    return { project: await cache[kit] };
}

/** scratchattach's two-digit table (SCRATCHATTACH.md §3), for traces. */
const TABLE = [...'1234567890 aAbBcCdDeEfFgGhHiIjJkKlLmMnNoOpPqQrRsStTuUvVwWxXyYzZ*/.,!"§$%_-(´)`?'].concat(
    ['\n'], [...'@#~;:+&|^\'']);

function decodeDigits(digits) {
    let out = '';
    for (let i = 0; i + 1 < digits.length; i += 2) {
        const code = Number(digits.slice(i, i + 2));
        out += code >= 10 ? TABLE[code - 10] : '?';
    }
    return out;
}

/** One value of TO_HOST / FROM_HOST_n in words. */
function describeValue(name, value) {
    const [raw, id = ''] = String(value).split('.');
    if (/TO_HOST/.test(name)) {
        if (/^\d{7}$/.test(id) && id.endsWith('9')) return `re-request of packet ${Number(raw) + 1} of reply ${id.slice(0, -1)}`;
        const part = raw.startsWith('-');
        return `${part ? 'chunk' : 'last chunk'} of request ${id}: ${JSON.stringify(decodeDigits(part ? raw.slice(1) : raw))}`;
    }
    const marker = id.slice(-4);
    if (marker === '3222') return `final (number) of reply ${id.slice(0, -4)}: ${raw}`;
    if (marker === '2222') return `final of reply ${id.slice(0, -4)}: ${JSON.stringify(decodeDigits(raw))}`;
    return `packet ${Number(marker.slice(0, 3))} of reply ${id.slice(0, -4)}: ${JSON.stringify(decodeDigits(raw))}`;
}

class SaSprite {
    constructor({ project, kit, url, projectId, user = 'sakit', label = 'sa sprite' }) {
        this.o = { project, kit, url, projectId, user, label };
        this.trace = [];
        this.t0 = Date.now();
        this.pauseOnSend = null;
    }

    async start() {
        try {
            const minilog = require('minilog');
            if (minilog && minilog.disable) minilog.disable();
        } catch (err) {
            // logging stays on
        }
        const vm = new VirtualMachine();
        this.vm = vm;
        vm.setCompatibilityMode(true);
        await vm.loadProject(JSON.stringify(this.o.project));
        this.stage = vm.runtime.getTargetForStage();
        this.link = new CloudLink({
            url: this.o.url,
            projectId: this.o.projectId,
            user: this.o.user,
            onSet: (name, value) => vm.postIOData('cloud', { varUpdate: { name, value } }),
            onTrace: (e) => {
                this.trace.push({ t: Date.now(), ...e });
                if (e.dir === 'out' && this.pauseOnSend && this.pauseOnSend(e)) {
                    this.pauseOnSend = null;
                    // Stop stepping (the frame loop); the runtime has no public pause.
                    clearInterval(vm.runtime._steppingInterval);
                    vm.runtime._steppingInterval = null;
                    this.paused = true;
                }
            },
        });
        vm.setCloudProvider(this.link);
        await this.link.connect();
        vm.start();
        vm.greenFlag();
        // The green flag records the FROM_HOST values seen so far and starts the receiver.
        await sleep(500);
    }

    variable(name, type = '') {
        const v = this.stage.lookupVariableByNameAndType(name, type);
        if (!v) throw new Error(`stage has no ${type || 'variable'} "${name}"`);
        return v;
    }

    /** Runs one driver broadcast with `inputs` and waits until its script ends. */
    async call(op, inputs = [], timeoutMs = 30000) {
        const [, vars] = KITS[this.o.kit].ops[op];
        vars.forEach((name, i) => { this.variable(name).value = String(inputs[i]); });
        this.variable('response', 'list').value = [];
        const threads = this.vm.runtime.startHats('event_whenbroadcastreceived', { BROADCAST_OPTION: op });
        if (!threads || threads.length !== 1) throw new Error(`${this.o.label}: "${op}" started ${threads ? threads.length : 0} scripts`);
        const end = Date.now() + timeoutMs;
        while (this.vm.runtime.threads.includes(threads[0])) {
            if (Date.now() > end) throw new Error(`${this.o.label}: "${op}" did not finish within ${timeoutMs} ms`);
            await sleep(2);
        }
        return {
            status: String(this.variable(KITS[this.o.kit].status).value),
            response: this.variable('response', 'list').value.map(String),
        };
    }

    /** A request of the requests kit with 0, 1 or 2 arguments. */
    request(name, args = [], timeoutMs) {
        return this.call(`sa req${args.length}`, [name, ...args], timeoutMs);
    }

    /** Resume a VM paused by pauseOnSend. */
    resume() {
        if (this.paused) {
            this.paused = false;
            this.vm.runtime.start();
        }
    }

    /** Values sent on TO_HOST since `t`. */
    sentSince(t) {
        return this.trace.filter((e) => e.dir === 'out' && e.t >= t && /TO_HOST/.test(e.name)).map((e) => String(e.value));
    }

    formatTrace() {
        const lines = [`--- wire trace of ${this.o.label} ---`];
        for (const e of this.trace) {
            if (!/TO_HOST|FROM_HOST/.test(e.name)) continue;
            let desc;
            try {
                desc = describeValue(e.name, e.value);
            } catch (err) {
                desc = `undecodable: ${err.message}`;
            }
            const dt = ((e.t - this.t0) / 1000).toFixed(3).padStart(8);
            lines.push(`${dt}s ${e.dir === 'out' ? '->' : '<-'} ${e.name} = ${String(e.value).slice(0, 120)}\n           ${desc.slice(0, 300)}`);
        }
        for (const err of this.link ? this.link.errors : []) lines.push(`connection error: ${err.message}`);
        return lines.join('\n');
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

module.exports = { KITS, loadKit, patchKit, locateKit, SaSprite, describeValue, decodeDigits, sleep };
