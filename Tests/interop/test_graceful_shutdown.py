"""Graceful shutdown of the demo server, with a real process and a real client.

SIGTERM or SIGINT must close every open WebSocket with 1001 "Going away" (so clients reconnect
elsewhere), cancel the operations, and let the process exit 0 within the grace period.
"""

import asyncio
import json
import signal
import time

import pytest
import websockets
from demo_server import start_demo_server, stop_demo_server


START = {
    "graphql-transport-ws": {"id": "1", "type": "subscribe"},
    "graphql-ws": {"id": "1", "type": "start"},
}


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_shutdown_closes_every_socket_with_1001_and_exits(signal_number):
    async def scenario():
        process, url = await start_demo_server("--shutdown-grace-period", "5")
        try:
            sockets = []
            for subprotocol, start in START.items():
                socket = await websockets.connect(url, subprotocols=[subprotocol])
                await socket.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await socket.recv())["type"] == "connection_ack"
                query = "subscription { counter(n: 1000000, delayMs: 20) }"
                await socket.send(json.dumps({**start, "payload": {"query": query}}))
                first = json.loads(await socket.recv())
                while first["type"] == "ka":
                    first = json.loads(await socket.recv())
                assert first["payload"] == {"data": {"counter": 0}}
                sockets.append(socket)

            started = time.monotonic()
            process.send_signal(signal_number)
            for socket in sockets:
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(socket.recv(), timeout=10)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == 1001
                assert closed.value.rcvd.reason == "Going away"
            exit_code = await asyncio.to_thread(process.wait, 10)
            assert exit_code == 0
            assert time.monotonic() - started < 5
        finally:
            stop_demo_server(process)

    asyncio.run(scenario())
