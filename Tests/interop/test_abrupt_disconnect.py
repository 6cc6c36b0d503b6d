"""Clients that vanish mid-stream (TCP reset, no close frame) while the server writes as fast as it
can: the server's writes fail, and it must go on serving."""

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

WATCHDOG_SECONDS = 60

START = {"graphql-ws": "start", "graphql-transport-ws": "subscribe"}


async def vanish_mid_stream(url: str, subprotocol: str) -> None:
    socket = await connect(url, subprotocols=[subprotocol])
    await socket.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(
        json.dumps({"id": "1", "type": START[subprotocol], "payload": {"query": "subscription { counter(n: 1000000) }"}})
    )
    for _ in range(3):
        await socket.recv()
    socket.transport.abort()


@pytest.mark.parametrize("subprotocol", ["graphql-ws", "graphql-transport-ws"])
def test_server_survives_clients_vanishing_mid_stream(server_url, subprotocol):
    async def scenario():
        for _ in range(5):
            await vanish_mid_stream(server_url, subprotocol)
        async with connect(server_url, subprotocols=[subprotocol]) as socket:
            await socket.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(json.dumps({"id": "2", "type": START[subprotocol], "payload": {"query": "{ hello }"}}))
            answers = []
            while len(answers) < 2:
                message = json.loads(await socket.recv())
                if message["type"] != "ka":
                    answers.append(message)
        assert answers[0]["payload"] == {"data": {"hello": "Hello world"}}
        assert answers[1] == {"type": "complete", "id": "2"}

    asyncio.run(asyncio.wait_for(scenario(), WATCHDOG_SECONDS))
