"""The demo server's Prometheus metrics at /metrics, scraped while the real `gql` client uses it.

The test runs a server of its own, so every count is exact.
"""

import asyncio

import pytest
from demo_server import scrape_metrics, start_demo_server, stop_demo_server
from gql import Client, gql
from gql.transport.websockets import WebsocketsTransport

WATCHDOG_SECONDS = 60


@pytest.mark.parametrize(
    "subprotocol",
    [WebsocketsTransport.APOLLO_SUBPROTOCOL, WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
)
def test_metrics_follow_a_live_subscription(subprotocol):
    def series(name: str) -> str:
        return f'{name}{{protocol="{subprotocol}"}}'

    async def scenario():
        process, server_url = await start_demo_server()
        try:
            transport = WebsocketsTransport(url=server_url, subprotocols=[subprotocol])
            async with Client(transport=transport) as session:
                subscription = session.subscribe(gql("subscription { counter(n: 1000, delayMs: 20) }"))
                async for result in subscription:
                    assert result == {"counter": 0}
                    during = await asyncio.to_thread(scrape_metrics, server_url)
                    break
                await subscription.aclose()

            assert during[series("graphql_ws_connections")] == 1
            assert during[series("graphql_ws_connections_opened_total")] == 1
            assert during[series("graphql_ws_operations")] == 1
            assert during[series("graphql_ws_operations_started_total")] == 1
            assert during[series("graphql_ws_messages_received_total")] == 2  # connection_init, the operation
            assert during[series("graphql_ws_messages_sent_total")] >= 2  # connection_ack, the first result
            assert during[series("graphql_ws_sent_bytes_total")] > 0

            # The server counts the close once it has seen it: poll, bounded.
            close_prefix = f'graphql_ws_closes_total{{protocol="{subprotocol}",'
            for _ in range(200):
                after = await asyncio.to_thread(scrape_metrics, server_url)
                closes = {series: value for series, value in after.items() if series.startswith(close_prefix)}
                if closes:
                    break
                await asyncio.sleep(0.05)
            assert list(closes.values()) == [1]
            if subprotocol == WebsocketsTransport.APOLLO_SUBPROTOCOL:
                # gql ends with connection_terminate, which the server answers by closing with 1000.
                assert next(iter(closes)).endswith('code="1000",initiator="server"}')
            else:
                assert next(iter(closes)).endswith('initiator="client"}')
            assert after[series("graphql_ws_connections")] == 0
            assert after[series("graphql_ws_operations")] == 0
            assert after[f'graphql_ws_errors_total{{protocol="{subprotocol}",kind="operation"}}'] == 0
        finally:
            stop_demo_server(process)

    asyncio.run(asyncio.wait_for(scenario(), WATCHDOG_SECONDS))
