#!/usr/bin/env bash
# Side by side: the demo server, strawberry-graphql and the Vapor adapter under the same loads, in
# one run, with the load client's own ceiling; writes the table into BENCHMARKS.md.
#
#     Benchmarks/side-by-side.sh [seconds per streaming load, default 10]
#
# Needs Swift, python3 (PyPI reachable), gcc, taskset, and Debian's postgresql package for the
# PostgreSQL row (without it that row is left out). It builds the release binaries and the load
# client, sets up strawberry-graphql (pinned, in .build/interop-venv), starts a throwaway PostgreSQL,
# and takes about 15 minutes. Run it on an otherwise idle machine with at least 2 cores: every
# server runs on core 0 and the load client on core 1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
duration="${1:-10}"

echo "Building…" >&2
swift build -c release --product subscriptions-server >&2
swift build -c release --product vapor-example-server >&2
(cd Benchmarks && swift build -c release --product protocol-server >&2 && swift build -c release --product pubsub-latency >&2)
Benchmarks/loadgen/build.sh >&2
python="$(scripts/python-env.sh)"

# Fifteen thousand held connections need file descriptors: take the hard limit.
ulimit -n "$(ulimit -Hn)"

postgres_started=""
cleanup() { [[ -n "$postgres_started" ]] && scripts/stop-postgres.sh || true; }
trap cleanup EXIT
if postgres_exports="$(scripts/start-postgres.sh 2>/dev/null)"; then
    eval "$postgres_exports"
    postgres_started=1
else
    echo "PostgreSQL not available: its row is left out" >&2
    unset POSTGRES_URL
fi

"$python" Benchmarks/side-by-side.py --duration "$duration" --python "$python" ${POSTGRES_URL:+--postgres-url "$POSTGRES_URL"}
