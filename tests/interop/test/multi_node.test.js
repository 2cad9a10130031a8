'use strict';
// Multi-node server (issue #17): the sprite joins node B, the request bot node A; the two
// nodes share the room through a redis-server of the test's own (`serve --redis`). Every
// FROM_CLIENT set crosses Redis to reach the bot, every TO_CLIENT set crosses it back.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced } = require('../lib/suite');
const { tableRepeated } = require('../lib/expect');

const usable = () => {
    const cmd = process.env.INTEROP_SERVER_CMD || '';
    if (process.env.INTEROP_SERVER_URL || cmd === 'dev') return 'needs our server (serve --redis)';
    return null;
};

describe('sprite on node B, bot on node A (two nodes sharing rooms through Redis)', () => {
    let env = null;
    let skip = usable();
    before(async () => {
        if (skip) return;
        env = await setup({ security: 'ec', packetSize: 220, nodes: 2, label: 'node B' });
        if (env.skip) {
            skip = env.skip;
            console.log(`SKIP: ${skip}`);
        }
    });
    after(async () => {
        if (env && !skip) await teardown(env);
    });
    const sprite = () => env.clients[0];
    const t = (name, fn) => it(name, (ctx) => (skip ? ctx.skip(skip) : traced(() => env, fn)(ctx)));

    t('the nodes are different servers', async () => {
        assert.notEqual(env.nodeB.url, env.server.url);
    });

    t('connects securely through the other node and gets pong', async () => {
        await sprite().connectSecure(env.publicData);
        assert.deepEqual(await sprite().request('ping', []), { status: 'done', reception: 'pong' });
    });

    t('a 4-packet secure reply crosses the nodes whole', async () => {
        const expected = tableRepeated(300);
        assert.deepEqual(await sprite().request('long', [300]), { status: 'done', reception: expected });
    });
});
