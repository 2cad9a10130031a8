"""The original Python library (scratchcommunication 3.0.0) as a request bot, for
`scratchcomm bench --against-original`: the same requests as the Rust benchmark bot
(crates/scratchcomm-bench/src/bots.rs), on the same embedded cloud server, under the same load.

    python original_bot.py --host ws://127.0.0.1:PORT/ --project-id ID --security none|ec \
        --public-data-out FILE [--packet-size 220]

Measured as it is, including its 0.1 s spacing between sets (PROTOCOL.md 1.6). Run-time
patches only where PROTOCOL.md section 9 says the released library cannot work at all:
  S1  TO_CLIENT values are wrapped in int() (ValueError, nothing is sent): the same code
      without int(). Everything else (batching, variable order, random final variable,
      per-client send lock, set spacing) is the reference's.
  S3  the return converter is the string 'Any' (every request fails): identity.
  S4  EC security data must have 3 elements: the point is added before use.
The bot writes its public data to --public-data-out (atomically) once it is ready and runs
until SIGTERM/SIGKILL.
"""
import argparse
import json
import os
import random
import signal
import time

import scratchcommunication.cloud_socket as cs
import scratchcommunication.cloudrequests.requests as rq
from scratchcommunication import security as sec
from scratchcommunication.cloud import TwCloudConnection

TABLE = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-:;_'#!\"§$%&/()=?{[]}\\"
         "0123456789<>ß*")


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
        client.set_var(name=f"TO_CLIENT_{random.randint(1, 4)}",
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
        client.set_var(name=f"TO_CLIENT_{random.randint(1, 4) if last else var}", value=value)
        var = var % 4 + 1


cs.CloudSocket.send_to_client = send_to_client
cs.CloudSocket.secure_send_to_client = secure_send_to_client
_type_casting = rq.type_casting


def type_casting(**kw):  # S3
    args, kwargs, ret = _type_casting(**kw)
    return args, kwargs, (ret if callable(ret) else (lambda x: x))


rq.type_casting = type_casting


def number_text(x):
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else str(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--project-id", required=True)
    ap.add_argument("--security", choices=["none", "ec"], default="none")
    ap.add_argument("--public-data-out", required=True)
    ap.add_argument("--packet-size", type=int, default=220)
    a = ap.parse_args()

    security = None
    public = {}
    if a.security == "ec":
        ec = sec.ECSecurity(sec.Security.generate("EC").data)  # S4: 3-element form
        security = sec.Security(security_type="EC", data=tuple(ec))
        public = ec.public_data
    cloud = TwCloudConnection(project_id=a.project_id, cloud_host=a.host,
                              contact_info="scratchcomm bench", accept_strs=True)
    sock = cs.CloudSocket(cloud=cloud, security=security, packet_size=a.packet_size)
    handler = rq.RequestHandler(cloud_socket=sock)

    @handler.request
    def ping():
        return "pong"

    @handler.request
    def add(a, b):
        return number_text(float(a) + float(b))

    @handler.request
    def long(n):
        return (TABLE * (int(n) // len(TABLE) + 1))[:int(n)]

    handler.start(thread=True, daemon_thread=True)
    # The reference treats the first frame after connecting as the initial snapshot and
    # emits no events for it (1.3); a fresh room sends none, so the first client packet
    # would be swallowed. Wait until the receive thread gave up on the snapshot (5 s).
    time.sleep(5.5)
    tmp = a.public_data_out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({k: str(v) for k, v in public.items()}, f)
    os.replace(tmp, a.public_data_out)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()
