#!/usr/bin/env python3
"""Runs the same loads against the demo server and strawberry-graphql, side by side, and writes the
table into BENCHMARKS.md. Started by Benchmarks/side-by-side.sh, which builds and installs what this
needs; see that script for the usage.

Every row starts a fresh server pinned to core 0 (`taskset -c 0`) and runs the load client,
`loadgen` (Benchmarks/loadgen, C), pinned to core 1. The same loads also run against
`trivial-server`, a C server that answers with pre-framed messages: its figure is the load client's
own ceiling, and a server figure within 80% of it is reported as the tool's limit: for a rate, at
least 80% of the tool's; for a latency, no more than the tool's divided by 0.8.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADGEN = os.path.join(ROOT, "Benchmarks/loadgen/.build-loadgen/loadgen")
TRIVIAL = os.path.join(ROOT, "Benchmarks/loadgen/.build-loadgen/trivial-server")
BEGIN = "<!-- side-by-side: begin (written by Benchmarks/side-by-side.sh) -->"
END = "<!-- side-by-side: end -->"
FLOOD = "subscription { counter(n: 100000000) }"
ONE = "subscription { counter(n: 1) }"
MESSAGES = "subscription { messages { id text } }"
POST = 'mutation { post(text: "ts:%TS%") { id } }'


def log(message):
    print(message, file=sys.stderr, flush=True)


class Server:
    """One server process pinned to core 0, started fresh for one measurement."""

    def __init__(self, name, command, env=None):
        self.name = name
        self.command = command
        self.env = env

    def __enter__(self):
        self.log = tempfile.NamedTemporaryFile("w+", delete=False)
        env = dict(os.environ, **(self.env or {}))
        self.process = subprocess.Popen(
            ["taskset", "-c", "0"] + self.command, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = open(self.log.name, errors="replace").read()
            match = re.search(r"ws://127\.0\.0\.1:(\d+)/graphql", text) or re.search(r"LISTENING (\d+)", text)
            if match:
                self.url = f"ws://127.0.0.1:{match.group(1)}/graphql"
                # strawberry prints its port before it listens.
                time.sleep(1.5)
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {text[-2000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def rss_kib(self):
        for line in open(f"/proc/{self.process.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()
        os.unlink(self.log.name)


def loadgen(arguments, url, timeout=600):
    command = ["taskset", "-c", "1", LOADGEN] + arguments + ["--url", url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"loadgen {' '.join(arguments)}: {result.stdout[-500:]} {result.stderr[-500:]}")


def idle_rss(server, protocol, connections, settle):
    """KiB of server RSS per idle acknowledged connection, with `connections` held."""
    before = server.rss_kib()
    command = ["taskset", "-c", "1", LOADGEN, "hold", "--url", server.url, "--protocol", protocol,
               "--connections", str(connections), "--concurrency", "500", "--connect-timeout", "60"]
    holder = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    held = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = holder.stderr.readline()
        match = re.search(r"HELD (\d+)", line or "")
        if match:
            held = int(match.group(1))
            break
        if holder.poll() is not None:
            break
    time.sleep(settle)
    after = server.rss_kib()
    holder.send_signal(signal.SIGINT)
    holder.communicate(timeout=120)
    if not held:
        return None, 0
    return (after - before) / held, held


class Row:
    def __init__(self, label, unit, higher_is_better=True, target=None):
        self.label = label
        self.unit = unit
        self.higher_is_better = higher_is_better
        self.target = target
        self.values = {}
        self.commands = []


def fmt(value, unit):
    if value is None:
        return "–"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "KiB":
        return f"{value:.1f} KiB"
    if unit == "/s":
        return f"{value:,.0f}"
    return str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each streaming load")
    parser.add_argument("--python", default=sys.executable, help="the Python with strawberry installed")
    parser.add_argument("--postgres-url", default=os.environ.get("POSTGRES_URL"))
    parser.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--only", default="", help="run only rows whose label contains this text")
    arguments = parser.parse_args()

    release = os.path.join(ROOT, ".build/release")
    servers = {
        "ours": ["ours", [os.path.join(release, "subscriptions-server"), "--port", "0"]],
        "strawberry": ["strawberry", [arguments.python, "Tests/interop/strawberry/server.py", "--port", "0"]],
        "vapor": ["vapor", [os.path.join(release, "vapor-example-server"), "--host", "127.0.0.1", "--port", "0"]],
        "protocol": ["protocol", [os.path.join(ROOT, "Benchmarks/.build/release/protocol-server"), "--port", "0"]],
        "trivial": ["trivial", [TRIVIAL, "--port", "0"]],
    }
    duration = str(arguments.duration)
    rows = []

    def measure(label, unit, load, extract, on, higher_is_better=True, target=None):
        if arguments.only and arguments.only not in label:
            return
        row = Row(label, unit, higher_is_better, target)
        row.commands.append("loadgen " + " ".join(shlex.quote(a) for a in load) + " --url URL")
        for key in on:
            name, command = servers[key]
            log(f"{label}: {name}")
            try:
                with Server(name, command) as server:
                    row.values[key] = extract(loadgen(load, server.url))
            except Exception as error:  # a server that cannot take the load gets no figure
                log(f"  failed: {error}")
                row.values[key] = None
        rows.append(row)

    everyone = ["ours", "strawberry", "trivial", "vapor"]
    per_second = lambda report: report["results"]["perSecond"]
    median = lambda report: report["perSecond"]["median"]
    for protocol in ["graphql-transport-ws", "graphql-ws"]:
        for connections in [1, 100]:
            measure(
                f"streaming `counter`, {connections} connection{'s' if connections > 1 else ''}, {protocol} (results/s)",
                "/s",
                ["stream", "--protocol", protocol, "--connections", str(connections), "--duration", duration,
                 "--query", FLOOD],
                per_second,
                everyone,
                target=("ratio", 15),
            )
    for protocol in ["graphql-transport-ws", "graphql-ws"]:
        measure(
            f"connection set-up to `connection_ack`, 1,000 connections, {protocol} (set-ups/s, median of 5)",
            "/s",
            ["setup", "--protocol", protocol, "--connections", "1000", "--rounds", "5"],
            median,
            everyone,
            target=("both", 5, 10_000),
        )
        measure(
            f"subscription starts, 50 connections × 40, {protocol} (starts/s, median of 20)",
            "/s",
            ["starts", "--protocol", protocol, "--connections", "50", "--subscriptions", "40", "--rounds", "20",
             "--query", ONE],
            median,
            everyone,
            target=("both", 25, 20_000),
        )
    fanout = ["fanout", "--protocol", "graphql-transport-ws", "--subscriber-connections", "1000",
              "--subscriptions-per-connection", "10", "--query", MESSAGES, "--publish", POST, "--events", "100",
              "--rate", "10", "--settle", "2", "--drain", "30"]
    measure(
        "fan-out: one `post` to 10,000 `messages` subscribers on 1,000 connections, graphql-transport-ws (p99 ms)",
        "ms",
        fanout,
        lambda report: report["latencyMs"]["p99"] if report["deliveries"]["missing"] == 0 else None,
        ["ours", "strawberry", "trivial"],
        higher_is_better=False,
        target=("absolute-max", 20),
    )
    for connections in [1, 100]:
        measure(
            f"protocol and WebSocket alone (pre-encoded results), {connections} connection{'s' if connections > 1 else ''} (frames/s)",
            "/s",
            ["stream", "--protocol", "graphql-transport-ws", "--connections", str(connections), "--duration", duration,
             "--query", "subscription { counter }"],
            per_second,
            ["protocol", "trivial"],
            target=("absolute", 1_000_000),
        )

    # Memory: RSS per idle acknowledged connection.
    for held in [3000, 15000]:
        label = f"RSS per idle acknowledged connection, {held:,} held, graphql-transport-ws (KiB)"
        if arguments.only and arguments.only not in label:
            continue
        row = Row(label, "KiB", higher_is_better=False, target=("absolute-max", 16) if held == 15000 else None)
        row.commands.append(f"loadgen hold --protocol graphql-transport-ws --connections {held} --concurrency 500")
        for key in ["ours", "strawberry", "vapor"]:
            name, command = servers[key]
            log(f"{label}: {name}")
            try:
                with Server(name, command) as server:
                    per_connection, count = idle_rss(server, "graphql-transport-ws", held, settle=10)
                    row.values[key] = per_connection if count == held else None
            except Exception as error:
                log(f"  failed: {error}")
                row.values[key] = None
        rows.append(row)

    postgres = None
    if arguments.postgres_url and (not arguments.only or "PostgreSQL" in arguments.only):
        command = [os.path.join(ROOT, "Benchmarks/.build/release/pubsub-latency"), "postgres-two-process",
                   "--events", "50000", "--publishers", "64", "--url", arguments.postgres_url]
        log("PostgreSQL")
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        published = re.search(r"published: (\d+) events/s", result.stdout)
        delivered = re.search(r"delivered: (\d+) events/s", result.stdout)
        postgres = {
            "command": "pubsub-latency postgres-two-process --events 50000 --publishers 64",
            "published": int(published.group(1)) if published else None,
            "delivered": int(delivered.group(1)) if delivered else None,
            "check": "passed" if result.returncode == 0 else "FAILED",
            "output": result.stdout.strip(),
        }

    write(arguments, rows, postgres)


def verdict(row):
    """Whether the row's target is met, and how the figure compares to the load tool's ceiling."""
    ours = row.values.get("ours", row.values.get("protocol"))
    strawberry = row.values.get("strawberry")
    ceiling = row.values.get("trivial")
    notes = []
    if ours is None or not ceiling:
        limited = False
    elif row.higher_is_better:
        limited = ours >= 0.8 * ceiling
    else:
        # A latency: the load client's own, against a trivial server, is at least 80% of ours.
        limited = ceiling >= 0.8 * ours
    if limited:
        notes.append("tool's limit (within 80% of its ceiling)")
    if row.target is None or ours is None:
        return " ".join(notes)
    kind = row.target[0]
    ratio = ours / strawberry if strawberry else None
    if kind == "ratio":
        met = ratio is not None and ratio >= row.target[1]
        text = f"≥ {row.target[1]}× strawberry: {'met' if met else 'missed'}"
    elif kind == "both":
        met = ratio is not None and ratio >= row.target[1] and ours >= row.target[2]
        text = f"≥ {row.target[1]}× and ≥ {row.target[2]:,}/s: {'met' if met else 'missed'}"
    elif kind == "absolute":
        met = ours >= row.target[1]
        text = f"≥ {row.target[1]:,}/s: {'met' if met else 'missed'}"
    else:
        met = ours <= row.target[1]
        text = f"≤ {row.target[1]} {row.unit}: {'met' if met else 'missed'}"
    if not met and limited:
        text += " (at the tool's limit)"
    return "; ".join([text] + notes)


def write(arguments, rows, postgres):
    today = datetime.date.today().isoformat()
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    lines = [
        BEGIN,
        "",
        f"Measured {today} by `Benchmarks/side-by-side.sh {arguments.duration}` in one run on this machine "
        f"({os.cpu_count()} × {cpu}): every row starts a fresh server pinned to core 0 and runs the load client "
        "`loadgen` pinned to core 1, over real sockets on 127.0.0.1. Servers: the demo server "
        "(`subscriptions-server`, release build, SwiftNIO channel, planned and shared execution), "
        "strawberry-graphql 0.341.2 on uvicorn 0.54.0 with the same schema (`Tests/interop/strawberry/server.py`), "
        "the Vapor example server (`vapor-example-server`, websocket-kit), and `trivial-server`, a C server "
        "that answers with pre-framed messages: its column is the load client's own ceiling.",
        "",
        "| load | demo server | strawberry | ratio | Vapor adapter | loadgen ceiling | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        ours = row.values.get("ours", row.values.get("protocol"))
        strawberry = row.values.get("strawberry")
        if ours is not None and strawberry:
            ratio = ours / strawberry if row.higher_is_better else strawberry / ours
            ratio_text = f"{ratio:.1f}×"
        else:
            ratio_text = "–"
        lines.append(
            f"| {row.label} | {fmt(ours, row.unit)} | {fmt(strawberry, row.unit)} | {ratio_text} | "
            f"{fmt(row.values.get('vapor'), row.unit)} | {fmt(row.values.get('trivial'), row.unit)} | {verdict(row)} |"
        )
    if postgres:
        lines += [
            "",
            f"PostgreSQL engine between two processes (`{postgres['command']}`): published "
            f"{fmt(postgres['published'], '/s')} events/s, delivered {fmt(postgres['delivered'], '/s')} events/s, "
            f"order and completeness check {postgres['check']} (target ≥ 20,000 events/s: "
            f"{'met' if (postgres['delivered'] or 0) >= 20000 else 'missed'}).",
        ]
    lines += ["", "Loads (`URL` is the server's `ws://127.0.0.1:PORT/graphql`):", ""]
    for row in rows:
        lines.append(f"- {row.label}: `{row.commands[0]}`")
    lines += ["", END]
    section = "\n".join(lines)

    text = open(arguments.output).read() if os.path.exists(arguments.output) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END)
        text = text[:start] + section + text[end:]
    else:
        heading = "## Side by side: the demo server, strawberry-graphql and the load client's ceiling\n\n"
        first_section = text.find("\n## ")
        insert_at = first_section + 1 if first_section >= 0 else len(text)
        text = text[:insert_at] + heading + section + "\n\n" + text[insert_at:]
    with open(arguments.output, "w") as output:
        output.write(text)
    print(section)


if __name__ == "__main__":
    main()
