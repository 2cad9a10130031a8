'use strict';
// `node lib/probe_server.js CMD...`: exits 0 if CMD starts and prints `listening on ws://...`
// within $INTEROP_START_TIMEOUT_MS, 1 otherwise (printing why). Used by run.sh to decide.

const { startServer } = require('./processes');

(async () => {
    const cmd = process.argv.slice(2).join(' ');
    try {
        const { url, proc } = await startServer({ INTEROP_SERVER_CMD: cmd });
        console.log(`probe: ${cmd} -> ${url}`);
        if (proc) await proc.stop();
        process.exit(0);
    } catch (err) {
        console.log(`probe: ${cmd} is not usable: ${err.message.split('\n').slice(0, 6).join('\n')}`);
        process.exit(1);
    }
})();
