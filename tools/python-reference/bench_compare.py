"""Times the security operations in the original library (scratchcommunication 3.0.0)
and in ours, in the same run, on the same inputs, and prints ours/theirs per operation.

Usage (from the repository root, after `bash tools/python-reference/setup.sh`):
    target/pyref-venv/bin/python tools/python-reference/bench_compare.py [SECONDS_PER_OP]

Ours: `cargo run --release -p actors-security --example bench_ops` (see
crates/actors-security/src/workload.rs for the shared workloads, mirrored below).
Theirs: the reference's CloudSocket._encode/_decode, SymmetricEncryption, and the
server side of a handshake (CloudSocket._decrypt_key) after the client side done with the
same primitives the sprite uses (X25519 for EC, pow(K, 3, n) for RSA). Not a test.
"""

import json
import os
import subprocess
import sys
import time
import warnings

from scratchcommunication import security as sec
from scratchcommunication.cloud_socket import CloudSocket

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEXT_LEN = 64 * 1024
SALT = 177438113754
KEY_TEXT = "132254244129131791587141346023714020215122447223933242822161332002532112255919117311177438113728"


def sample_text(n):
    # Same as workload::sample_text.
    return "".join(sec.chars[(i * 7 + i // 91) % len(sec.chars)] for i in range(n))


def timed(budget, f):
    f()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < budget or n < 3:
        f()
        n += 1
    return (time.perf_counter() - start) / n


def client_ec(public):
    scalar = bytearray(os.urandom(32))
    scalar[0] &= 248
    scalar[31] &= 127
    scalar[31] |= 64
    k = bytes(scalar).hex()
    point = sec.scalar_multiply(scalar=k, point=public["[secure] public base"])
    return f"{SALT:015}" + CloudSocket._encode(point)[1:]


def client_rsa(public):
    e, n = int(public["[secure] public exponent"]), int(public["[secure] public modulus"])
    digits = max(64, -(-(10 * e + len(str(n)) - e * len(str(SALT))) // e))
    key = int(str(SALT) + "".join(str(b % 10) for b in os.urandom(digits)))
    return str(pow(key, e, n))


def theirs(budget):
    text = sample_text(TEXT_LEN)
    digits = CloudSocket._encode(text)
    enc = sec.SymmetricEncryption(int(KEY_TEXT))
    ciphertext = enc.encrypt(text, SALT)
    out = {
        "encode": timed(budget, lambda: CloudSocket._encode(text)),
        "decode": timed(budget, lambda: CloudSocket._decode(digits[1:])),
        "encrypt": timed(budget, lambda: enc.encrypt(text, SALT)),
        "decrypt": timed(budget, lambda: enc.decrypt(ciphertext, SALT)),
    }
    for name, kind, client in (("ec_handshake", "EC", client_ec), ("rsa_handshake", "RSA", client_rsa)):
        security = sec.Security.generate(kind)
        if kind == "EC":  # 3.0.0's CloudSocket needs the 3-element form (PROTOCOL.md 9 S4)
            security = sec.Security(security_type="EC", data=tuple(sec.ECSecurity(security.data)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sock = CloudSocket(cloud=None, security=security)
        public = security.public_data

        def one():
            key = sock._decrypt_key(client(public))
            assert str(key).endswith(str(SALT)) or str(key).startswith(str(SALT))
            sec.SymmetricEncryption(key)

        out[name] = timed(budget, one)
    return out


def ours(budget):
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "actors-security", "--example", "bench_ops", "--", str(budget)]
    result = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(f"workload: {TEXT_LEN} characters of table text; about {budget} s per operation and side", flush=True)
    rust = ours(budget)
    python = theirs(budget)
    print(f"{'operation':<15}{'ours':>18}{'theirs':>18}{'ours/theirs speed':>20}")
    for op, t_theirs in python.items():
        t_ours = rust[op]["seconds_per_op"]
        size = rust[op]["bytes_per_op"]
        if size:
            fmt = lambda t: f"{size / t / 1e6:10.2f} MB/s"
        else:
            fmt = lambda t: f"{t * 1e6:10.1f} us/op"
        print(f"{op:<15}{fmt(t_ours):>18}{fmt(t_theirs):>18}{t_theirs / t_ours:>19.1f}x")


if __name__ == "__main__":
    main()
