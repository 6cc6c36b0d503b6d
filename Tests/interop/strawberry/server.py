"""A strawberry-graphql server with the demo schema, serving graphql-ws and graphql-transport-ws.

Used by test_gqlws_vs_strawberry.py to check the Swift `gqlws` client against another
implementation of both protocols:

    python3 Tests/interop/strawberry/server.py --port 0

binds 127.0.0.1 (port 0 picks a free one), prints `LISTENING <port>` on one line once the socket is
bound, and serves ws://127.0.0.1:<port>/graphql until terminated.

Schema (as the Swift demo server's, chat included):

    type Query { hello(name: String = "world"): String!  add(a: Int!, b: Int!): Int! }
    type Mutation { echo(text: String!): String! }
    type Subscription { counter(n: Int! = 5, delayMs: Int! = 0): Int! }

    type Message { id: ID!  channel: String!  text: String! }
    type Mutation { post(text: String!, channel: String = "general"): Message! }
    type Subscription { messages(channel: String = "general"): Message! }

The chat is in-process: each post is broadcast to the channel's subscribers through one asyncio
queue per subscriber (what strawberry's documentation suggests for a single process).
"""

import asyncio
import itertools
import sys
from collections import defaultdict
from pathlib import Path
from typing import AsyncGenerator

import strawberry
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL

# The shared runner is in Tests/interop, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asgi_server import serve  # noqa: E402


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "world") -> str:
        return f"Hello {name}"

    @strawberry.field
    def add(self, a: int, b: int) -> int:
        return a + b


@strawberry.type
class Message:
    id: strawberry.ID
    channel: str
    text: str


subscribers: defaultdict[str, set[asyncio.Queue]] = defaultdict(set)
sequence = itertools.count(1)


@strawberry.type
class Mutation:
    @strawberry.mutation
    def echo(self, text: str) -> str:
        return text

    @strawberry.mutation
    def post(self, text: str, channel: str = "general") -> Message:
        message = Message(id=strawberry.ID(str(next(sequence))), channel=channel, text=text)
        for queue in subscribers[channel]:
            queue.put_nowait(message)
        return message


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def counter(self, n: int = 5, delay_ms: int = 0) -> AsyncGenerator[int, None]:
        for value in range(n):
            if value > 0 and delay_ms > 0:
                await asyncio.sleep(delay_ms / 1000)
            yield value

    @strawberry.subscription
    async def messages(self, channel: str = "general") -> AsyncGenerator[Message, None]:
        queue: asyncio.Queue = asyncio.Queue()
        subscribers[channel].add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            subscribers[channel].discard(queue)


schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription)
app = GraphQL(
    schema,
    subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL],
)


if __name__ == "__main__":
    serve(app, __doc__.splitlines()[0])
