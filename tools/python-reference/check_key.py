"""Loads a key file written by `scratchcomm keygen` into the original library.

Usage: check_key.py KEY_FILE [FRAGMENT_PAYLOAD SALT]

Does what a reference server does with the file: Security.from_string(text), then builds
a CloudSocket with it (3.0.0 requires the 3-element EC form, PROTOCOL.md 9 S4). With a
client fragment payload and connect salt it also derives the connection key as
CloudSocket._decrypt_key does, checks the salt rule of 3.5 step 6, and encrypts a
message with that key. Prints one JSON object; exits non-zero on any failure.
"""

import json
import sys
import warnings

from scratchcommunication import security as sec
from scratchcommunication.cloud_socket import CloudSocket


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read().strip()
    security = sec.Security.from_string(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Switch to EC Security" for RSA
        socket = CloudSocket(cloud=None, security=security)
    out = {
        "security_type": security.security_type,
        "public_data": {k: str(v) for k, v in security.public_data.items()},
        "to_string_roundtrip": security.to_string() == sec.Security.from_string(security.to_string()).to_string(),
    }
    if len(sys.argv) >= 4:
        payload, salt = sys.argv[2], int(sys.argv[3])
        key = socket._decrypt_key(payload)
        out["salt_rule_ok"] = str(key).endswith(str(salt)) or str(key).startswith(str(salt))
        enc = sec.SymmetricEncryption(key)
        out["hashed_key_hex"] = enc.hashed_key[:16].hex()
        out["ciphertext"] = enc.encrypt("Hello from the reference!", salt)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
