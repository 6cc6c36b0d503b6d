"""Span export: the demo server run with --otlp-endpoint sends its spans over OTLP/HTTP (swift-otel)
to a receiver started here: a plain HTTP server on 127.0.0.1 that keeps what is POSTed to
/v1/traces.
"""

import asyncio
import http.server
import json
import threading
import time

import pytest
import websockets
from demo_server import start_demo_server, stop_demo_server



class Receiver(http.server.ThreadingHTTPServer):
    """Keeps the body and content type of every POST."""

    def __init__(self):
        self.requests = []
        super().__init__(("127.0.0.1", 0), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


def test_spans_of_a_connection_and_its_operation_reach_the_otlp_endpoint():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{receiver.server_address[1]}"

    async def scenario():
        process, url = await start_demo_server("--otlp-endpoint", endpoint)
        try:
            async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket:
                await socket.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await socket.recv())["type"] == "connection_ack"
                query = {"query": "subscription Ticks { counter(n: 2) }", "operationName": "Ticks"}
                await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
                messages = [json.loads(await socket.recv()) for _ in range(3)]
                assert messages[-1] == {"id": "1", "type": "complete"}
            # The batch span processor exports within about a second of the spans' end.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                bodies = b"".join(body for path, _, body in receiver.requests if path == "/v1/traces")
                if b"subscription Ticks" in bodies and b"GraphQL WebSocket connection" in bodies:
                    break
                await asyncio.sleep(0.2)
        finally:
            stop_demo_server(process)

    try:
        asyncio.run(scenario())
    finally:
        receiver.shutdown()
    traces = [(content_type, body) for path, content_type, body in receiver.requests if path == "/v1/traces"]
    assert traces, f"nothing exported: {receiver.requests}"
    assert all(content_type == "application/x-protobuf" for content_type, _ in traces)
    bodies = b"".join(body for _, body in traces)
    # Protocol buffers keep strings as they are: the span names and the GraphQL attributes.
    assert b"subscription Ticks" in bodies
    assert b"GraphQL WebSocket connection" in bodies
    assert b"graphql.operation.name" in bodies and b"Ticks" in bodies
    assert b"graphql.operation.type" in bodies
