'use strict';
// The 91-character table and the encodings of PROTOCOL.md §3.2, plus the §7 cipher, used
// only to print a readable wire trace (the sprite itself does the real work in the VM).

const crypto = require('node:crypto');

const TABLE =
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-:;_\'#!"§$%&/()=?{[]}\\0123456789<>ß*';
if ([...TABLE].length !== 91) throw new Error('character table must have 91 characters');
const CHARS = [...TABLE];
const INDEX = new Map(CHARS.map((c, i) => [c, i]));
const MARKER = 'ITSTHEENDOFTHIS';

/** Sprite encoding: two-digit 1-based codes, no leading "1"; unknown units become "72". */
function clientEncode(text) {
    let out = '';
    for (let i = 0; i < text.length; i++) {
        const idx = INDEX.get(text[i]);
        out += idx === undefined ? '72' : String(idx + 1).padStart(2, '0');
    }
    return out;
}

/** Reference server decoding: pairs 01..91, "00" -> last char, 92..99 dropped, odd tail ignored. */
function serverDecode(digits) {
    let out = '';
    for (let i = 0; i + 1 < digits.length; i += 2) {
        const p = Number(digits.slice(i, i + 2));
        if (Number.isNaN(p)) out += '\uFFFD';
        else if (p === 0) out += CHARS[90];
        else if (p <= 91) out += CHARS[p - 1];
    }
    return out;
}

/** The first 91 characters of the table repeated to length n (handler `long n`). */
function tableRepeated(n) {
    let out = '';
    while (out.length < n) out += TABLE;
    return out.slice(0, n);
}

function aesKey(keyText, salt15) {
    const tail = Buffer.from(keyText.slice(-53), 'ascii');
    const h = crypto.createHash('sha256').update(tail).digest().subarray(0, 16);
    const key = Buffer.from(h);
    for (let i = 0; i < 7; i++) key[i] ^= Number(salt15.slice(2 * i, 2 * i + 2));
    key[7] ^= Number(salt15[14]);
    return key;
}

function keystream(key, n) {
    const blocks = Math.ceil(n / 16);
    const input = Buffer.alloc(blocks * 16);
    for (let b = 0; b < blocks; b++) input.writeUInt32BE(b + 1, b * 16 + 12);
    const cipher = crypto.createCipheriv('aes-128-ecb', key, null);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(input), cipher.final()]);
}

/** §7.3 decryption; returns the plaintext, or null when not authentic. */
function decrypt(keyText, ciphertext, salt) {
    const first = ciphertext.indexOf(':');
    const second = ciphertext.indexOf(':', first + 1);
    if (first < 0 || second < 0) return null;
    const len = Number(ciphertext.slice(first + 1, second));
    const body = [...ciphertext.slice(second + 1)];
    const ks = keystream(aesKey(keyText, String(salt).padStart(15, '0')), body.length);
    let plain = '';
    for (let j = 0; j < body.length; j++) {
        const idx = INDEX.get(body[j]);
        if (idx === undefined) return null;
        plain += CHARS[(((idx - ks[j]) % 91) + 91) % 91];
    }
    if (!plain.endsWith(MARKER) || plain.length !== len + MARKER.length) return null;
    return plain.slice(0, len);
}

/**
 * Human-readable decoding of cloud-socket values for the wire trace. Keeps the insecure
 * TO_CLIENT digits of a multi-packet message (chunks are cut at digit, not pair,
 * boundaries) and prints the whole message with its last packet.
 */
class TraceDecoder {
    constructor() {
        this.pending = new Map();
    }

    /**
     * @param {string} name the full variable name (☁ FROM_CLIENT, ☁ TO_CLIENT_n)
     * @param {string} value the raw value
     * @param {string} keyText the sprite's connection key text ('' when insecure)
     * @param {string} [ownId] the sprite's client id: other clients' packets are not decrypted
     */
    describe(name, value, keyText, ownId) {
        const v = String(value);
        const more = v.startsWith('-');
        const dot = v.indexOf('.');
        if (dot < 0) return 'malformed (no ".")';
        const head = v.slice(more ? 1 : 0, dot);
        const tail = v.slice(dot + 1);
        const cid = tail.slice(0, 5);
        const other = ownId && cid !== ownId;
        const cont = more ? ' (more follow)' : '';
        if (name.endsWith('FROM_CLIENT')) {
            if (head.startsWith('0')) {
                return `client ${cid} key fragment ${head.slice(1, 6)} (${head.length - 6} digits)`;
            }
            const body = head.slice(1);
            if (serverDecode(body.slice(0, 28)).startsWith('_safe_connect:')) {
                const ids = body.slice(28, -15);
                return `client ${cid} _safe_connect: fragments [${ids.match(/.{1,5}/g) || []}] salt ${body.slice(-15)}`;
            }
            if (other) return `client ${cid} (another client's packet)`;
            const secure = secureText(body, keyText);
            return `client ${cid}${cont} ${secure || `text ${JSON.stringify(serverDecode(body))}`}`;
        }
        const index = Number(tail.slice(8));
        if (other) return `to ${cid} (another client's packet)`;
        const secure = secureText(head.slice(1), keyText);
        if (secure) return `to ${cid} packet ${index}${cont} ${secure}`;
        // insecure: chunk 0 carries the leading "1"; chunks are cut at digit boundaries
        const digits = (index === 0 ? '' : (this.pending.get(cid) || '')) +
            (index === 0 ? head.slice(1) : head);
        if (more) {
            this.pending.set(cid, digits);
            return `to ${cid} packet ${index}${cont} insecure digits (decoded with the last packet)`;
        }
        this.pending.delete(cid);
        return `to ${cid} packet ${index} insecure message ${JSON.stringify(serverDecode(digits))}`;
    }
}

/** Decrypts `encoded ciphertext ‖ salt15` with the sprite's key; null if not possible. */
function secureText(digits, keyText) {
    if (!keyText || digits.length <= 15 || !/^\d+$/.test(digits)) return null;
    const salt = digits.slice(-15);
    const plain = decrypt(keyText, serverDecode(digits.slice(0, -15)), salt);
    return plain === null ? null : `secure salt ${salt} plaintext ${JSON.stringify(plain)}`;
}

/** One-shot form of TraceDecoder.describe (no multi-packet state). */
function describe(name, value, keyText, ownId) {
    return new TraceDecoder().describe(name, value, keyText, ownId);
}

module.exports = { TABLE, clientEncode, serverDecode, tableRepeated, decrypt, describe, TraceDecoder };
