'use strict';
// Insecure replies longer than two packets through a custom host (issue #14 item 4): our
// embedded server is a custom host, where the bot's packet size AUTO is 98,800 digits like
// the original library's for every TurboWarp-style connection. A 300- or 2,000-character
// reply is then one packet, which the sprite reads; at 220 the bot would refuse it (more than
// the sprite's 2-packet insecure limit, §9 C1).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { setup, teardown, traced } = require('../lib/suite');
const { tableRepeated } = require('../lib/expect');

describe('insecure sprite client, bot on packet size AUTO (custom host)', () => {
    let env = null;
    let skip = null;
    before(async () => {
        env = await setup({ security: 'none', packetSize: null, label: 'auto' });
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
    const expectReply = async (name, args, expected) => {
        assert.deepEqual(await sprite().request(name, args), { status: 'done', reception: expected },
            `request ${name} ${JSON.stringify(args)}`);
    };

    t('connects insecurely', async () => {
        await sprite().connectInsecure();
        await expectReply('ping', [], 'pong');
    });

    t('a 300-character insecure reply arrives whole', async () => {
        await expectReply('long', [300], tableRepeated(300));
    });

    t('a 2,000-character insecure reply arrives whole', async () => {
        await expectReply('long', [2000], tableRepeated(2000));
    });
});
