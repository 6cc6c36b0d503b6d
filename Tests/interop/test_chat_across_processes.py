"""Two demo server processes sharing one PostgreSQL: a subscriber on one receives, in order and once,
every chat message posted through the other.

Needs POSTGRES_URL (scripts/test.sh starts a throwaway server and exports it) and
SUBSCRIPTIONS_SERVER_BIN; without PostgreSQL the test is skipped, except under CI=true.
"""

import asyncio
import json
import os
import uuid

import pytest
import websockets
from demo_server import start_demo_server, stop_demo_server


@pytest.fixture
def postgres_url() -> str:
    url = os.environ.get("POSTGRES_URL")
    if not url:
        message = "POSTGRES_URL is not set: run scripts/test.sh (it starts a throwaway PostgreSQL)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return url


async def open_socket(url: str):
    socket = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await socket.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    return socket


async def post(socket, channel: str, text: str, operation: str) -> dict:
    query = "mutation ($t: String!, $c: String) { post(text: $t, channel: $c) { id channel text } }"
    await socket.send(
        json.dumps({"id": operation, "type": "subscribe", "payload": {"query": query, "variables": {"t": text, "c": channel}}})
    )
    result = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
    assert result["type"] == "next", result
    assert json.loads(await asyncio.wait_for(socket.recv(), timeout=30)) == {"id": operation, "type": "complete"}
    return result["payload"]["data"]["post"]


async def subscribe_until_live(subscriber, poster, channel: str) -> None:
    """Subscribes `subscriber` to the chat `channel` and returns once the subscription is in place:
    when a warm-up message posted through `poster` after it arrives (bounded)."""
    query = "subscription ($c: String) { messages(channel: $c) { id channel text } }"
    await subscriber.send(
        json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query, "variables": {"c": channel}}})
    )
    for attempt in range(100):
        await post(poster, channel, f"warm-up {attempt}", f"w{attempt}")
        try:
            message = json.loads(await asyncio.wait_for(subscriber.recv(), timeout=0.5))
            assert message["type"] == "next"
            return
        except asyncio.TimeoutError:
            continue
    pytest.fail("the subscription never received a warm-up message")


def test_messages_posted_on_one_server_reach_subscribers_of_the_other(postgres_url):
    async def scenario():
        first, first_url = await start_demo_server("--postgres", postgres_url)
        second, second_url = await start_demo_server("--postgres", postgres_url)
        try:
            channel = f"interop-{uuid.uuid4()}"
            subscriber = await open_socket(first_url)
            poster = await open_socket(second_url)
            await subscribe_until_live(subscriber, poster, channel)
            posted = [await post(poster, channel, f"message {index}", f"p{index}") for index in range(50)]
            received = []
            while len(received) < 50:
                message = json.loads(await asyncio.wait_for(subscriber.recv(), timeout=30))
                assert message["type"] == "next", message
                event = message["payload"]["data"]["messages"]
                if event["text"].startswith("warm-up"):
                    assert not received, "a warm-up arrived after the numbered messages"
                    continue
                received.append(event)
            assert received == posted
            assert [int(event["id"]) for event in received] == sorted(int(event["id"]) for event in received)
            await subscriber.close()
            await poster.close()
        finally:
            for process in (first, second):
                stop_demo_server(process)

    asyncio.run(scenario())


def test_chat_in_one_process_uses_the_in_memory_engine(server_url):
    async def scenario():
        channel = f"memory-{uuid.uuid4()}"
        subscriber = await open_socket(server_url)
        poster = await open_socket(server_url)
        await subscribe_until_live(subscriber, poster, channel)
        posted = await post(poster, channel, "hello", "p")
        while True:
            message = json.loads(await asyncio.wait_for(subscriber.recv(), timeout=30))
            event = message["payload"]["data"]["messages"]
            if not event["text"].startswith("warm-up"):
                break
        assert event == posted == {"id": posted["id"], "channel": channel, "text": "hello"}
        await subscriber.close()
        await poster.close()

    asyncio.run(scenario())
