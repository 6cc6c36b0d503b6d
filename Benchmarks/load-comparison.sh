#!/usr/bin/env bash
# End-to-end throughput of the demo server next to strawberry-graphql (Python), measured with
# `gqlws load` over real sockets on 127.0.0.1: each row starts a fresh server, runs the flood
# subscription `counter(n: 100000000)` on N connections for a bounded time, and stops the server.
#
# Usage (from the repository root, after `swift build -c release --product subscriptions-server`
# and `swift build -c release --product gqlws`, with Tests/interop/requirements.txt installed):
#   Benchmarks/load-comparison.sh [seconds per row, default 10]
set -euo pipefail
seconds="${1:-10}"
bin=.build/release
query='subscription { counter(n: 100000000) }'

# Prints the ws:// URL a server logs once it listens. Arguments: its log file.
url_in() {
    for _ in $(seq 1 100); do
        if grep -aq 'ws://127.0.0.1:[0-9]*/graphql' "$1"; then
            grep -ao 'ws://127.0.0.1:[0-9]*/graphql' "$1" | head -n 1; return 0
        fi
        if grep -aq 'LISTENING' "$1"; then
            echo "ws://127.0.0.1:$(grep -ao 'LISTENING [0-9]*' "$1" | awk '{print $2}')/graphql"; return 0
        fi
        sleep 0.1
    done
    echo "the server did not start" >&2; cat "$1" >&2; return 1
}

echo "| server | protocol | connections | connected | results/s | p50 s to ack | p50 s to first result |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
for server in subscriptions-server strawberry; do
    for protocol in graphql-transport-ws graphql-ws; do
        for connections in 1 50; do
            log="$(mktemp)"
            if [[ "$server" == strawberry ]]; then
                python3 Tests/interop/strawberry/server.py --port 0 >"$log" 2>&1 &
            else
                "$bin/subscriptions-server" --port 0 >"$log" 2>&1 &
            fi
            pid=$!
            url="$(url_in "$log")"
            report="$("$bin/gqlws" load "$url" --protocol "$protocol" --query "$query" \
                --connections "$connections" --duration "$seconds" 2>/dev/null || true)"
            # A flooded server can take long to stop gracefully; the next row needs the CPU now.
            kill -9 "$pid"
            wait "$pid" 2>/dev/null || true
            python3 - "$server" "$protocol" "$connections" "$report" <<'PY'
import json, sys
server, protocol, connections, report = sys.argv[1:]
r = json.loads(report)
def p50(key):
    return f'{r[key]["p50"]:.3f}' if r[key] else "–"
print(f'| {server} | {protocol} | {connections} | {r["connections"]["connected"]} | '
      f'{r["results"]["perSecond"]:,.0f} | {p50("secondsToAck")} | {p50("secondsToFirstResult")} |')
PY
            rm -f "$log"
        done
    done
done
