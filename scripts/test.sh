#!/usr/bin/env bash
# Runs every test of the package: the Swift tests (with a throwaway PostgreSQL server for the
# pub/sub tests), then the Python interop tests (the real `gql` client) against the demo server.
# The servers it starts listen on 127.0.0.1 only and are always stopped.
#
# Needs Swift 6.1+, the Python packages in Tests/interop/requirements.txt, and Debian's
# `postgresql` package for the PostgreSQL tests (without it they are skipped, except under CI=true
# where that is an error). SWIFT_SCRATCH_PATH, if set, is passed to SwiftPM as --scratch-path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

server_pid=""
log=""
postgres_started=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    [[ -n "$log" ]] && rm -f "$log"
    [[ -n "$postgres_started" ]] && scripts/stop-postgres.sh || true
}
trap cleanup EXIT

swift_options=()
if [[ -n "${SWIFT_SCRATCH_PATH:-}" ]]; then
    swift_options+=(--scratch-path "$SWIFT_SCRATCH_PATH")
fi

swift build "${swift_options[@]}"

if [[ -z "${POSTGRES_URL:-}" && -x scripts/start-postgres.sh ]]; then
    if postgres_exports="$(scripts/start-postgres.sh)"; then
        eval "$postgres_exports"
        postgres_started=1
        echo "PostgreSQL for the pub/sub tests at ${POSTGRES_URL:-?}"
    elif [[ "${CI:-}" == "true" ]]; then
        echo "could not start PostgreSQL for the pub/sub tests" >&2
        exit 1
    else
        echo "warning: PostgreSQL not started; its tests are skipped" >&2
    fi
fi

swift test "${swift_options[@]}"

bin_path="$(swift build "${swift_options[@]}" --show-bin-path)"
export GQLWS_BIN="${GQLWS_BIN:-$bin_path/gqlws}"
export SUBSCRIPTIONS_SERVER_BIN="$bin_path/subscriptions-server"
log="$(mktemp)"
"$bin_path/subscriptions-server" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
server_pid=$!

# The server logs the address it bound (port 0 picks a free one); wait for it, at most 60 s.
url=""
for _ in $(seq 1 600); do
    url="$(grep -o 'ws://127\.0\.0\.1:[0-9]*/graphql' "$log" | head -n 1 || true)"
    [[ -n "$url" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        cat "$log" >&2
        echo "subscriptions-server exited before listening" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ -z "$url" ]]; then
    cat "$log" >&2
    echo "subscriptions-server did not report its address within 60 s" >&2
    exit 1
fi
echo "subscriptions-server listening at $url"

GRAPHQL_WS_URL="$url" python3 -m pytest Tests/interop -v
