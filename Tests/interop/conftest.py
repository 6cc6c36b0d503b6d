"""Shared setup of the interop tests: where the demo server listens."""

import os

import pytest


@pytest.fixture(scope="session")
def server_url() -> str:
    """The ws:// URL of a running subscriptions-server (scripts/test.sh starts one)."""
    url = os.environ.get("GRAPHQL_WS_URL")
    if not url:
        pytest.fail(
            "GRAPHQL_WS_URL is not set: run scripts/test.sh, or start "
            "`swift run subscriptions-server` and set GRAPHQL_WS_URL=ws://127.0.0.1:8080/graphql"
        )
    return url
