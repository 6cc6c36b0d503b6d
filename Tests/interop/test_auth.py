"""Request-aware authentication with real tokens: the demo server with --auth-secret accepts a
connection only with a JSON Web Token (HS256) signed with the secret, taken from the upgrade
request's Authorization header or from the init payload. A bad or expired token closes 4403 on
graphql-transport-ws and gets connection_error on graphql-ws; gqlws (the client library) reports
it as a refusal (exit status 4).
"""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import subprocess
import time

import pytest
import websockets
from conftest import gqlws
from demo_server import start_demo_server, stop_demo_server

SECRET = "demo-secret-of-at-least-32-bytes!"


def token(subject: str = "ada", expires_in: int = 600, secret: str = SECRET) -> str:
    """An HS256 JSON Web Token for `subject`, expiring `expires_in` seconds from now."""

    def encode(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = encode(json.dumps({"sub": subject, "exp": int(time.time()) + expires_in}).encode())
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{encode(signature)}"


@pytest.fixture(scope="module")
def url():
    process, address = asyncio.run(start_demo_server("--auth-secret", SECRET))
    try:
        yield address
    finally:
        stop_demo_server(process)


async def handshake(url: str, subprotocol: str, headers=None, payload=None):
    """Opens a socket, sends connection_init and returns (socket, first message or None, close code)."""
    socket = await websockets.connect(url, subprotocols=[subprotocol], additional_headers=headers or {})
    init = {"type": "connection_init"}
    if payload is not None:
        init["payload"] = payload
    await socket.send(json.dumps(init))
    try:
        return socket, json.loads(await asyncio.wait_for(socket.recv(), timeout=10)), None
    except websockets.exceptions.ConnectionClosed as closed:
        return socket, None, closed.rcvd.code if closed.rcvd else None


def run(scenario):
    asyncio.run(scenario())


@pytest.mark.parametrize("where", ["header", "payload-authorization", "payload-token"])
def test_a_valid_token_is_accepted_from_the_header_or_the_init_payload(url, where):
    good = token()
    headers = {"Authorization": f"Bearer {good}"} if where == "header" else None
    payload = {"authorization": f"Bearer {good}"} if where == "payload-authorization" else (
        {"token": good} if where == "payload-token" else None)

    async def scenario():
        socket, first, _ = await handshake(url, "graphql-transport-ws", headers, payload)
        assert first == {"type": "connection_ack"}
        query = {"id": "1", "type": "subscribe", "payload": {"query": "{ hello }"}}
        await socket.send(json.dumps(query))
        assert json.loads(await socket.recv())["payload"] == {"data": {"hello": "Hello world"}}
        await socket.close()

    run(scenario)


@pytest.mark.parametrize("bad", ["expired", "wrong-secret", "garbage", "missing"])
def test_a_bad_token_closes_4403_on_graphql_transport_ws(url, bad):
    value = {"expired": token(expires_in=-60), "wrong-secret": token(secret="another-secret-of-at-least-32-bytes"), "garbage": "x.y.z"}.get(bad)
    headers = {"Authorization": f"Bearer {value}"} if value else None

    async def scenario():
        _, first, code = await handshake(url, "graphql-transport-ws", headers)
        assert first is None
        assert code == 4403

    run(scenario)


def test_a_bad_token_gets_connection_error_on_graphql_ws(url):
    async def scenario():
        socket, first, _ = await handshake(url, "graphql-ws", payload={"token": token(expires_in=-60)})
        assert first["type"] == "connection_error"
        assert "Forbidden" in first["payload"]["message"]
        await socket.close()

    run(scenario)


def test_a_short_secret_is_refused_at_start():
    short = subprocess.run([os.environ["SUBSCRIPTIONS_SERVER_BIN"], "--port", "0", "--auth-secret", "short"],
                           capture_output=True, text=True, timeout=60)
    assert short.returncode != 0
    assert "at least 32 bytes" in short.stderr


def test_gqlws_authenticates_by_header_or_payload_and_reports_refusals(url):
    good = token()
    by_header = gqlws("query", url, "-q", "{ hello }", "-H", f"Authorization: Bearer {good}")
    assert by_header.returncode == 0, by_header.stderr
    assert json.loads(by_header.stdout) == {"data": {"hello": "Hello world"}}
    by_payload = gqlws("query", url, "-q", "{ hello }", "--init-payload", json.dumps({"token": good}))
    assert by_payload.returncode == 0, by_payload.stderr
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        refused = gqlws("query", url, "-q", "{ hello }", "--protocol", protocol,
                        "-H", f"Authorization: Bearer {token(expires_in=-60)}")
        assert refused.returncode == 4, refused.stderr
        assert "Forbidden" in refused.stderr or "4403" in refused.stderr
