'use strict';
// A cloud-variable connection like the Scratch editor / TurboWarp's: one websocket to the
// cloud server, TurboWarp handshake, newline-separated JSON "set" messages both ways.
// It is also the VM's cloud provider (vm.setCloudProvider).

const WebSocket = require('ws');

class CloudLink {
    /**
     * @param {object} o
     * @param {string} o.url ws:// URL of the cloud server
     * @param {string} o.projectId project id sent in the handshake
     * @param {string} o.user username sent in the handshake
     * @param {(name: string, value: any) => void} o.onSet called for every incoming set
     * @param {(entry: object) => void} o.onTrace called for every value in or out
     */
    constructor({ url, projectId, user, onSet, onTrace }) {
        Object.assign(this, { url, projectId, user, onSet, onTrace });
        this.ws = null;
        this.closed = false;
        this.errors = [];
    }

    /** Opens the websocket and sends the handshake; resolves once it is open. */
    connect(timeoutMs = 10000) {
        return new Promise((resolve, reject) => {
            const ws = new WebSocket(this.url, { handshakeTimeout: timeoutMs });
            this.ws = ws;
            const timer = setTimeout(() => {
                ws.terminate();
                reject(new Error(`cloud server ${this.url}: no connection after ${timeoutMs} ms`));
            }, timeoutMs);
            ws.on('open', () => {
                clearTimeout(timer);
                this.sendJson({ method: 'handshake', user: this.user, project_id: this.projectId });
                resolve();
            });
            ws.on('error', (err) => {
                clearTimeout(timer);
                this.errors.push(err);
                reject(new Error(`cloud server ${this.url}: ${err.message}`));
            });
            ws.on('close', (code, reason) => {
                if (!this.closed) this.errors.push(new Error(`closed by server: ${code} ${reason}`));
            });
            ws.on('message', (data) => this.receive(data.toString('utf8')));
        });
    }

    receive(text) {
        for (const line of text.split('\n')) {
            if (!line.trim()) continue;
            let msg;
            try {
                msg = JSON.parse(line);
            } catch (err) {
                this.errors.push(new Error(`bad JSON from server: ${line.slice(0, 200)}`));
                continue;
            }
            if (msg.method !== 'set' || typeof msg.name !== 'string') continue;
            this.onTrace({ dir: 'in', name: msg.name, value: msg.value });
            this.onSet(msg.name, msg.value);
        }
    }

    sendJson(obj) {
        if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
            this.errors.push(new Error(`send while not connected: ${JSON.stringify(obj).slice(0, 100)}`));
            return;
        }
        this.ws.send(`${JSON.stringify(obj)}\n`);
    }

    // ---- scratch-vm CloudProvider interface ----
    updateVariable(name, value) {
        this.onTrace({ dir: 'out', name, value });
        this.sendJson({ method: 'set', name, value, user: this.user, project_id: this.projectId });
    }

    createVariable() {}

    renameVariable() {}

    deleteVariable() {}

    requestCloseConnection() {
        this.close();
    }

    close() {
        this.closed = true;
        if (this.ws) this.ws.close();
    }
}

module.exports = { CloudLink };
