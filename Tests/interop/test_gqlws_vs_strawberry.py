"""The Swift `gqlws` client against strawberry-graphql, on both subprotocols.

strawberry/server.py is started here on a free port of 127.0.0.1 (and always stopped); `gqlws` is
the binary named by GQLWS_BIN, by default .build/debug/gqlws (`swift build` makes it).

strawberry's graphql-ws handler runs subscriptions only: a query over graphql-ws is answered with
an `error` message "queries are not allowed", which gqlws reports with exit status 5.
"""

import json
import socket
from pathlib import Path

import pytest
from conftest import gqlws, python_server

pytest.importorskip("strawberry", reason="strawberry-graphql is not installed")
pytest.importorskip("uvicorn", reason="uvicorn is not installed")

SERVER = Path(__file__).resolve().parent / "strawberry" / "server.py"
PROTOCOLS = ["graphql-ws", "graphql-transport-ws"]


@pytest.fixture(scope="module")
def strawberry_url():
    """ws:// URL of a strawberry server started for this module, stopped afterwards."""
    with python_server(SERVER) as port:
        yield f"ws://127.0.0.1:{port}/graphql"


def lines(result) -> list:
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
