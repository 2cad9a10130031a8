'use strict';
// DEV ONLY: a minimal TurboWarp-style cloud relay for proving the harness before the Rust
// server (`scratchcomm serve`) exists. Rooms by project_id; on handshake the client gets the
// room's variables as one frame of newline-separated sets; every set is stored and relayed
// to the other members of the room (not echoed to the sender), like TurboWarp's server.
// Prints `listening on ws://127.0.0.1:PORT/` as its first stdout line, like `scratchcomm serve`.

const { WebSocketServer } = require('ws');

function startRelay(port = 0) {
    const rooms = new Map();
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    wss.on('connection', (ws) => {
        let room = null;
        ws.on('message', (data) => {
            for (const line of data.toString('utf8').split('\n')) {
                if (!line.trim()) continue;
                let msg;
                try {
                    msg = JSON.parse(line);
                } catch (err) {
                    ws.close(4000, 'bad JSON');
                    return;
                }
                if (msg.method === 'handshake') {
                    const id = String(msg.project_id);
                    if (!rooms.has(id)) rooms.set(id, { vars: new Map(), members: new Set() });
                    room = rooms.get(id);
                    room.members.add(ws);
                    const snapshot = [...room.vars].map(([name, value]) =>
                        JSON.stringify({ method: 'set', name, value })).join('\n');
                    if (snapshot) ws.send(`${snapshot}\n`);
                } else if (msg.method === 'set' && room) {
                    room.vars.set(msg.name, msg.value);
                    const out = `${JSON.stringify({ method: 'set', name: msg.name, value: msg.value })}\n`;
                    for (const other of room.members) if (other !== ws && other.readyState === 1) other.send(out);
                }
            }
        });
        ws.on('close', () => room && room.members.delete(ws));
    });
    return new Promise((resolve) => wss.on('listening', () => resolve(wss)));
}

if (require.main === module) {
    const i = process.argv.indexOf('--port');
    startRelay(i > 0 ? Number(process.argv[i + 1]) : 0).then((wss) => {
        console.log(`listening on ws://127.0.0.1:${wss.address().port}/`);
        process.on('SIGTERM', () => wss.close(() => process.exit(0)));
    });
}

module.exports = { startRelay };
