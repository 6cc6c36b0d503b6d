#!/usr/bin/env bash
# Runs every test of the package: the Swift tests (with a throwaway PostgreSQL server for the
# pub/sub tests), then the Python interop tests (the real `gql` client) against the demo server, then a
# short soak and a short fuzzing pass (FUZZ_RUNS inputs per fuzz target, 20,000 by default).
# The servers it starts listen on 127.0.0.1 only and are always stopped.
#
# Needs Swift 6.1+ and python3 with venv; it installs the pinned Python packages of
# Tests/interop/requirements.txt itself, from PyPI, into .build/interop-venv (once, then reused;
# scripts/python-env.sh). What it cannot install without root are Debian packages: `postgresql`
# for the PostgreSQL tests (without it they are skipped, except under CI=true where that is an
# error), `chromium` and `chromium-driver` for the playground tests, `openssl` for the TLS tests
# and `nginx` for the reverse-proxy test (each skipped without them, except under CI=true), and
# `python3-venv` where python3 lacks venv. `.ci/run` installs those.
# SWIFT_SCRATCH_PATH, if set, is passed to SwiftPM as --scratch-path.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

server_pid=""
vapor_pid=""
log=""
vapor_log=""
postgres_started=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ -n "$vapor_pid" ]]; then
        kill "$vapor_pid" 2>/dev/null || true
        wait "$vapor_pid" 2>/dev/null || true
    fi
    [[ -n "$log" ]] && rm -f "$log"
    [[ -n "$vapor_log" ]] && rm -f "$vapor_log"
    [[ -n "$postgres_started" ]] && scripts/stop-postgres.sh || true
}
trap cleanup EXIT

swift_options=()
if [[ -n "${SWIFT_SCRATCH_PATH:-}" ]]; then
    swift_options+=(--scratch-path "$SWIFT_SCRATCH_PATH")
fi

swift build "${swift_options[@]}"
# The interop tests' Python packages, set up before the long Swift tests so a missing python3-venv
# shows at once.
if ! python="$(scripts/python-env.sh)"; then
    echo "could not set up the Python environment for the interop tests: python3 needs venv and pip" >&2
    echo "(on Debian: apt-get install -y python3-venv)" >&2
    exit 1
fi

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
# Prints the ws:// URL a server started on port 0 logs once it listens; fails after 60 s or if the
# server exits first. Arguments: its pid, its log file, its name.
wait_for_url() {
    local pid="$1" output="$2" name="$3" found
    for _ in $(seq 1 600); do
        found="$(grep -o 'ws://127\.0\.0\.1:[0-9]*/graphql' "$output" | head -n 1 || true)"
        if [[ -n "$found" ]]; then
            echo "$found"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$output" >&2
            echo "$name exited before listening" >&2
            return 1
        fi
        sleep 0.1
    done
    cat "$output" >&2
    echo "$name did not report its address within 60 s" >&2
    return 1
}

log="$(mktemp)"
"$bin_path/subscriptions-server" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
server_pid=$!
url="$(wait_for_url "$server_pid" "$log" subscriptions-server)"
echo "subscriptions-server listening at $url"

vapor_log="$(mktemp)"
"$bin_path/vapor-example-server" --host 127.0.0.1 --port 0 >"$vapor_log" 2>&1 &
vapor_pid=$!
vapor_url="$(wait_for_url "$vapor_pid" "$vapor_log" vapor-example-server)"
echo "vapor-example-server listening at $vapor_url"

GRAPHQL_WS_URL="$url" VAPOR_GRAPHQL_URL="$vapor_url" "$python" -m pytest Tests/interop -v

# A short soak of a fresh demo server (connection churn with malformed frames, then no connection
# or operation left and memory back near its start); `scripts/soak.sh 600` runs the long one.
SUBSCRIPTIONS_SERVER_BIN="$bin_path/subscriptions-server" scripts/soak.sh "${SOAK_SECONDS:-45}"

# A short fuzzing pass: the decoders and state machines of both protocols under libFuzzer and
# AddressSanitizer (Fuzz/, checking the GW-45 ordering invariants); `scripts/fuzz.sh` alone runs the
# long pass of 1,000,000 inputs per target.
scripts/fuzz.sh "${FUZZ_RUNS:-20000}"
