'use strict';
// The in-memory patch of the fixture: the demo is disabled (§9 C8), the driver is added,
// and nothing else of the sprite changes. Uses the dev relay in-process (no bot needed).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { loadProject } = require('../lib/suite');
const { locateFixture, readProjectJson, OPS, SPRITE } = require('../lib/project');
const { SpriteClient, sleep } = require('../lib/sprite_client');
const { startRelay } = require('../dev/relay');

test('patch: one driver hat per operation, demo detached, sprite otherwise unchanged', async (t) => {
    const loaded = await loadProject();
    if (loaded.skip) return t.skip(loaded.skip);
    const original = await readProjectJson(locateFixture().path);
    const before = original.targets.find((x) => x.name === SPRITE).blocks;
    const after = loaded.project.targets.find((x) => x.name === SPRITE).blocks;
    const hats = (blocks, opcode) => Object.values(blocks).filter((b) => b && b.opcode === opcode);
    assert.equal(hats(before, 'event_whenflagclicked').length, 2);
    assert.equal(hats(after, 'event_whenflagclicked').length, 1);
    assert.equal(hats(after, 'event_whenbroadcastreceived').length, Object.keys(OPS).length);
    const added = Object.keys(after).filter((k) => !(k in before));
    const removed = Object.keys(before).filter((k) => !(k in after));
    assert.equal(removed.length, 1, 'only the demo hat is removed');
    assert.ok(added.every((k) => k.startsWith('interop-')), `unexpected new blocks: ${added}`);
    for (const [k, b] of Object.entries(before)) {
        if (!(k in after) || b.opcode === undefined) continue;
        if (b.parent === removed[0]) continue; // the demo's first block, now top level
        assert.deepEqual(after[k], b, `block ${k} changed`);
    }
});

test('green flag runs no demo: nothing is sent until the driver connects', async (t) => {
    const loaded = await loadProject();
    if (loaded.skip) return t.skip(loaded.skip);
    const relay = await startRelay(0);
    const c = new SpriteClient({
        project: loaded.project, url: `ws://127.0.0.1:${relay.address().port}/`, projectId: '1',
    });
    try {
        await c.start();
        await sleep(1500);
        const sent = c.trace.filter((e) => e.dir === 'out');
        assert.deepEqual(sent, [], c.formatTrace());
        await c.connectInsecure();
        assert.ok(c.trace.some((e) => e.dir === 'out' && e.name === '☁ FROM_CLIENT'), c.formatTrace());
    } finally {
        await c.stop();
        await new Promise((r) => relay.close(r));
    }
});
