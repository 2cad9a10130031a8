#!/usr/bin/env python3
"""Writes the checked-in seed corpora fuzz/corpus/<target>/ from tests/vectors/ (and a few
hand-written inputs for what the vectors do not cover). Re-run after changing the vectors:
    python3 fuzz/make_seeds.py
Every seed is a small file named by the SHA-1 of its content (libFuzzer's convention)."""
import base64, hashlib, json, os, re, shutil, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VEC = os.path.join(ROOT, "tests", "vectors")
OUT = os.path.join(ROOT, "fuzz", "corpus")
MAX_PER_TARGET = 48
MAX_BYTES = 4096


def strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)


def values_under(x, key):
    if isinstance(x, dict):
        for k, v in x.items():
            if k == key:
                yield v
            yield from values_under(v, key)
    elif isinstance(x, list):
        for v in x:
            yield from values_under(v, key)


def load(name):
    with open(os.path.join(VEC, name), encoding="utf-8") as f:
        return json.load(f)


seeds = {t: [] for t in [
    "wire_batch", "wire_frame_roundtrip", "server_session", "socket_from_client",
    "client_to_client", "request_parse", "request_args", "decoder", "cipher", "key_string",
    "session_string", "cloud_logs"]}

def add(target, text):
    data = text.encode("utf-8") if isinstance(text, str) else text
    if 0 < len(data) <= MAX_BYTES and data not in seeds[target]:
        seeds[target].append(data)

every = [s for f in sorted(os.listdir(VEC)) if f.endswith(".json") for s in strings(load(f))]

# Cloud frames: anything that looks like a JSON message.
for s in every:
    if '"method"' in s:
        add("wire_batch", s)
        add("server_session", s)
add("wire_batch", '{"method":"set","name":"\u2601 A","value":1e400}\n{"method":"rename","name":"\u2601 A","new_name":"\u2601 B"}')
add("server_session", '{"method":"handshake","user":"alice","project_id":"1"}\n{"method":"set","name":"\u2601 a","value":"5"}')

# FROM_CLIENT / TO_CLIENT values.
for v in values_under(load("client_to_server.json"), "from_client_values"):
    for s in v:
        add("socket_from_client", s)
for s in strings(load("server_to_client.json")):
    if re.fullmatch(r"-?\d+\.\d+", s):
        add("client_to_client", s)
for name in ("ec_handshake.json", "rsa_handshake.json", "sprite_capture.json", "sprite_e2e.json"):
    for s in strings(load(name)):
        if re.fullmatch(r"-?\d+\.\d{5,}", s) and len(s) < MAX_BYTES:
            add("socket_from_client", s)
            add("client_to_client", s)

# Requests.
req = load("requests.json")
for v in values_under(req, "message"):
    add("request_parse", v)
for v in values_under(req, "request_string"):
    add("request_parse", v)
for v in values_under(req, "message"):
    add("request_args", v)

# Digits and text for the 91-character codecs.
for s in every:
    if re.fullmatch(r"\d{2,}", s) and len(s) < 600:
        add("decoder", s)
enc = load("encoding.json")
for v in values_under(enc, "text"):
    add("decoder", v)
    add("wire_frame_roundtrip", v)

# Cipher texts.
for s in every:
    if re.fullmatch(r"\d{4}:\d+:.*", s, re.S):
        add("cipher", s)

# Key strings, with fragments and public data.
for s in every:
    if s.startswith(("ECxxxxx1", "RSAxxxx1")):
        add("key_string", s)
for name in ("ec_handshake.json", "rsa_handshake.json"):
    d = load(name)
    key = d["server"]["security_to_string"]
    public = "\n".join(f"{k}={v}" for k, v in d["server"]["public_data"].items())
    for s in strings(d):
        if re.fullmatch(r"\d{40,}", s):
            add("key_string", f"{key}\0{s}\0{public}")

# Session strings (the reference's layout) and cloud-log pages.
for fields in ({"username": "someone", "session_id": "abc\"def"},
               {"username": None, "session_id": "x", "xtoken": "t", "password": "p\u00e9"}):
    text = json.dumps(fields)
    add("session_string", base64.b64encode(text.encode()).decode())
add("cloud_logs", json.dumps([
    {"user": "alice", "verb": "set_var", "name": "\u2601 FROM_CLIENT", "value": "1234.123456789", "timestamp": 1774385001000},
    {"user": "bob", "verb": "create_var", "name": "\u2601 x", "value": 1.50, "timestamp": 1.5e12},
]))
add("cloud_logs", '[{"user":"a","name":"\u2601 a","value":"-1.2e3","timestamp":0}]')

for target, items in seeds.items():
    d = os.path.join(OUT, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for data in items[:MAX_PER_TARGET]:
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)
    print(f"{target}: {min(len(items), MAX_PER_TARGET)} seeds", file=sys.stderr)
