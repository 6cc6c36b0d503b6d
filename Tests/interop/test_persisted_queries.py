"""Persisted documents end to end: the demo server with --persisted-queries (an Apollo persisted
query manifest) runs listed documents named by their SHA-256 hash in
extensions.persistedQuery.sha256Hash, as Apollo's persisted-query link sends it, and answers other
documents with the errors Apollo's clients understand.
"""

import asyncio
import hashlib
import json

import pytest
import websockets
from demo_server import start_demo_server, stop_demo_server

TICKS = "subscription Ticks { counter(n: 2) }"
HELLO = "{ hello }"


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    manifest = tmp_path_factory.mktemp("persisted") / "manifest.json"
    operations = [
        {"id": hashlib.sha256(body.encode()).hexdigest(), "body": body, "name": name, "type": kind}
        for body, name, kind in [(TICKS, "Ticks", "subscription"), (HELLO, None, "query")]
    ]
    manifest.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    process, address = asyncio.run(start_demo_server("--persisted-queries", str(manifest)))
    try:
        yield address
    finally:
        stop_demo_server(process)


def persisted(document: str, send_document: bool = False) -> dict:
    """A subscribe payload naming `document` by its hash, with the document or an empty query."""
    sha = hashlib.sha256(document.encode()).hexdigest()
    return {"query": document if send_document else "", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}


async def operation(url: str, subprotocol: str, payload: dict) -> list:
    """Runs one operation and returns its messages up to complete or error."""
    start = "subscribe" if subprotocol == "graphql-transport-ws" else "start"
    async with websockets.connect(url, subprotocols=[subprotocol]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": start, "payload": payload}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=10))
            if message["type"] == "ka":
                continue
            messages.append(message)
            if message["type"] in ("complete", "error"):
                return messages


@pytest.mark.parametrize("subprotocol", ["graphql-transport-ws", "graphql-ws"])
def test_a_listed_document_runs_by_its_hash(url, subprotocol):
    messages = asyncio.run(operation(url, subprotocol, persisted(TICKS)))
    assert [m["payload"]["data"] for m in messages[:-1]] == [{"counter": 0}, {"counter": 1}]
    assert messages[-1]["type"] == "complete"
    sent_whole = asyncio.run(operation(url, subprotocol, persisted(HELLO, send_document=True)))
    assert sent_whole[0]["payload"]["data"] == {"hello": "Hello world"}


def test_others_get_apollos_errors_on_graphql_transport_ws(url):
    unknown = asyncio.run(operation(url, "graphql-transport-ws", persisted("{ add(a: 1, b: 2) }")))
    assert unknown == [{"id": "1", "type": "error", "payload": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]}]
    unlisted = asyncio.run(operation(url, "graphql-transport-ws", {"query": "{ add(a: 1, b: 2) }"}))
    assert unlisted == [{"id": "1", "type": "error", "payload": [
        {"message": "PersistedQueryNotInList", "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"}}]}]


def test_others_get_apollos_error_message_on_graphql_ws(url):
    unlisted = asyncio.run(operation(url, "graphql-ws", {"query": "{ add(a: 1, b: 2) }"}))
    assert unlisted == [{"id": "1", "type": "error", "payload": {"message": "PersistedQueryNotInList"}}]
