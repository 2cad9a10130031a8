'use strict';
// EC secure cloud socket (X25519 handshake, §6.2) with 1- to 4-packet messages both ways.
// Sizes at "# PACKET SIZE" 220 / bot packet size 220: the sprite sends 85 plaintext
// characters per packet (§5.4), the bot 82 (§3.6).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced, measure, knownDefect } = require('../lib/suite');
const { UNKNOWN_REPLY, tableRepeated, safeText } = require('../lib/expect');

const SPRITE_CHUNK = 85;
const BOT_CHUNK = 82;

describe('EC secure sprite client', () => {
    let env = null;
    let skip = null;
    before(async () => {
        env = await setup({ security: 'ec', packetSize: 220 });
        if (env.skip) {
            skip = env.skip;
            console.log(`SKIP: ${skip}`);
        }
    });
    after(async () => {
        if (env && !skip) {
            const exit = await teardown(env);
            assert.ok(!exit || !exit.killed, 'bot did not stop on SIGTERM within 5 s');
        }
    });
    const sprite = () => env.clients[0];
    const t = (name, fn, opts = {}) => it(name, opts,
        (ctx) => (skip ? ctx.skip(skip) : traced(() => env, fn)(ctx)));
    const r1 = knownDefect('R1', 'final packet on a random TO_CLIENT variable');
    const expectReply = async (name, args, expected) => {
        assert.deepEqual(await sprite().request(name, args), { status: 'done', reception: expected },
            `request ${name} ${JSON.stringify(args).slice(0, 200)}`);
    };

    t('bot publishes EC public data', async () => {
        const pd = env.publicData;
        assert.equal(pd['[secure] key exchange scheme'], 'EC');
        assert.match(pd['[secure] public base'], /^[0-9a-f]{64}$/);
        assert.match(pd['[secure] public point'], /^[0-9a-f]{64}$/);
    });

    t('connects securely and gets pong', async (ctx) => {
        const t0 = Date.now();
        await sprite().connectSecure(env.publicData);
        measure(ctx, 'EC secure connect in the VM', Date.now() - t0);
        const times = [];
        for (let i = 0; i < 3; i++) {
            const t1 = Date.now();
            await expectReply('ping', [], 'pong');
            times.push(Date.now() - t1);
        }
        measure(ctx, 'EC request round trip in the VM (ping, best of 3)', Math.min(...times));
    });

    for (let n = 1; n <= 4; n++) {
        t(`bot to sprite: ${n}-packet reply`, async () => {
            const len = (n - 1) * BOT_CHUNK + 40;
            await expectReply('long', [len], tableRepeated(len));
        }, n === 2 ? r1 : {});
        t(`sprite to bot: ${n}-packet request`, async () => {
            // request text is `echo "<s>"`: 7 characters plus the text.
            const len = (n - 1) * SPRITE_CHUNK + 40;
            const s = safeText(len, n);
            await expectReply('echo', [s], s);
        });
    }

    t('2-packet replies arrive every time (the final packet must not overwrite the first)', async () => {
        for (let i = 0; i < 8; i++) await expectReply('long', [100 + i], tableRepeated(100 + i));
    }, r1);

    t('bot to sprite: 6-packet reply (needs the 0.1 s spacing, §1.6 / §9 C4)', async () => {
        // More packets than variables: sent in a burst, packet 5 replaces packet 1 unseen.
        const len = 5 * BOT_CHUNK + 40;
        await expectReply('long', [len], tableRepeated(len));
    });

    t('4 packets both ways in one request', async () => {
        const s = safeText(310, 3);
        assert.ok(s.length > 3 * BOT_CHUNK && s.length <= 4 * BOT_CHUNK);
        await expectReply('echo', [s], s);
    });

    t('quoting, escapes and numbers over the encrypted link', async () => {
        await expectReply('echo', ['it\'s "q" \\'], 'it\'s "q" \\');
        await expectReply('add', ['0.5', 2], '2.5');
        await expectReply('concat', ['x', '"', 1, ' '], 'x"1 ');
    });

    t('an unknown request gets the unknown-request reply', async () => {
        await expectReply('nosuchrequest', [], UNKNOWN_REPLY);
    });

    t('plain send and recv blocks', async () => {
        await sprite().send('echo "secure raw"');
        assert.deepEqual(await sprite().recv(), { status: 'done', reception: 'secure raw' });
    });
});
