"""Behind nginx (Debian's package), started here on 127.0.0.1 in front of the demo server, with the
configuration the README gives: both protocols through `proxy_pass` with the upgrade headers, the
Origin check and the client address honouring X-Forwarded-* only when the server is told to trust
the proxy, and a SIGTERM of the server reaching clients as 1001 through the proxy.
"""

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import websockets
from demo_server import start_demo_server, stop_demo_server
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
# Skipped without nginx, except under CI (which installs it), where a missing nginx fails.
pytestmark = pytest.mark.skipif(NGINX is None and os.environ.get("CI") != "true", reason="needs nginx")

# The README's server block, with the ports filled in.
SERVER_BLOCK = """
map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
}}
server {{
    listen 127.0.0.1:{port};
    location / {{
        proxy_pass http://127.0.0.1:{upstream};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_read_timeout 1h;
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_nginx(folder: Path, upstream: int) -> tuple[subprocess.Popen, int]:
    """nginx in the foreground with its files in `folder`, proxying to `upstream`; returns it and its port."""
    port = free_port()
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(exist_ok=True)
    (folder / "nginx.conf").write_text(
        "worker_processes 1;\nerror_log error.log;\npid nginx.pid;\nevents {}\nhttp {\n"
        "    access_log off;\n    client_body_temp_path body;\n    proxy_temp_path proxy;\n"
        "    fastcgi_temp_path fastcgi;\n    uwsgi_temp_path uwsgi;\n    scgi_temp_path scgi;\n"
        + SERVER_BLOCK.format(port=port, upstream=upstream)
        + "}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", "nginx.conf", "-g", "daemon off;"])
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nginx did not start: {(folder / 'error.log').read_text()}")
            time.sleep(0.05)


def behind_nginx(tmp_path: Path, *server_arguments: str):
    """Runs `scenario(server_process, proxied_ws_url, proxy_port)` with the demo server behind nginx."""

    def run(scenario):
        async def main():
            server, url = await start_demo_server(*server_arguments)
            upstream = int(url.rsplit(":", 1)[1].split("/")[0])
            proxy, port = start_nginx(tmp_path, upstream)
            try:
                await scenario(server, f"ws://127.0.0.1:{port}/graphql", port)
            finally:
                stop_demo_server(proxy, timeout=10)
                stop_demo_server(server)

        asyncio.run(main())

    return run


@pytest.mark.parametrize(
    "subprotocol", [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL, WebsocketsTransport.APOLLO_SUBPROTOCOL]
)
def test_both_protocols_through_the_proxy(tmp_path, subprotocol):
    async def scenario(_, url, __):
        transport = WebsocketsTransport(url=url, subprotocols=[subprotocol])
        async with Client(transport=transport) as session:
            assert await session.execute(gql("{ hello }")) == {"hello": "Hello world"}
            values = [item async for item in session.subscribe(gql("subscription { counter(n: 3) }"))]
            assert values == [{"counter": 0}, {"counter": 1}, {"counter": 2}]

    behind_nginx(tmp_path)(scenario)


async def upgrade_status(url: str, origin: str) -> int:
    """The HTTP status of an upgrade from a page of `origin`: 101 when the socket opened."""
    try:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], origin=origin):
            return 101
    except websockets.exceptions.InvalidStatus as refused:
        return refused.response.status_code


def test_the_proxys_origin_is_refused_unless_the_proxy_is_trusted(tmp_path):
    # The page is served through the proxy, so its Origin names the proxy's host and port, which the
    # server sees only in X-Forwarded-Host.
    async def untrusted(_, url, port):
        assert await upgrade_status(url, f"http://127.0.0.1:{port}") == 403

    behind_nginx(tmp_path)(untrusted)

    async def trusted(_, url, port):
        assert await upgrade_status(url, f"http://127.0.0.1:{port}") == 101
        # A foreign page stays refused: the proxy sets X-Forwarded-Host from the request's own Host.
        assert await upgrade_status(url, "https://evil.example") == 403

    behind_nginx(tmp_path, "--trust-forwarded-host")(trusted)


def test_sigterm_reaches_clients_through_the_proxy_as_1001(tmp_path):
    async def scenario(server, url, _):
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as socket_:
            await socket_.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await socket_.recv())["type"] == "connection_ack"
            query = "subscription { counter(n: 1000000, delayMs: 20) }"
            await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
            assert json.loads(await socket_.recv())["payload"] == {"data": {"counter": 0}}
            server.send_signal(signal.SIGTERM)
            with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(socket_.recv(), timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001

    behind_nginx(tmp_path, "--shutdown-grace-period", "5")(scenario)


def test_the_client_address_comes_from_the_proxy_only_when_it_is_trusted(tmp_path):
    # The client connects from 127.0.0.2, nginx from 127.0.0.1: the server's TCP peer is nginx, and
    # nginx appends the address it saw to X-Forwarded-For (after whatever the client wrote there).
    async def client_address(url: str) -> str:
        async with websockets.connect(
            url,
            subprotocols=["graphql-transport-ws"],
            additional_headers={"X-Forwarded-For": "203.0.113.9"},
            local_addr=("127.0.0.2", 0),
        ) as socket_:
            await socket_.send(json.dumps({"type": "connection_init"}))
            assert json.loads(await socket_.recv())["type"] == "connection_ack"
            query = {"query": "{ connection { clientAddress } }"}
            await socket_.send(json.dumps({"id": "1", "type": "subscribe", "payload": query}))
            return json.loads(await socket_.recv())["payload"]["data"]["connection"]["clientAddress"]

    async def untrusted(_, url, __):
        assert await client_address(url) == "127.0.0.1"

    behind_nginx(tmp_path)(untrusted)

    async def trusted(_, url, __):
        assert await client_address(url) == "127.0.0.2"

    behind_nginx(tmp_path, "--trust-forwarded-host")(trusted)
