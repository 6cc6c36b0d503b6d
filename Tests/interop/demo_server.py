"""Starts private subscriptions-server processes for tests that need a server of their own."""

import asyncio
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pytest


async def start_demo_server(*arguments: str) -> tuple[subprocess.Popen, str]:
    """Starts the demo server on a free port of 127.0.0.1 with extra `arguments`.

    Returns the process and the ws:// (wss:// with TLS) URL it reported; fails the test if none comes within 60 s.
    """
    binary = os.environ.get("SUBSCRIPTIONS_SERVER_BIN")
    if not binary:
        pytest.fail("SUBSCRIPTIONS_SERVER_BIN is not set: run scripts/test.sh")
    process = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = await asyncio.to_thread(process.stdout.readline)
        match = re.search(r"wss?://127\.0\.0\.1:\d+/graphql", line)
        if match:
            return process, match.group(0)
        if not line and process.poll() is not None:
            break
    process.kill()
    pytest.fail("subscriptions-server did not report its address")


def stop_demo_server(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stops the server (or any process) with SIGTERM if it still runs, killing it if it has not
    exited within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def scrape_metrics(server_url: str) -> dict[str, float]:
    """Every sample of the server's Prometheus exposition at /metrics, by series (name and labels)."""
    url = f"http://{urllib.parse.urlparse(server_url).netloc}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            samples[series] = float(value)
    return samples
