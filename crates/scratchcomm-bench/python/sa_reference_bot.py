"""scratchattach 2.2.6's CloudRequests bot for `scratchcomm bench --scenario sa-requests`.

    python sa_reference_bot.py --host ws://127.0.0.1:PORT/ --project-id ROOM --ready-file FILE

Serves `add a b` (the sum) on a CustomCloud (no account), TurboWarp-like settings; writes
FILE once listening. Its first 500 ms of events are ignored by the library itself (B7).
"""
import argparse
import os
import time

import scratchattach as sa


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", required=True)
    p.add_argument("--project-id", required=True)
    p.add_argument("--ready-file", required=True)
    a = p.parse_args()
    cloud = sa.CustomCloud(project_id=a.project_id, cloud_host=a.host, length_limit=100000,
                           username="sareference")
    client = cloud.requests(no_packet_loss=False, used_cloud_vars=[str(i) for i in range(1, 10)])

    @client.request
    def add(x, y):
        return int(x) + int(y)

    client.start(thread=True)
    time.sleep(1.0)  # the library ignores everything in its first 500 ms
    tmp = a.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("{}")
    os.replace(tmp, a.ready_file)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
