'use strict';
/**
 * Test-only preload for TurboWarp's cloud-server (node -r THIS src/index.js), loaded by
 * tools/peers/turbowarp.sh. The server's ConnectionManager runs one check every 30 s
 * (setInterval(update, 30000)): it drops clients that joined no room for more than 30 s
 * and clients that did not answer the previous check's ping, then pings the rest. With
 * TW_CHECK_INTERVAL_MS set, that interval is this many milliseconds instead, so a test
 * sees the 30-s handshake rule applied at 30 s plus one interval instead of at 30 to 60 s.
 * The rule (30 s) and the server's source are unchanged; clients must answer pings within
 * the shorter interval. Without the variable this does nothing.
 */
const every = Number(process.env.TW_CHECK_INTERVAL_MS);
if (every > 0) {
    const original = global.setInterval;
    global.setInterval = function (fn, ms, ...rest) {
        return original.call(this, fn, ms === 30000 ? every : ms, ...rest);
    };
}
