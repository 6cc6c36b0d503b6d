"""Runs an ASGI application for the interop tests: bound on 127.0.0.1 (port 0 picks a free one),
`LISTENING <port>` printed on one line once the socket is bound, served by uvicorn until
terminated. The Python servers (strawberry/server.py, ariadne/server.py) share it."""

import argparse
import socket

import uvicorn


def serve(app, description: str) -> None:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()

    # Bind here rather than in uvicorn, so that port 0 works and the port can be reported.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", arguments.port))
    print(f"LISTENING {listener.getsockname()[1]}", flush=True)

    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", lifespan="off")
    uvicorn.Server(config).run(sockets=[listener])
