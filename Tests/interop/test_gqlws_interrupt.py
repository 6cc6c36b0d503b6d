"""`gqlws subscribe` interrupted with Ctrl-C (SIGINT) or SIGTERM: it must stop the operation on the
server and close the connection properly, not just vanish.

The demo server's own metrics show what it received: a client that only dropped the socket would
leave the stop/complete (and, on graphql-ws, connection_terminate) uncounted.
"""

import asyncio
import os
import signal
import subprocess

import pytest
from demo_server import scrape_metrics, start_demo_server, stop_demo_server

WATCHDOG_SECONDS = 60


def gqlws_binary() -> str:
    binary = os.environ.get("GQLWS_BIN")
    if not binary:
        pytest.fail("GQLWS_BIN is not set: run scripts/test.sh")
    return binary


@pytest.mark.parametrize(
    ("subprotocol", "messages_sent_by_client", "close"),
    [
        # connection_init, subscribe, complete; then the client closes the socket.
        ("graphql-transport-ws", 3, 'initiator="client"}'),
        # connection_init, start, stop, connection_terminate, which the server answers with 1000.
        ("graphql-ws", 4, 'code="1000",initiator="server"}'),
    ],
)
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_stops_the_operation_and_closes_normally(subprotocol, messages_sent_by_client, close, signal_number):
    def series(name: str) -> str:
        return f'{name}{{protocol="{subprotocol}"}}'

    async def scenario():
        server, url = await start_demo_server()
        try:
            client = subprocess.Popen(
                [
                    gqlws_binary(), "subscribe", url, "--protocol", subprotocol,
                    "--query", "subscription { counter(n: 1000000, delayMs: 50) }",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                first = await asyncio.to_thread(client.stdout.readline)
                assert first == '{"data":{"counter":0}}\n'
                client.send_signal(signal_number)
                exit_code = await asyncio.to_thread(client.wait, 10)
                assert exit_code == 0, client.stderr.read()
            finally:
                if client.poll() is None:
                    client.kill()
                    client.wait()

            for _ in range(200):
                samples = await asyncio.to_thread(scrape_metrics, url)
                if samples[series("graphql_ws_connections")] == 0:
                    break
                await asyncio.sleep(0.05)
            assert samples[series("graphql_ws_connections")] == 0
            assert samples[series("graphql_ws_operations")] == 0
            assert samples[series("graphql_ws_messages_received_total")] == messages_sent_by_client
            closes = [s for s, value in samples.items() if s.startswith("graphql_ws_closes_total") and value]
            assert len(closes) == 1 and closes[0].endswith(close), closes
        finally:
            stop_demo_server(server)

    asyncio.run(asyncio.wait_for(scenario(), WATCHDOG_SECONDS))
