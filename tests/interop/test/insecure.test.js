'use strict';
// Insecure cloud socket: the real sprite's `connect insecurely` and request blocks against
// the bot (security none). Replies stay within the sprite's 2-packet limit (§9 C1).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced, measure, knownDefect } = require('../lib/suite');
const { UNKNOWN_REPLY, tableRepeated, safeText } = require('../lib/expect');

describe('insecure sprite client', () => {
    let env = null;
    let skip = null;
    before(async () => {
        env = await setup({ security: 'none', packetSize: 220 });
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
            `request ${name} ${JSON.stringify(args)}`);
    };

    t('connects insecurely and gets pong', async (ctx) => {
        const t0 = Date.now();
        await sprite().connectInsecure();
        measure(ctx, 'insecure connect (sprite blocks)', Date.now() - t0);
        assert.match(sprite().clientId, /^\d{5}$/);
        const t1 = Date.now();
        await expectReply('ping', [], 'pong');
        measure(ctx, 'insecure request round trip (ping)', Date.now() - t1);
    });

    t('add prints whole sums without .0 and keeps fractions', async () => {
        await expectReply('add', [2, 3], '5');
        await expectReply('add', ['2.5', '0.25'], '2.75');
        await expectReply('add', ['1.5', '1.5'], '3');
    });

    t('replies of one and two packets (table text, 109 and 219 characters)', async () => {
        await expectReply('long', [109], tableRepeated(109));
        await expectReply('long', [219], tableRepeated(219));
    }, r1);

    t('2-packet replies arrive every time (the final packet must not overwrite the first)', async () => {
        // The sprite starts polling only after its send's 0.1 s wait; a final packet sent to
        // the first packet's variable replaces it unseen. 8 tries catch a random choice
        // of the final variable (1 in 4 collides) with probability 90%.
        for (let i = 0; i < 8; i++) await expectReply('long', [150 + i], tableRepeated(150 + i));
    }, r1);

    t('the sprite quotes and escapes string arguments', async () => {
        await expectReply('echo', ['it\'s "quoted" \\ back'], 'it\'s "quoted" \\ back');
        await expectReply('echo', ['two  spaces'], 'two  spaces');
        await expectReply('concat', ['a', 7, 'b c', '"'], 'a7b c"');
        await expectReply('echo', [safeText(100)], safeText(100));
    });

    t('single-character items are joined without spaces (§9 C3) and still parse', async () => {
        // The sprite sends request `d` with argument 7 as `d7`; the bot's lenient parser reads
        // it as `d` with 7. `d` doubles its number.
        await expectReply('d', [7], '14');
        await expectReply('d', ['x'], 'xx');
    });

    t('an unknown request gets the unknown-request reply', async () => {
        await expectReply('nosuchrequest', [1], UNKNOWN_REPLY);
    });

    t('plain send and recv blocks', async () => {
        await sprite().send('echo "raw send"');
        assert.deepEqual(await sprite().recv(), { status: 'done', reception: 'raw send' });
    });
});
