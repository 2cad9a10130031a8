'use strict';
// What the bot's handlers must answer (issue 7), computed independently of the bot.

const { tableRepeated, TABLE } = require('./codec');

const UNKNOWN_REPLY = process.env.INTEROP_UNKNOWN_REPLY || 'The command syntax was wrong.';

/** Table characters without ';' (the sprite does not escape it and it splits requests, §8.1). */
const SAFE_TABLE = TABLE.replace(';', '');

function safeText(n, offset = 0) {
    let out = '';
    while (out.length < n + offset) out += SAFE_TABLE;
    return out.slice(offset, offset + n);
}

module.exports = { UNKNOWN_REPLY, SAFE_TABLE, safeText, tableRepeated };
