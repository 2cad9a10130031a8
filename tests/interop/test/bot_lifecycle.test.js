'use strict';
// Self-healing bots with the real client sprite (issue #14): (a) a bot started before its
// cloud server waits for it and then serves the sprite; (b) a bot keeps serving after its
// server is killed with SIGKILL and started again on the same port — the sprite's session
// from before the restart (its cloud connection reopened, as the editor does) and a new
// sprite — without the bot being restarted. Needs a server this suite starts itself (not
// $INTEROP_SERVER_URL).

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { loadProject, report } = require('../lib/suite');
const { startServer, startBot, freePort } = require('../lib/processes');
const { SpriteClient, sleep } = require('../lib/sprite_client');
const { tableRepeated } = require('../lib/expect');

/** The bot's reconnect delays are capped at 2 s in a young outage (docs/reconnect.md);
 * the sprite's first request after a restart waits this long for it, then retries. */
const BOT_BACK_WAIT_MS = 3000;
const REQUEST_ATTEMPTS = 3;

function skipReason() {
    if (process.env.INTEROP_SERVER_URL) return 'uses $INTEROP_SERVER_URL: cannot start or kill the server';
    return null;
}

describe('self-healing bot with the real sprite', () => {
    let project = null;
    let skip = skipReason();
    const env = { server: null, bot: null, clients: [] };
    const cleanUp = async () => {
        for (const c of env.clients) await c.stop();
        env.clients = [];
        if (env.bot && env.bot.proc) await env.bot.proc.stop();
        if (env.server && env.server.proc) await env.server.proc.stop();
        env.bot = null;
        env.server = null;
    };
    before(async () => {
        if (skip) return;
        const loaded = await loadProject();
        if (loaded.skip) skip = loaded.skip;
        else project = loaded.project;
        if (skip) console.log(`SKIP: ${skip}`);
    });
    after(cleanUp);

    const sprite = async (url, projectId, label) => {
        const c = new SpriteClient({
            project, url, projectId, user: `life${env.clients.length}`, label, spriteTimeout: 10,
        });
        env.clients.push(c);
        await c.start();
        return c;
    };
    const expectReply = async (c, name, args, expected) => {
        assert.deepEqual(await c.request(name, args), { status: 'done', reception: expected },
            `${c.opts.label}: request ${name} ${JSON.stringify(args)}`);
    };
    const t = (name, fn) => it(name, async (ctx) => {
        if (skip) return ctx.skip(skip);
        try {
            await fn(ctx);
        } catch (err) {
            const extra = `\n\n${report(env)}`;
            err.message = `${err.message}${extra}`;
            console.error(`FAILED: ${ctx.name}${extra}`);
            throw err;
        } finally {
            await cleanUp();
        }
    });

    t('(a) a bot started before its server serves the sprite once the server is up', async () => {
        const port = await freePort();
        const url = `ws://127.0.0.1:${port}/`;
        const projectId = String(100000 + Math.floor(Math.random() * 900000));
        let ready = null;
        const starting = startBot({ url, projectId, security: 'none', packetSize: 220 })
            .then((bot) => { ready = bot; env.bot = bot; return bot; });
        starting.catch(() => {});
        await sleep(2000);
        assert.equal(ready, null, 'the bot cannot be ready without its server');
        env.server = await startServer(process.env, { port });
        assert.equal(env.server.url, url);
        env.bot = await starting;
        assert.equal(env.bot.proc.exit, null, 'the bot still runs');
        const c = await sprite(url, projectId, 'early-bot sprite');
        await c.connectInsecure();
        await expectReply(c, 'ping', [], 'pong');
        await expectReply(c, 'add', [2, 3], '5');
        await expectReply(c, 'long', [150], tableRepeated(150));
    });

    t('(b) after kill -9 and restart of the server the same bot serves old and new sessions', async () => {
        const port = await freePort();
        env.server = await startServer(process.env, { port });
        const url = env.server.url;
        const projectId = String(100000 + Math.floor(Math.random() * 900000));
        env.bot = await startBot({ url, projectId, security: 'none', packetSize: 220 });
        const botPid = env.bot.proc.child.pid;
        const first = await sprite(url, projectId, 'sprite before restart');
        await first.connectInsecure();
        await expectReply(first, 'ping', [], 'pong');

        const killed = await env.server.proc.kill();
        assert.equal(killed.signal, 'SIGKILL');
        await sleep(500);
        env.server = await startServer(process.env, { port });
        assert.equal(env.server.url, url, 'restarted on the same port');
        await first.reconnectLink();
        await sleep(BOT_BACK_WAIT_MS);

        // The session from before the restart: same client id, no new connect.
        let attempts = 0;
        for (;;) {
            attempts += 1;
            const got = await first.request('ping', []);
            if (got.status === 'done' && got.reception === 'pong') break;
            assert.ok(attempts < REQUEST_ATTEMPTS, `no pong after ${attempts} attempts: ${JSON.stringify(got)}`);
        }
        console.log(`TIMING bot back after server restart: first ping answered at attempt ${attempts}`);
        await expectReply(first, 'add', [20, 22], '42');
        await expectReply(first, 'long', [150], tableRepeated(150));
        // A new session after the restart.
        const second = await sprite(url, projectId, 'sprite after restart');
        await second.connectInsecure();
        await expectReply(second, 'ping', [], 'pong');
        await expectReply(second, 'echo', ['hello'], 'hello');
        assert.equal(env.bot.proc.exit, null, 'the bot was never restarted');
        assert.equal(env.bot.proc.child.pid, botPid);
    });
});
