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
 * Human-readable decoding of one cloud-socket value for the wire trace.
 * @param {string} name the full variable name (☁ FROM_CLIENT, ☁ TO_CLIENT_n)
 * @param {string} value the raw value
 * @param {string} keyText the sprite's connection key text ('' when insecure)
 * @param {string} [ownId] the sprite's client id: other clients' packets are not decrypted
 */
function describe(name, value, keyText, ownId) {
    const v = String(value);
    const more = v.startsWith('-');
    const dot = v.indexOf('.');
    if (dot < 0) return 'malformed (no ".")';
    const head = v.slice(more ? 1 : 0, dot);
    const tail = v.slice(dot + 1);
    if (name.endsWith('FROM_CLIENT')) {
        const cid = tail.slice(0, 5);
        if (head.startsWith('0')) {
            return `client ${cid} key fragment ${head.slice(1, 6)} (${head.length - 6} digits)`;
        }
        const body = head.slice(1);
        const text = serverDecode(body);
        if (text.startsWith('_safe_connect:')) {
            const ids = body.slice(28, -15);
            return `client ${cid} _safe_connect: fragments [${ids.match(/.{1,5}/g) || []}] salt ${body.slice(-15)}`;
        }
        if (ownId && cid !== ownId) return `client ${cid} (another client's packet)`;
        return `client ${cid}${more ? ' (more follow)' : ''} ` + payload(body, keyText, true);
    }
    const cid = tail.slice(0, 5);
    const index = tail.slice(8);
    if (ownId && cid !== ownId) return `to ${cid} (another client's packet)`;
    return `to ${cid} packet ${index}${more ? ' (more follow)' : ''} ` +
        payload(head, keyText, false);
}

function payload(digits, keyText, fromClient) {
    const secure = Boolean(keyText) && digits.length > 15 && /^\d+$/.test(digits);
    if (secure) {
        const enc = fromClient ? digits.slice(0, -15) : digits.slice(1, -15);
        const salt = digits.slice(-15);
        const ct = serverDecode(enc);
        const plain = decrypt(keyText, ct, salt);
        if (plain !== null) return `secure salt ${salt} plaintext ${JSON.stringify(plain)}`;
    }
    const text = fromClient ? serverDecode(digits) : serverDecode(digits.slice(1));
    return `text ${JSON.stringify(text)} (or continuation digits)`;
}

module.exports = { TABLE, clientEncode, serverDecode, tableRepeated, decrypt, describe };
