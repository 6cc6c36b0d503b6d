"""The demo server's upgrade and first frames, seen by a plain `websockets` client.

These check what a strict client sees: the negotiated subprotocol (D11), the refused upgrade, the
exact frames of both protocols (D15), and close codes.
"""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

WATCHDOG_SECONDS = 60


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, WATCHDOG_SECONDS))


@pytest.mark.parametrize(
    ("offers", "chosen"),
    [
        (["chat", "graphql-ws"], "graphql-ws"),
        (["graphql-transport-ws"], "graphql-transport-ws"),
        # The server's preference wins over the client's order.
        (["graphql-ws", "chat", "graphql-transport-ws"], "graphql-transport-ws"),
    ],
)
def test_server_answers_with_the_negotiated_subprotocol(server_url, offers, chosen):
    async def scenario():
        async with connect(server_url, subprotocols=offers) as socket:
            assert socket.subprotocol == chosen

    run(scenario())


def test_upgrade_without_acceptable_subprotocol_is_refused(server_url):
    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server_url, subprotocols=["graphql-subscriptions"]):
                pass
        assert refused.value.response.status_code == 400

    run(scenario())


def test_graphql_ws_frames_are_exact(server_url):
    async def scenario():
        async with connect(server_url, subprotocols=["graphql-ws"]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert await socket.recv() == '{"type":"connection_ack"}'
            assert await socket.recv() == '{"type":"ka"}'
            await socket.send(json.dumps({"id": "1", "type": "start", "payload": {"query": "{ hello }"}}))
            assert await socket.recv() == '{"type":"data","id":"1","payload":{"data":{"hello":"Hello world"}}}'
            assert await socket.recv() == '{"type":"complete","id":"1"}'

    run(scenario())


def test_connection_terminate_closes_with_1000(server_url):
    async def scenario():
        async with connect(server_url, subprotocols=["graphql-ws"]) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(json.dumps({"type": "connection_terminate"}))
            await socket.wait_closed()
            assert socket.close_code == 1000

    run(scenario())


def test_graphql_transport_ws_frames_are_exact(server_url):
    async def scenario():
        async with connect(server_url, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(json.dumps({"type": "connection_init"}))
            assert await socket.recv() == '{"type":"connection_ack"}'
            await socket.send(json.dumps({"type": "ping"}))
            assert await socket.recv() == '{"type":"pong"}'
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}}))
            assert await socket.recv() == '{"type":"next","id":"1","payload":{"data":{"hello":"Hello world"}}}'
            assert await socket.recv() == '{"type":"complete","id":"1"}'

    run(scenario())


def test_graphql_transport_ws_close_code_reaches_the_client(server_url):
    async def scenario():
        async with connect(server_url, subprotocols=["graphql-transport-ws"]) as socket:
            await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}}))
            await socket.wait_closed()
            assert (socket.close_code, socket.close_reason) == (4401, "Unauthorized")

    run(scenario())
