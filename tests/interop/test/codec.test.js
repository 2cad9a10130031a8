'use strict';
// The trace decoder's codec and cipher (lib/codec.js) against the protocol vectors, so a
// decoded wire trace can be trusted. Needs no fixture, server or bot.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const codec = require('../lib/codec');

const VECTORS = path.resolve(__dirname, '..', '..', 'vectors');
const load = (name) => require(path.join(VECTORS, name));

test('table, sprite encoding and server decoding match encoding.json', () => {
    const v = load('encoding.json');
    assert.equal(v.table.map((e) => e.char).join(''), codec.TABLE);
    for (const s of v.samples) {
        assert.equal(codec.clientEncode(s.text), s.sprite_encode, `encode ${JSON.stringify(s.text)}`);
        assert.equal(codec.serverDecode(s.server_encode.slice(1)),
            s.server_decode_of_encoded_without_leading_1);
    }
    for (const e of v.decode_edge_cases) {
        assert.equal(codec.serverDecode(e.digits), e.server_decode, `decode ${e.digits}`);
    }
});

test('decrypt matches symmetric_encryption.json', () => {
    const v = load('symmetric_encryption.json');
    for (const x of v.vectors) {
        assert.equal(codec.decrypt(x.key_decimal, x.ciphertext, x.salt), x.plaintext);
    }
});

test('the recorded sprite session decodes to its messages', () => {
    const e = load('sprite_e2e.json');
    const secure = e.sessions.find((s) => s.scenario === 'secure');
    const d = new codec.TraceDecoder();
    const plaintexts = secure.events
        .filter((ev) => ev.kind === 'from_client')
        .map((ev) => d.describe(ev.name, ev.value, secure.client_state.client_key, secure.client_id));
    assert.ok(plaintexts.some((p) => p.includes('plaintext "long 300"')), plaintexts.join('\n'));
    const insecure = e.sessions.find((s) => s.scenario !== 'secure');
    const d2 = new codec.TraceDecoder();
    const lines = insecure.events.filter((ev) => ev.kind === 'to_client')
        .map((ev) => d2.describe(ev.name, ev.value, '', insecure.client_id));
    assert.ok(lines.some((l) => l.includes('insecure message "hello insecure"')), lines.join('\n'));
});

test('tableRepeated gives the first n characters of the table repeated', () => {
    assert.equal(codec.tableRepeated(3), 'abc');
    assert.equal(codec.tableRepeated(93), `${codec.TABLE}ab`);
    assert.equal(codec.tableRepeated(0), '');
});
