'use strict';
// Three sprite clients (three VMs) on one bot at the same time: two EC secure, one insecure.
// Every client must get its own replies, never another client's.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced, measure, isReferenceBot, knownDefect } = require('../lib/suite');
const { safeText } = require('../lib/expect');

describe('three sprite clients at once', () => {
    let env = null;
    let skip = null;
    before(async () => {
        env = await setup({ security: 'ec', packetSize: 220, clients: 3, label: 'multi' });
        if (env.skip) {
            skip = env.skip;
            console.log(`SKIP: ${skip}`);
        }
    });
    after(async () => {
        if (env && !skip) await teardown(env);
    });
    const t = (name, fn, opts = {}) => it(name, opts,
        (ctx) => (skip ? ctx.skip(skip) : traced(() => env, fn)(ctx)));
    // The reference Python bot keeps ONE salt for the whole socket and drops a packet whose
    // salt is not above the last one from any client (PROTOCOL.md §9 S7), so concurrent
    // secure clients lose packets there. Our bot must not; against the reference these two
    // cases are reported as TODO instead of failing.
    const s7 = isReferenceBot()
        ? { todo: 'reference bot drops concurrent clients\' same-centisecond salts (§9 S7)' }
        : knownDefect('R2', 'replies to different clients overwrite each other\'s TO_CLIENT packets');

    t('all three connect concurrently (2 secure, 1 insecure)', async (ctx) => {
        const [a, b, c] = env.clients;
        const t0 = Date.now();
        await Promise.all([
            a.connectSecure(env.publicData),
            b.connectSecure(env.publicData),
            c.connectInsecure(),
        ]);
        measure(ctx, 'three concurrent connects', Date.now() - t0);
        const ids = env.clients.map((x) => x.clientId);
        assert.equal(new Set(ids).size, 3, `client ids must differ: ${ids}`);
        for (const x of env.clients) {
            assert.deepEqual(await x.request('ping', []), { status: 'done', reception: 'pong' });
        }
    });

    t('concurrent requests each get their own reply', async () => {
        for (let round = 0; round < 2; round++) {
            const texts = env.clients.map((_, i) => `client ${i + 1} round ${round} ${safeText(30 + 60 * i, i)}`);
            const replies = await Promise.all(env.clients.map((x, i) => x.request('echo', [texts[i]])));
            replies.forEach((r, i) => assert.deepEqual(r, { status: 'done', reception: texts[i] },
                `client ${i + 1} round ${round}`));
        }
    }, s7);

    t('concurrent multi-packet replies', async () => {
        const lens = [150, 200, 219];
        const replies = await Promise.all(env.clients.map((x, i) => x.request('long', [lens[i]])));
        const { tableRepeated } = require('../lib/expect');
        replies.forEach((r, i) => assert.deepEqual(r, { status: 'done', reception: tableRepeated(lens[i]) },
            `client ${i + 1}`));
    }, s7);
});
