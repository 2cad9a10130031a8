'use strict';
// scratchattach's Cloud Requests kit (CloudRequests_Template.sb3, unchanged sprite) against
// examples/sa_bot through our server and TurboWarp's own: short and multi-chunk requests,
// number and text replies, replies at TurboWarp's size and at Scratch's 256 characters with
// 0.1 s spacing, a burst whose packets the sprite misses and re-requests, unknown names.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { loadKit, SaSprite, sleep } = require('../lib/sa_kit');
const { servers, startSaBot, room, traced, measure } = require('../lib/sa_setup');

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const long = (n) => ALNUM.repeat(Math.ceil(n / ALNUM.length)).slice(0, n);

for (const server of servers()) {
    describe(`scratchattach Cloud Requests kit, ${server.name}`, () => {
        const env = { sprites: [], procs: [] };
        let skip = null;
        let tw = null;
        let scratch = null;
        let burst = null;
        before(async () => {
            const kit = await loadKit('requests');
            if (kit.skip) {
                skip = kit.skip;
                console.log(`SKIP: ${skip}`);
                return;
            }
            const srv = await server.start();
            env.procs.push(srv.proc);
            const sprite = async (label, bot) => {
                const projectId = room();
                const b = await startSaBot({ url: srv.url, projectId, kind: 'requests', ...bot });
                env.procs.push(b.proc);
                const s = new SaSprite({ project: kit.project, kit: 'requests', url: srv.url, projectId, label });
                env.sprites.push(s);
                await s.start();
                return s;
            };
            tw = await sprite('sprite (TurboWarp sizes)', {});
            scratch = await sprite('sprite (length 256, rate 0.1)', { lengthLimit: 256, rate: 0.1 });
            burst = await sprite('sprite (length 256, rate 0)', { lengthLimit: 256, rate: 0 });
        });
        after(async () => {
            for (const s of env.sprites) await s.stop();
            const exits = [];
            for (const p of env.procs.slice(1)) exits.push(await p.stop());
            if (env.procs[0]) await env.procs[0].stop();
            for (const e of exits) assert.ok(!e.killed, 'sa_bot did not stop on SIGTERM within 5 s');
        });
        const t = (name, fn) => it(name, (ctx) => (skip ? ctx.skip(skip) : traced(() => env, fn)(ctx)));
        const done = (response) => ({ status: 'DONE', response });

        t('ping gets pong', async (ctx) => {
            const t0 = Date.now();
            assert.deepEqual(await tw.request('ping'), done(['pong']));
            measure(ctx, `sa ping round trip (${server.name})`, Date.now() - t0);
        });

        t('numbers: whole sums are number replies, others text', async () => {
            assert.deepEqual(await tw.request('add', ['2', '40']), done(['42']));
            assert.deepEqual(await tw.request('add', ['1.5', '2']), done(['3.5']));
            assert.deepEqual(await tw.request('add', ['-50', '8']), done(['-42']));
        });

        t('text: every table character, characters the sprite drops', async () => {
            const text = 'Hello, World! */.,!"§$%_-(´)`?@#~;:+|^\'';
            assert.deepEqual(await tw.request('echo', [text]), done([text]));
            assert.deepEqual(await tw.request('echo', ['aéb']), done(['ab']));
            assert.deepEqual(await tw.request('echo', ['']), done(['-']));
        });

        t('multi-chunk requests, including an exactly full last chunk', async () => {
            const t0 = Date.now();
            const text = long(300);
            assert.deepEqual(await tw.request('echo', [text]), done([text]));
            const chunks = tw.sentSince(t0);
            assert.equal(chunks.length, 3, `TO_HOST values: ${chunks.join(' ')}`);
            const t1 = Date.now();
            const exact = long(240); // 'echo&' + 240 characters = 490 digits = 2 x 245
            assert.deepEqual(await tw.request('echo', [exact]), done([exact]));
            const sent = tw.sentSince(t1);
            assert.match(sent[sent.length - 1], /^\.\d{6}$/, 'the last chunk is empty');
        });

        t('a 20000-character reply in one packet (TurboWarp size)', async (ctx) => {
            const t0 = Date.now();
            assert.deepEqual(await tw.request('long', ['20000']), done([long(20000)]));
            measure(ctx, `sa 20000-character reply (${server.name})`, Date.now() - t0);
        });

        t("a 2000-character reply in 17 packets at Scratch's 256 with 0.1 s spacing", async (ctx) => {
            const t0 = Date.now();
            assert.deepEqual(await scratch.request('long', ['2000']), done([long(2000)]));
            measure(ctx, `sa 2000-character reply at length 256 rate 0.1 (${server.name})`, Date.now() - t0);
            assert.deepEqual(await scratch.request('ping'), done(['pong']));
        });

        t('a burst the sprite misses is re-requested packet by packet', async (ctx) => {
            // The sprite's VM pauses right after sending the request (as a busy or hidden tab
            // would), so the 17 packets overwrite FROM_HOST_1..9 before it polls: it finds the
            // final packet with slots 1-8 empty and re-requests them.
            burst.pauseOnSend = (e) => /TO_HOST/.test(e.name);
            const t0 = Date.now();
            const pending = burst.request('long', ['2000']);
            await sleep(1500);
            burst.resume();
            assert.deepEqual(await pending, done([long(2000)]));
            const rerequests = burst.sentSince(t0).filter((v) => /^\d+\.\d{6}9$/.test(v));
            assert.ok(rerequests.length >= 1, 'the sprite re-requested packets');
            measure(ctx, `sa burst with ${rerequests.length} re-requests (${server.name})`, Date.now() - t0);
            assert.deepEqual(await burst.request('ping'), done(['pong']));
        });

        t('an unknown request name gets no reply (the sprite times out)', async () => {
            tw.variable('@timeout_after').value = '2';
            try {
                const r = await tw.request('nosuch', ['1']);
                assert.equal(r.status, 'TIMEOUT');
            } finally {
                tw.variable('@timeout_after').value = '10';
            }
            assert.deepEqual(await tw.request('ping'), done(['pong']));
        });
    });
}
