"""Shared setup of the interop tests: where the demo server listens, the Python servers that
`gqlws` is checked against, and how `gqlws` is run."""

import contextlib
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


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


@contextlib.contextmanager
def python_server(script: Path):
    """Runs `script --port 0` (a server that prints `LISTENING <port>` once bound), yields its port
    once it accepts connections, and always stops it."""
    process = subprocess.Popen(
        [sys.executable, str(script), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # "LISTENING <port>" is printed once the socket is bound; wait at most 60 s for it.
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("LISTENING "):
            process.kill()
            pytest.fail(f"{script.name} did not start: {line!r} {process.stderr.read()}")
        port = int(line.split()[1])
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    pytest.fail(f"{script.name} is not listening: {process.stderr.read()}")
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def gqlws_binary() -> Path:
    """The `gqlws` binary: GQLWS_BIN, by default .build/debug/gqlws (`swift build` makes it)."""
    binary = Path(os.environ.get("GQLWS_BIN", REPOSITORY / ".build" / "debug" / "gqlws"))
    if not binary.is_absolute():
        binary = REPOSITORY / binary
    if not binary.exists():
        pytest.fail(f"gqlws is not built at {binary}: run `swift build` or set GQLWS_BIN")
    return binary


def gqlws(*arguments: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Runs `gqlws` with `arguments`, capturing its output."""
    return subprocess.run(
        [str(gqlws_binary()), *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
