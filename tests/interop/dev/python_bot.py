"""DEV ONLY: the original Python library (scratchcommunication 3.0.0) as a request bot, with
the same command line as our `examples/request_bot.rs`, to prove the interop harness against
the reference before the Rust bot exists.

    python python_bot.py --host ws://127.0.0.1:PORT/ --project-id ID --security none|ec|rsa \
        --public-data-out FILE [--packet-size N]

Run-time patches, only where PROTOCOL.md §9 says the released library is broken:
  S1  TO_CLIENT values are wrapped in int() (ValueError, nothing sent) -> send the strings.
  S3  the return converter is the string 'Any' (every request fails) -> identity.
  S4  EC security data must have 3 elements -> the point is added before use.
and one found by this suite (not in §9 yet):
  R1  the final TO_CLIENT packet goes to a random variable 1..4; when it lands on the
      variable of the packet just before it (25% for a 2-packet reply), it overwrites that
      packet before the sprite's recv has started polling (the sprite waits 0.1 s after its
      own send), so the reply arrives garbled or not at all -> the final packet uses a
      random variable other than the previous packet's.
"""
import argparse
import json
import os
import random
import signal
import sys
import time
import warnings

import scratchcommunication.cloud_socket as cs
import scratchcommunication.cloudrequests.requests as rq
from scratchcommunication import security as sec
from scratchcommunication.cloud import TwCloudConnection

TABLE = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-:;_'#!\"§$%&/()=?{[]}\\"
         "0123456789<>ß*")


def final_var(n_packets):
    """R1: random 1..4, but never the variable of the packet just before the final one.
    INTEROP_REFERENCE_RANDOM_FINAL=1 keeps the reference's plain random choice."""
    if n_packets < 2 or os.environ.get("INTEROP_REFERENCE_RANDOM_FINAL") == "1":
        return random.randint(1, 4)
    previous = (n_packets - 2) % 4 + 1
    return random.choice([v for v in (1, 2, 3, 4) if v != previous])


def send_to_client(self, *, data, client_id):  # S1: reference code without int()
    client = self.clients[client_id]
    with client.sending:
        if client.secure:
            self.secure_send_to_client(data, client=client)
            return
        data = str(self._encode(data))
        packets = ["".join(i) for i in cs.batched(data, self.get_packet_size(client=client))]
        var = 1
        for idx, packet in enumerate(packets[:-1]):
            client.set_var(name=f"TO_CLIENT_{var}",
                           value=f"-{packet}.{client_id}{random.randrange(1000):03}{idx}")
            var = var % 4 + 1
        client.set_var(name=f"TO_CLIENT_{final_var(len(packets))}",
                       value=f"{packets[-1]}.{client_id}{random.randrange(1000):03}{len(packets) - 1}")


def secure_send_to_client(self, data, client):  # S1: reference code without int()
    packets = ["".join(i) for i in cs.batched(data, self.get_packet_size(client=client) // 2 - 28)]
    var = 1
    for idx, packet in enumerate(packets):
        salt = int(time.time() * 100)
        enc = self._encode(client.encrypter.encrypt(packet, salt=salt))
        last = idx == len(packets) - 1
        value = (f"{'' if last else '-'}{enc}{str(salt).zfill(15)}."
                 f"{client.client_id}{random.randrange(1000):03}{idx}")
        client.set_var(name=f"TO_CLIENT_{final_var(len(packets)) if last else var}", value=value)
        var = var % 4 + 1


cs.CloudSocket.send_to_client = send_to_client
cs.CloudSocket.secure_send_to_client = secure_send_to_client
_type_casting = rq.type_casting


def type_casting(**kw):  # S3
    args, kwargs, ret = _type_casting(**kw)
    return args, kwargs, (ret if callable(ret) else (lambda x: x))


rq.type_casting = type_casting


def number_text(x):
    if isinstance(x, str):
        x = float(x)
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--project-id", required=True)
    ap.add_argument("--security", choices=["none", "ec", "rsa"], default="none")
    ap.add_argument("--public-data-out", required=True)
    ap.add_argument("--packet-size", type=int)
    ap.add_argument("--rsa-key-file", help="JSON [public exp, private exp, modulus] instead of generating")
    a = ap.parse_args()
    warnings.simplefilter("always")

    security = None
    public = {}
    if a.security == "ec":
        s = sec.Security.generate("EC")
        ec = sec.ECSecurity(s.data)  # S4: 3-element form
        security = sec.Security(security_type="EC", data=tuple(ec))
        public = ec.public_data
    elif a.security == "rsa":
        if a.rsa_key_file:
            with open(a.rsa_key_file) as f:
                data = tuple(json.load(f))
        else:
            data = sec.RSAKeys.create_new_keys().keys
        security = sec.Security(security_type="RSA", data=data)
        public = security.public_data
    cloud = TwCloudConnection(project_id=a.project_id, cloud_host=a.host,
                              contact_info="interop test bot", accept_strs=True)
    sock = cs.CloudSocket(cloud=cloud, security=security,
                          packet_size=a.packet_size if a.packet_size else "AUTO")
    handler = rq.RequestHandler(cloud_socket=sock)

    @handler.request
    def ping():
        return "pong"

    @handler.request
    def add(a, b):
        return number_text(float(a) + float(b))

    @handler.request
    def echo(s):
        return s

    @handler.request
    def long(n):
        return (TABLE * (int(n) // len(TABLE) + 1))[:int(n)]

    @handler.request
    def concat(*args):
        return "".join(str(x) for x in args)

    handler.start(thread=True, daemon_thread=True)
    # The reference treats the first frame after connecting as the initial snapshot and
    # emits no events for it (§1.3); a fresh room sends none, so the first client packet
    # would be swallowed. Wait until the receive thread gave up on the snapshot (5 s timeout).
    time.sleep(5.5)
    tmp = a.public_data_out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({k: str(v) for k, v in public.items()}, f)
    os.replace(tmp, a.public_data_out)
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
