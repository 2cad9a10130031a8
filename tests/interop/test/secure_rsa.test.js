'use strict';
// RSA secure connect (§6.3): the sprite's decimal big-number RSA in the VM. Measured
// feasible: a few seconds with the bot's own key (the reference generates ~2080-bit keys).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced, measure } = require('../lib/suite');
const { tableRepeated } = require('../lib/expect');

const CONNECT_LIMIT_MS = Number(process.env.INTEROP_RSA_CONNECT_LIMIT_MS || 300000);

describe('RSA secure sprite client', () => {
    let env = null;
    let skip = null;
    before(async () => {
        env = await setup({ security: 'rsa', packetSize: 220 });
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

    t('bot publishes RSA public data', async () => {
        const pd = env.publicData;
        assert.equal(String(pd['[secure] key exchange scheme']).toUpperCase(), 'RSA');
        assert.equal(String(pd['[secure] public exponent']), '3');
        assert.match(String(pd['[secure] public modulus']), /^[1-9]\d{100,}$/);
    });

    t('connects securely with RSA and exchanges multi-packet messages', async (ctx) => {
        const t0 = Date.now();
        await sprite().connectSecure(env.publicData, CONNECT_LIMIT_MS);
        measure(ctx, `RSA secure connect in the VM (${String(env.publicData['[secure] public modulus']).length}-digit modulus)`,
            Date.now() - t0);
        const t1 = Date.now();
        assert.deepEqual(await sprite().request('ping', []), { status: 'done', reception: 'pong' });
        measure(ctx, 'RSA-keyed request round trip in the VM (ping)', Date.now() - t1);
        assert.deepEqual(await sprite().request('long', [200]),
            { status: 'done', reception: tableRepeated(200) });
        const s = 'x'.repeat(120);
        assert.deepEqual(await sprite().request('echo', [s]), { status: 'done', reception: s });
    });
});
