"""Soak: connection churn mixed with malformed frames against a running demo server, both protocols.

    python scripts/soak.py --url ws://127.0.0.1:PORT/graphql --pid PID --seconds 60

For the given time, `--workers` clients each loop: connect with one of the two subprotocols,
initialise, start a few subscriptions (`counter` with a delay, the chat's `messages`), post to the
chat, stop some operations, now and then send a malformed frame (not JSON, an unknown type, a
start without a query), and leave gracefully or by dropping the socket. Every loop is bounded.

At the end it waits (at most 15 s) for the server's `/metrics` to show zero connections and zero
live operations on both protocols, and compares the server's resident memory with what it was after
the warm-up (the first tenth of the run). It prints one JSON report and exits 1 when connections or
operations are left or memory grew by more than a quarter (plus 8 MiB for the allocator's slack).
"""

import argparse
import asyncio
import json
import random
import re
import time
import urllib.request

import websockets

PROTOCOLS = ["graphql-ws", "graphql-transport-ws"]


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def gauges(metrics_url: str) -> dict:
    text = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    values = {}
    for name in ("graphql_ws_connections", "graphql_ws_operations"):
        for protocol, value in re.findall(rf'^{name}{{protocol="([^"]+)"}} ([0-9.]+)$', text, re.M):
            values[f"{name}{{{protocol}}}"] = float(value)
    return values


class Counts:
    def __init__(self):
        self.sessions = 0
        self.operations = 0
        self.malformed = 0
        self.dropped = 0
        self.failures = {}

    def fail(self, error: BaseException):
        key = type(error).__name__
        self.failures[key] = self.failures.get(key, 0) + 1


async def session(url: str, counts: Counts, rng: random.Random):
    protocol = rng.choice(PROTOCOLS)
    start_type = "start" if protocol == "graphql-ws" else "subscribe"
    stop_type = "stop" if protocol == "graphql-ws" else "complete"
    async with websockets.connect(url, subprotocols=[protocol], open_timeout=10, close_timeout=2) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        while json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] != "connection_ack":
            pass
        ids = []
        for index in range(rng.randint(1, 5)):
            query = rng.choice([
                "subscription { counter(n: 1000, delayMs: 5) }",
                'subscription { messages(channel: "soak") { id text } }',
                "{ hello }",
            ])
            operation_id = f"op{index}"
            await socket.send(json.dumps({"type": start_type, "id": operation_id, "payload": {"query": query}}))
            ids.append(operation_id)
            counts.operations += 1
        await socket.send(json.dumps({
            "type": start_type, "id": "post",
            "payload": {"query": 'mutation { post(text: "soak", channel: "soak") { id } }'},
        }))
        if rng.random() < 0.3:
            counts.malformed += 1
            await socket.send(rng.choice([
                "not json",
                json.dumps({"type": "no-such-type", "id": "x"}),
                json.dumps({"type": start_type, "id": "bad", "payload": {}}),
                json.dumps([1, 2, 3]),
            ]))
        deadline = time.monotonic() + rng.uniform(0.05, 0.5)
        while time.monotonic() < deadline:
            try:
                await asyncio.wait_for(socket.recv(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
        for operation_id in ids[: rng.randint(0, len(ids))]:
            await socket.send(json.dumps({"type": stop_type, "id": operation_id}))
        if rng.random() < 0.3:
            # Leave without a close handshake: the server must clean up after a vanished client.
            counts.dropped += 1
            socket.transport.abort()
            return
    counts.sessions += 1


async def worker(url: str, until: float, counts: Counts, seed: int):
    rng = random.Random(seed)
    while time.monotonic() < until:
        try:
            await asyncio.wait_for(session(url, counts, rng), 30)
        except websockets.exceptions.ConnectionClosed:
            # A malformed frame on graphql-transport-ws closes the connection 4400, as specified.
            counts.sessions += 1
        except Exception as error:  # noqa: BLE001 - reported, the soak goes on
            counts.fail(error)
            await asyncio.sleep(0.1)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=32)
    arguments = parser.parse_args()
    metrics_url = arguments.url.replace("ws://", "http://").rsplit("/", 1)[0] + "/metrics"

    counts = Counts()
    started = time.monotonic()
    until = started + arguments.seconds
    workers = [asyncio.create_task(worker(arguments.url, until, counts, seed)) for seed in range(arguments.workers)]
    await asyncio.sleep(arguments.seconds / 10)
    warm_rss = rss_kib(arguments.pid)
    peak_rss = warm_rss
    while time.monotonic() < until:
        await asyncio.sleep(1)
        peak_rss = max(peak_rss, rss_kib(arguments.pid))
    await asyncio.gather(*workers)

    settle_deadline = time.monotonic() + 15
    left = gauges(metrics_url)
    while any(left.values()) and time.monotonic() < settle_deadline:
        await asyncio.sleep(0.5)
        left = gauges(metrics_url)
    end_rss = rss_kib(arguments.pid)
    memory_ok = end_rss <= warm_rss * 1.25 + 8 * 1024
    report = {
        "seconds": arguments.seconds,
        "workers": arguments.workers,
        "sessions": counts.sessions,
        "dropped_without_close": counts.dropped,
        "operations_started": counts.operations,
        "malformed_frames": counts.malformed,
        "client_failures": counts.failures,
        "gauges_at_end": left,
        "rss_kib": {"after_warm_up": warm_rss, "peak": peak_rss, "end": end_rss},
        "passed": not any(left.values()) and memory_ok and counts.sessions > 0,
    }
    print(json.dumps(report, indent=2))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
