"""An Ariadne server with part of the demo schema: the graphql-ws protocol at /graphql-ws and the
graphql-transport-ws protocol at /graphql-transport-ws (Ariadne serves one protocol per handler).

Used by test_gqlws_vs_ariadne.py to check the Swift client and `gqlws` against a server that, on
graphql-ws, answers a query with `data` and never sends `complete`:

    python3 Tests/interop/ariadne/server.py --port 0

binds 127.0.0.1 (port 0 picks a free one), prints `LISTENING <port>` on one line once the socket is
bound, and serves until terminated.

    type Query { hello(name: String = "world"): String! }
    type Mutation { echo(text: String!): String! }
    type Subscription { counter(n: Int! = 5): Int! }
"""

import sys
from pathlib import Path

from ariadne import MutationType, QueryType, SubscriptionType, make_executable_schema
from ariadne.asgi import GraphQL
from ariadne.asgi.handlers import GraphQLTransportWSHandler, GraphQLWSHandler
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

# The shared runner is in Tests/interop, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asgi_server import serve  # noqa: E402

TYPE_DEFINITIONS = """
    type Query { hello(name: String = "world"): String! }
    type Mutation { echo(text: String!): String! }
    type Subscription { counter(n: Int! = 5): Int! }
"""

query = QueryType()
mutation = MutationType()
subscription = SubscriptionType()


@query.field("hello")
def resolve_hello(_, info, name="world"):
    return f"Hello {name}"


@mutation.field("echo")
def resolve_echo(_, info, text):
    return text


@subscription.source("counter")
async def counter_source(_, info, n=5):
    for value in range(n):
        yield value


@subscription.field("counter")
def resolve_counter(value, info, n=5):
    return value


schema = make_executable_schema(TYPE_DEFINITIONS, query, mutation, subscription)
app = Starlette(
    routes=[
        WebSocketRoute("/graphql-ws", GraphQL(schema, websocket_handler=GraphQLWSHandler())),
        WebSocketRoute("/graphql-transport-ws", GraphQL(schema, websocket_handler=GraphQLTransportWSHandler())),
    ]
)


if __name__ == "__main__":
    serve(app, __doc__.splitlines()[0])
