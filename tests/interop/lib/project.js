'use strict';
// Locates the client sprite project and patches it IN MEMORY ONLY: a driver script per
// operation (started by broadcasts) and the leftover green-flag demo detached (§9 C8).
// Nothing else of the sprite is touched.

const fs = require('node:fs');
const path = require('node:path');
const JSZip = require('jszip');

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const DEFAULT_FIXTURE = path.resolve(REPO_ROOT, '..', 'shared', 'fixtures',
    'advanced-cloudrequests-2.0.sb3');

const SPRITE = 'CloudConnection';

/** Procedure codes of the sprite's public custom blocks (read from its project.json). */
const PROC = {
    connectSecure: '[cloud socket] connect securely',
    connectInsecure: '[cloud socket] connect insecurely',
    send: '[cloud socket] send %s',
    recv: '[cloud socket] recv',
    initiate: '[cloud requests] initiate new request %s',
    addArgument: '[cloud requests] add argument %s',
    sendRequest: '[cloud requests] send initiated request',
};

/** Stage variables the driver reads its inputs from (created by the patch). */
const INPUT = {
    name: '[interop] request name',
    arg: '[interop] argument',
    data: '[interop] data',
};

/** Broadcast name -> [procedure, input variable or null]. */
const OPS = {
    'interop connect secure': [PROC.connectSecure, null],
    'interop connect insecure': [PROC.connectInsecure, null],
    'interop send': [PROC.send, INPUT.data],
    'interop recv': [PROC.recv, null],
    'interop request init': [PROC.initiate, INPUT.name],
    'interop request arg': [PROC.addArgument, INPUT.arg],
    'interop request send': [PROC.sendRequest, null],
};

/**
 * Where the fixture is: $INTEROP_FIXTURE, else <repo root>/../shared/fixtures/...
 * Returns {path} or {skip: reason}; throws when missing and $CI is set.
 */
function locateFixture(env = process.env) {
    const file = env.INTEROP_FIXTURE || DEFAULT_FIXTURE;
    if (fs.existsSync(file)) return { path: file };
    const reason = `client sprite fixture not found at ${file} (set INTEROP_FIXTURE)`;
    if (env.CI) throw new Error(`${reason}; in CI a missing fixture is a failure`);
    return { skip: reason };
}

/** Reads project.json out of the sb3 (zip) file. */
async function readProjectJson(file) {
    const zip = await JSZip.loadAsync(fs.readFileSync(file));
    const entry = zip.file('project.json');
    if (!entry) throw new Error(`${file}: no project.json inside the sb3`);
    return JSON.parse(await entry.async('string'));
}

function findCallTemplate(blocks, proccode) {
    for (const b of Object.values(blocks)) {
        if (b && b.opcode === 'procedures_call' && b.mutation.proccode === proccode) return b;
    }
    throw new Error(`sprite has no call of the custom block "${proccode}" to copy`);
}

/**
 * Returns a patched deep copy of the project: the demo disabled, driver scripts added.
 * Fails (throws) if the sprite does not look as expected, naming what is missing.
 */
function patchProject(original) {
    const project = JSON.parse(JSON.stringify(original));
    const stage = project.targets.find((t) => t.isStage);
    const sprite = project.targets.find((t) => t.name === SPRITE);
    if (!stage || !sprite) throw new Error(`project has no stage or no "${SPRITE}" sprite`);
    const blocks = sprite.blocks;
    disableDemo(blocks);

    const inputIds = {};
    for (const [i, name] of Object.values(INPUT).entries()) {
        const id = `interop-var-${i}`;
        stage.variables[id] = [name, ''];
        inputIds[name] = id;
    }
    let y = 4000;
    for (const [i, [broadcast, [proccode, input]]] of Object.entries(OPS).entries()) {
        const template = findCallTemplate(blocks, proccode);
        const hatId = `interop-hat-${i}`;
        const callId = `interop-call-${i}`;
        const broadcastId = `interop-broadcast-${i}`;
        stage.broadcasts[broadcastId] = broadcast;
        blocks[hatId] = {
            opcode: 'event_whenbroadcastreceived', next: callId, parent: null, inputs: {},
            fields: { BROADCAST_OPTION: [broadcast, broadcastId] }, shadow: false,
            topLevel: true, x: 5000, y,
        };
        const argIds = JSON.parse(template.mutation.argumentids);
        const inputs = {};
        if (input) {
            if (argIds.length !== 1) throw new Error(`"${proccode}" should take one argument`);
            inputs[argIds[0]] = [3, [12, input, inputIds[input]], [10, '']];
        } else if (argIds.length !== 0) {
            throw new Error(`"${proccode}" should take no argument`);
        }
        blocks[callId] = {
            opcode: 'procedures_call', next: null, parent: hatId, inputs, fields: {},
            shadow: false, topLevel: false, mutation: { ...template.mutation },
        };
        y += 200;
    }
    return project;
}

/**
 * §9 C8: the shipped sprite has a green-flag script that connects securely and sends the
 * request `test 5`. Detach its hat so the stack never starts; the other green-flag script
 * (which initialises the replay window) is kept.
 */
function disableDemo(blocks) {
    const demos = Object.entries(blocks).filter(([, b]) => {
        if (!b || b.opcode !== 'event_whenflagclicked' || !b.next) return false;
        const first = blocks[b.next];
        return first && first.opcode === 'procedures_call' &&
            first.mutation.proccode === PROC.connectSecure;
    });
    if (demos.length !== 1) {
        throw new Error(`expected exactly one green-flag demo script, found ${demos.length}`);
    }
    const [hatId, hat] = demos[0];
    const first = blocks[hat.next];
    first.parent = null;
    first.topLevel = true;
    first.x = hat.x || 0;
    first.y = hat.y || 0;
    delete blocks[hatId];
}

module.exports = { locateFixture, readProjectJson, patchProject, OPS, INPUT, PROC, SPRITE };
