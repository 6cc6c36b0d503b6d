"""The Swift `gqlws` client (and so the client library) against Ariadne, on both subprotocols.

Ariadne answers a query or mutation over graphql-ws with its `data` and never sends `complete`;
a query has exactly one result (D17), so the client must end the operation there rather than wait.
ariadne/server.py is started here on a free port of 127.0.0.1 (and always stopped).
"""

import json
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import gqlws, python_server

pytest.importorskip("ariadne", reason="ariadne is not installed")
pytest.importorskip("uvicorn", reason="uvicorn is not installed")

SERVER = Path(__file__).resolve().parent / "ariadne" / "server.py"
PROTOCOLS = ["graphql-ws", "graphql-transport-ws"]


@pytest.fixture(scope="module")
def ariadne_port():
    with python_server(SERVER) as port:
        yield port


def url(port: int, subprotocol: str) -> str:
    # Ariadne serves one protocol per handler, each at its own path.
    return f"ws://127.0.0.1:{port}/{subprotocol}"


def lines(result) -> list:
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_query_ends_at_its_single_result(ariadne_port, subprotocol):
    started = time.monotonic()
    result = gqlws(
        "query", url(ariadne_port, subprotocol), "-q", '{ hello(name: "x") }',
        "--protocol", subprotocol, "--timeout", "20",
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"hello": "Hello x"}}]
    # Well before the timeout: the result ended the query, not the deadline.
    assert time.monotonic() - started < 15


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_mutation_ends_at_its_single_result(ariadne_port, subprotocol):
    result = gqlws(
        "query", url(ariadne_port, subprotocol), "-q", 'mutation { echo(text: "hi") }',
        "--protocol", subprotocol, "--timeout", "20",
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"echo": "hi"}}]


@pytest.mark.parametrize("subprotocol", PROTOCOLS)
def test_subscribe_counter(ariadne_port, subprotocol):
    result = gqlws(
        "subscribe", url(ariadne_port, subprotocol), "-q", "subscription { counter(n: 3) }",
        "--protocol", subprotocol,
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"data": {"counter": value}} for value in range(3)]


def test_query_timeout_has_its_exit_status():
    """A server that accepts the TCP connection and never answers: `--timeout` ends the wait."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        result = gqlws("query", f"ws://127.0.0.1:{port}/graphql", "-q", "{ hello }", "--timeout", "1", timeout=30)
        assert result.returncode == 6, result.stderr
        assert "--timeout" in result.stderr
        assert result.stdout == ""
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()
