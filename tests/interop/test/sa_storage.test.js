'use strict';
// scratchattach's Cloud Storage kit (CloudStorage_Template.sb3, unchanged sprite) against
// `examples/sa_bot --kind storage` through our server and TurboWarp's own: its blocks
// Ping / Set value / Get value / Get database keys / Get database names, errors, and the
// database file in scratchattach's format afterwards.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { loadKit, SaSprite, sleep } = require('../lib/sa_kit');
const { servers, startSaBot, room, traced, measure } = require('../lib/sa_setup');

for (const server of servers()) {
    describe(`scratchattach Cloud Storage kit, ${server.name}`, () => {
        const env = { sprites: [], procs: [] };
        let skip = null;
        let sprite = null;
        let bot = null;
        before(async () => {
            const kit = await loadKit('storage');
            if (kit.skip) {
                skip = kit.skip;
                console.log(`SKIP: ${skip}`);
                return;
            }
            const srv = await server.start();
            env.procs.push(srv.proc);
            const projectId = room();
            bot = await startSaBot({ url: srv.url, projectId, kind: 'storage' });
            env.procs.push(bot.proc);
            sprite = new SaSprite({ project: kit.project, kit: 'storage', url: srv.url, projectId, label: 'storage sprite' });
            env.sprites.push(sprite);
            await sprite.start();
        });
        after(async () => {
            for (const s of env.sprites) await s.stop();
            for (const p of env.procs.slice(1)) if (p) await p.stop();
            if (env.procs[0]) await env.procs[0].stop();
        });
        const t = (name, fn) => it(name, (ctx) => (skip ? ctx.skip(skip) : traced(() => env, fn)(ctx)));
        const file = () => path.join(bot.dbDir, 'testdb.json');

        t('ping', async () => {
            assert.deepEqual(await sprite.call('sa ping'), { status: 'DONE', response: ['Database backend is running'] });
        });

        t('set is answered (no 10 s timeout), get, keys, names', async (ctx) => {
            const t0 = Date.now();
            const set = await sprite.call('sa set', ['testdb', 'k1', 'hello']);
            measure(ctx, `sa storage set (${server.name})`, Date.now() - t0);
            assert.equal(set.status, 'SENT');
            assert.ok(sprite.trace.some((e) => e.dir === 'in' && e.t >= t0 && /FROM_HOST/.test(e.name) &&
                /^\.\d{6}2222$/.test(String(e.value))), 'an empty-list reply to set arrived');
            await sprite.call('sa set', ['testdb', 'n', '123']);
            assert.deepEqual(await sprite.call('sa get', ['testdb', 'k1']), { status: 'DONE', response: ['hello'] });
            assert.deepEqual(await sprite.call('sa get', ['testdb', 'n']), { status: 'DONE', response: ['123'] });
            assert.deepEqual(await sprite.call('sa keys', ['testdb']), { status: 'DONE', response: ['k1', 'n'] });
            assert.deepEqual(await sprite.call('sa names'), { status: 'DONE', response: ['testdb'] });
        });

        t('missing keys and databases', async () => {
            assert.deepEqual(await sprite.call('sa get', ['testdb', 'missing']),
                { status: 'DONE', response: ["Error: Key missing doesn't exist in database testdb"] });
            assert.deepEqual(await sprite.call('sa get', ['nodb', 'k1']),
                { status: 'DONE', response: ["Error: Database nodb doesn't exist"] });
            assert.deepEqual(await sprite.call('sa keys', ['nodb']),
                { status: 'DONE', response: ["Error: Database nodb doesn't exist"] });
            // A value with '&' adds an argument: the reference's error list.
            const r = await sprite.call('sa set', ['testdb', 'k1', 'a&b']);
            assert.equal(r.status, 'SENT');
            assert.deepEqual(await sprite.call('sa get', ['testdb', 'k1']), { status: 'DONE', response: ['hello'] });
        });

        t('the database file is written soon after a change and on stop', async () => {
            const want = '{\n    "k1": "hello",\n    "n": "123"\n}';
            let text = '';
            for (let i = 0; i < 100 && text !== want; i++) {
                text = fs.existsSync(file()) ? fs.readFileSync(file(), 'utf8') : '';
                if (text !== want) await sleep(50);
            }
            assert.equal(text, want);
            await sprite.call('sa set', ['testdb', 'last', '7']);
            const exit = await bot.proc.stop();
            assert.ok(!exit.killed, 'sa_bot did not stop on SIGTERM within 5 s');
            assert.equal(fs.readFileSync(file(), 'utf8'), '{\n    "k1": "hello",\n    "n": "123",\n    "last": "7"\n}');
            assert.deepEqual(fs.readdirSync(bot.dbDir), ['testdb.json'], 'no temporary file left');
        });
    });
}
