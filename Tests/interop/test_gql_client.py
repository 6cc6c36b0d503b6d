"""The real `gql` client (4.4.0, websockets transport) against both adapters, on both of gql's
subprotocols (Apollo's `graphql-ws` and `graphql-transport-ws`): every case runs against the
Hummingbird demo server (GRAPHQL_WS_URL) and against `vapor-example-server` (VAPOR_GRAPHQL_URL;
scripts/test.sh starts both).

Each test runs its own event loop with a generous watchdog; no assertion depends on timing.
"""

import asyncio
import json
import os
from contextlib import aclosing

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

WATCHDOG_SECONDS = 60

APOLLO = WebsocketsTransport.APOLLO_SUBPROTOCOL  # "graphql-ws"
TRANSPORT_WS = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL  # "graphql-transport-ws"


class RecordingTransport(WebsocketsTransport):
    """A gql transport that also records every server message, as (type, id), in arrival order."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.received: list[tuple[str, int | None]] = []

    def _parse_answer(self, answer):
        # Recorded before gql parses it, so that answers gql turns into exceptions are seen too.
        message = json.loads(answer)
        raw_id = message.get("id")
        self.received.append((str(message.get("type")), None if raw_id is None else int(raw_id)))
        return super()._parse_answer(answer)


@pytest.fixture(scope="module", params=["hummingbird", "vapor"])
def url(request, server_url) -> str:
    """The ws:// URL of the demo server (Hummingbird), then of the Vapor example server."""
    if request.param == "hummingbird":
        return server_url
    vapor_url = os.environ.get("VAPOR_GRAPHQL_URL")
    if not vapor_url:
        message = "VAPOR_GRAPHQL_URL is not set: start `vapor-example-server --port 0` and set it"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return vapor_url


def recording_transport(url: str, subprotocol: str, **options) -> RecordingTransport:
    return RecordingTransport(url=url, subprotocols=[subprotocol], **options)


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, WATCHDOG_SECONDS))


both_subprotocols = pytest.mark.parametrize("subprotocol", [APOLLO, TRANSPORT_WS])


@both_subprotocols
def test_query_with_argument(url, subprotocol):
    async def scenario():
        transport = recording_transport(url, subprotocol)
        async with Client(transport=transport) as session:
            result = await session.execute(gql('{ hello(name: "gql") }'))
        assert result == {"hello": "Hello gql"}
        # gql chose the protocol from the server's Sec-WebSocket-Protocol answer.
        assert transport.subprotocol == subprotocol

    run(scenario())


@both_subprotocols
def test_query_with_variables_and_mutation(url, subprotocol):
    async def scenario():
        async with Client(transport=recording_transport(url, subprotocol)) as session:
            added = await session.execute(
                GraphQLRequest("query Add($a: Int!, $b: Int!) { add(a: $a, b: $b) }", variable_values={"a": 2, "b": 40})
            )
            echoed = await session.execute(gql('mutation { echo(text: "round trip") }'))
        assert added == {"add": 42}
        assert echoed == {"echo": "round trip"}

    run(scenario())


@both_subprotocols
def test_subscription_runs_to_completion(url, subprotocol):
    async def scenario():
        async with Client(transport=recording_transport(url, subprotocol)) as session:
            values = [result["counter"] async for result in session.subscribe(gql("subscription { counter(n: 3) }"))]
        assert values == [0, 1, 2]

    run(scenario())


@both_subprotocols
def test_early_stop_then_connection_still_works(url, subprotocol):
    async def scenario():
        transport = recording_transport(url, subprotocol)
        async with Client(transport=transport) as session:
            values = []
            subscription = session.subscribe(gql("subscription { counter(n: 100, delayMs: 50) }"))
            # aclosing sends the stop (`stop`, or `complete` on graphql-transport-ws) now rather than
            # whenever the generator is collected.
            async with aclosing(subscription) as results:
                async for result in results:
                    values.append(result["counter"])
                    if len(values) == 2:
                        break
            after = await session.execute(gql("{ hello }"))
        assert values == [0, 1]
        assert after == {"hello": "Hello world"}
        # Nothing of the stopped subscription (id 1) follows the next operation's first answer.
        first_of_next = transport.received.index(("data" if subprotocol == APOLLO else "next", 2))
        assert all(message_id != 1 for _, message_id in transport.received[first_of_next:])
        of_stopped = [kind for kind, message_id in transport.received if message_id == 1]
        if subprotocol == APOLLO:
            # The server answers `stop` with exactly one `complete`, after any values in flight.
            assert of_stopped[-1] == "complete"
            assert of_stopped.count("complete") == 1
        else:
            # The client's `complete` ends it; the server sends no `complete` of its own.
            assert set(of_stopped) == {"next"}

    run(scenario())


@both_subprotocols
def test_validation_error_raises_transport_query_error(url, subprotocol):
    async def scenario():
        async with Client(transport=recording_transport(url, subprotocol)) as session:
            with pytest.raises(TransportQueryError) as raised:
                await session.execute(gql("{ nonexistent }"))
            # The connection survives a failed operation.
            after = await session.execute(gql("{ hello }"))
        assert "Cannot query field" in str(raised.value)
        assert raised.value.errors[0]["message"].startswith('Cannot query field "nonexistent"')
        assert after == {"hello": "Hello world"}

    run(scenario())


def test_keep_alive_does_not_disturb_gql(url):
    """On graphql-ws the server sends `ka` right after `connection_ack` (and every 12 s): gql ignores it."""

    async def scenario():
        # With keep_alive_timeout set, gql also watches for `ka`; the one after the ack satisfies it.
        transport = recording_transport(url, APOLLO, keep_alive_timeout=30)
        async with Client(transport=transport) as session:
            first = await session.execute(gql("{ hello }"))
            second = await session.execute(gql('{ hello(name: "again") }'))
        assert first == {"hello": "Hello world"}
        assert second == {"hello": "Hello again"}
        assert transport.received[:2] == [("connection_ack", None), ("ka", None)]

    run(scenario())


def test_graphql_transport_ws_sends_nothing_before_the_ack(url):
    """gql fails a graphql-transport-ws connection whose first message is not `connection_ack`."""

    async def scenario():
        transport = recording_transport(url, TRANSPORT_WS)
        async with Client(transport=transport) as session:
            result = await session.execute(gql("{ hello }"))
        assert result == {"hello": "Hello world"}
        assert transport.received[0] == ("connection_ack", None)

    run(scenario())
