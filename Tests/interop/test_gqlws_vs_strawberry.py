"""The Swift `gqlws` client against strawberry-graphql, on both subprotocols.

strawberry/server.py is started here on a free port of 127.0.0.1 (and always stopped); `gqlws` is
the binary named by GQLWS_BIN, by default .build/debug/gqlws (`swift build` makes it).

strawberry's graphql-ws handler runs subscriptions only: a query over graphql-ws is answered with
an `error` message "queries are not allowed", which gqlws reports with exit status 5.
"""

import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("strawberry", reason="strawberry-graphql is not installed")
pytest.importorskip("uvicorn", reason="uvicorn is not installed")

REPOSITORY = Path(__file__).resolve().parents[2]
SERVER = Path(__file__).resolve().parent / "strawberry" / "server.py"
PROTOCOLS = ["graphql-ws", "graphql-transport-ws"]


def gqlws_binary() -> Path:
    binary = Path(os.environ.get("GQLWS_BIN", REPOSITORY / ".build" / "debug" / "gqlws"))
    if not binary.is_absolute():
        binary = REPOSITORY / binary
    if not binary.exists():
        pytest.fail(f"gqlws is not built at {binary}: run `swift build` or set GQLWS_BIN")
    return binary


@pytest.fixture(scope="module")
def strawberry_url():
    """ws:// URL of a strawberry server started for this module, stopped afterwards."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # "LISTENING <port>" is printed once the socket is bound; wait at most 60 s for it.
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("LISTENING "):
            process.kill()
            pytest.fail(f"strawberry server did not start: {line!r} {process.stderr.read()}")
        port = int(line.split()[1])
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"strawberry server is not listening: {process.stderr.read()}")
                time.sleep(0.05)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def gqlws(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(gqlws_binary()), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def lines(result: subprocess.CompletedProcess) -> list:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_query_hello_over_graphql_transport_ws(strawberry_url):
    result = gqlws("query", strawberry_url, "-q", '{ hello(name: "x") }', "--protocol", "graphql-transport-ws")
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"hello": "Hello x"}}]


def test_query_over_graphql_ws_is_refused_by_strawberry(strawberry_url):
    result = gqlws("query", strawberry_url, "-q", '{ hello(name: "x") }', "--protocol", "graphql-ws")
    assert result.returncode == 5, result.stderr
    assert "queries are not allowed" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_subscribe_counter(strawberry_url, subprotocol):
    result = gqlws(
        "subscribe", strawberry_url, "-q", "subscription { counter(n: 3) }", "--protocol", subprotocol
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"counter": value}} for value in range(3)]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_subscribe_count_stops_early(strawberry_url, subprotocol):
    result = gqlws(
        "subscribe", strawberry_url,
        "-q", "subscription { counter(n: 100000, delayMs: 10) }",
        "--protocol", subprotocol, "--count", "2",
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"counter": 0}}, {"data": {"counter": 1}}]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_subscription_variables(strawberry_url, subprotocol):
    result = gqlws(
        "subscribe", strawberry_url,
        "-q", "subscription C($n: Int!) { counter(n: $n) }", "--variables", '{"n": 2}',
        "--protocol", subprotocol,
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"counter": 0}}, {"data": {"counter": 1}}]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_validation_error_exits_5(strawberry_url, subprotocol):
    result = gqlws("subscribe", strawberry_url, "-q", "subscription { nope }", "--protocol", subprotocol)
    assert result.returncode == 5, (result.stdout, result.stderr)
    assert "nope" in result.stdout + result.stderr


def test_automatic_choice_prefers_graphql_transport_ws(strawberry_url):
    result = gqlws("query", strawberry_url, "-q", "{ add(a: 1, b: 2) }", "--verbose")
    assert result.returncode == 0, result.stderr
    assert "connected with graphql-transport-ws" in result.stderr
    assert lines(result) == [{"data": {"add": 3}}]


def test_connection_refused_exits_3():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = gqlws("query", f"ws://127.0.0.1:{port}/graphql", "-q", "{ hello }")
    assert result.returncode == 3
    assert result.stderr.startswith("gqlws: ")


def test_usage_error_exits_2(strawberry_url):
    result = gqlws("query", strawberry_url, "-q", "{ hello }", "--variables", "[1]")
    assert result.returncode == 2
