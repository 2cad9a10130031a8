"""DEV ONLY: the original Python library (scratchcommunication 3.0.0) as a request bot, with
the same command line as our `examples/request_bot.rs`, to prove the interop harness against
the reference before the Rust bot exists.

    python python_bot.py --host ws://127.0.0.1:PORT/ --project-id ID --security none|ec|rsa \
        --public-data-out FILE [--packet-size N]

Run-time patches, only where PROTOCOL.md §9 says the released library is broken:
  S1  TO_CLIENT values are wrapped in int() (ValueError, nothing sent) -> send the strings.
  S3  the return converter is the string 'Any' (every request fails) -> identity.
  S4  EC security data must have 3 elements -> the point is added before use.
and ones found by this suite (not in §9 yet):
  R1  the final TO_CLIENT packet goes to a random variable 1..4; when it lands on the
      variable of the packet just before it (1 in 4 for a 2-packet reply), it overwrites
      that packet before the sprite's recv has started polling (the sprite waits 0.1 s after
      its own send), so the reply arrives truncated.
  C10 (sprite) one poll handles TO_CLIENT_1..4 in that order and a final packet completes
      the message at once: a final packet in a LOWER variable than an earlier packet of
      the same message that is still unseen completes the message without it.
  R2  every message starts at TO_CLIENT_1, so replies to different clients sent close
      together overwrite each other's packets before a sprite polls them.
  -> one rotation over TO_CLIENT_1..4 shared by all clients (final packet included), except
     that a message whose first min(n, 4) packets would wrap past TO_CLIENT_4 starts at
     TO_CLIENT_1. INTEROP_REFERENCE_RANDOM_FINAL=1 restores the reference's choice.
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


_rotation = {"last": 0}


def plan_vars(n_packets):
    """Variables for the n packets of one message (R1, R2, C10 above)."""
    if os.environ.get("INTEROP_REFERENCE_RANDOM_FINAL") == "1":
        return [i % 4 + 1 for i in range(n_packets - 1)] + [random.randint(1, 4)]
    start = _rotation["last"] % 4 + 1
    if start + min(n_packets, 4) - 1 > 4:
        start = 1
    plan = [(start - 1 + i) % 4 + 1 for i in range(n_packets)]
    _rotation["last"] = plan[-1]
    return plan


def send_to_client(self, *, data, client_id):  # S1: reference code without int()
    client = self.clients[client_id]
    with client.sending:
        if client.secure:
            self.secure_send_to_client(data, client=client)
            return
        data = str(self._encode(data))
        packets = ["".join(i) for i in cs.batched(data, self.get_packet_size(client=client))]
        plan = plan_vars(len(packets))
        for idx, packet in enumerate(packets[:-1]):
            client.set_var(name=f"TO_CLIENT_{plan[idx]}",
                           value=f"-{packet}.{client_id}{random.randrange(1000):03}{idx}")
        client.set_var(name=f"TO_CLIENT_{plan[-1]}",
                       value=f"{packets[-1]}.{client_id}{random.randrange(1000):03}{len(packets) - 1}")


def secure_send_to_client(self, data, client):  # S1: reference code without int()
    packets = ["".join(i) for i in cs.batched(data, self.get_packet_size(client=client) // 2 - 28)]
    plan = plan_vars(len(packets))
    for idx, packet in enumerate(packets):
        salt = int(time.time() * 100)
        enc = self._encode(client.encrypter.encrypt(packet, salt=salt))
        last = idx == len(packets) - 1
        value = (f"{'' if last else '-'}{enc}{str(salt).zfill(15)}."
                 f"{client.client_id}{random.randrange(1000):03}{idx}")
        client.set_var(name=f"TO_CLIENT_{plan[idx]}", value=value)


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
