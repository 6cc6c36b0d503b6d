#!/usr/bin/env bash
# Soak test of the demo server: connection churn with malformed frames over both protocols for a
# while, then checks that /metrics shows no connection and no live operation left and that memory
# is back near where it started (scripts/soak.py says how).
#
#     scripts/soak.sh [seconds, default 600] [workers, default 32]
#
# The server is SUBSCRIPTIONS_SERVER_BIN if set (scripts/test.sh runs a one-minute pass against the
# debug build), else the release build, built first. It listens on 127.0.0.1 on a free port and is
# always stopped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-600}"
workers="${2:-32}"

server="${SUBSCRIPTIONS_SERVER_BIN:-}"
if [[ -z "$server" ]]; then
    swift build -c release --product subscriptions-server >&2
    server="$(swift build -c release --show-bin-path)/subscriptions-server"
fi
python="$(scripts/python-env.sh)"

log="$(mktemp)"
"$server" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 600); do
    url="$(grep -o 'ws://127\.0\.0\.1:[0-9]*/graphql' "$log" | head -n 1 || true)"
    [[ -n "$url" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "the server exited before listening" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$url" ]] || { echo "the server did not report its address" >&2; exit 1; }
echo "soak: $seconds s, $workers clients against $url" >&2
"$python" scripts/soak.py --url "$url" --pid "$pid" --seconds "$seconds" --workers "$workers"
