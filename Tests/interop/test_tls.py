"""TLS end to end: the demo server with --tls-cert and --tls-key serves https:// and wss:// on one
port, with a certificate made here by openssl for a private CA.

The server certificate names only `localhost`, so the same server reached as 127.0.0.1 has the
wrong host name and must be refused. Clients: gqlws (this package's client library) with
--ca-file, and the Python gql client over wss.
"""

import asyncio
import json
import os
import shutil
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import gqlws
from demo_server import start_demo_server, stop_demo_server
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

# Skipped without openssl, except under CI (which installs it), where a missing openssl fails.
pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None and os.environ.get("CI") != "true", reason="needs openssl"
)


def openssl(*arguments: str, cwd: Path) -> None:
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    """A private CA and a server certificate for DNS:localhost signed by it, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
            "-keyout", "ca.key", "-out", "ca.pem", cwd=folder)
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "server.pem", cwd=folder)
    return folder


@pytest.fixture(scope="module")
def tls_server(certificates):
    """The demo server over TLS; yields its port."""
    process, url = asyncio.run(start_demo_server(
        "--tls-cert", str(certificates / "server.pem"), "--tls-key", str(certificates / "server.key")))
    try:
        assert url.startswith("wss://"), url
        yield int(url.rsplit(":", 1)[1].split("/")[0])
    finally:
        stop_demo_server(process)


def test_gqlws_queries_and_subscribes_over_wss_with_a_private_ca(tls_server, certificates):
    url = f"wss://localhost:{tls_server}/graphql"
    ca = str(certificates / "ca.pem")
    query = gqlws("query", url, "-q", "{ hello }", "--ca-file", ca)
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout) == {"data": {"hello": "Hello world"}}
    for protocol in ("graphql-transport-ws", "graphql-ws"):
        subscribe = gqlws("subscribe", url, "-q", "subscription { counter(n: 3) }", "--ca-file", ca,
                          "--protocol", protocol)
        assert subscribe.returncode == 0, subscribe.stderr
        lines = [json.loads(line) for line in subscribe.stdout.splitlines()]
        assert [line["data"] for line in lines] == [{"counter": 0}, {"counter": 1}, {"counter": 2}]


def test_a_wrong_host_name_is_refused(tls_server, certificates):
    # The certificate names localhost only; 127.0.0.1 is not it.
    result = gqlws("query", f"wss://127.0.0.1:{tls_server}/graphql", "-q", "{ hello }",
                   "--ca-file", str(certificates / "ca.pem"))
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""


def test_a_certificate_from_an_unknown_ca_is_refused(tls_server):
    result = gqlws("query", f"wss://localhost:{tls_server}/graphql", "-q", "{ hello }")
    assert result.returncode == 3, result.stderr


def test_the_playground_page_is_served_over_https(tls_server, certificates):
    context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    with urllib.request.urlopen(f"https://localhost:{tls_server}/", context=context, timeout=10) as response:
        assert response.status == 200
        assert "<html" in response.read().decode().lower()


@pytest.mark.parametrize("subprotocol", [WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL,
                                         WebsocketsTransport.APOLLO_SUBPROTOCOL])
def test_python_gql_client_over_wss(tls_server, certificates, subprotocol):
    context = ssl.create_default_context(cafile=str(certificates / "ca.pem"))

    async def scenario():
        transport = WebsocketsTransport(url=f"wss://localhost:{tls_server}/graphql", ssl=context,
                                        subprotocols=[subprotocol])
        async with Client(transport=transport) as session:
            result = await session.execute(gql("{ hello }"))
            assert result == {"hello": "Hello world"}
            values = [item async for item in session.subscribe(gql("subscription { counter(n: 3) }"))]
            assert values == [{"counter": 0}, {"counter": 1}, {"counter": 2}]

    asyncio.run(scenario())
