#!/usr/bin/env bash
# Runs the Swift tests (core, GraphQL, adapters, client, pub/sub; PostgreSQL's with a throwaway
# server) under ThreadSanitizer and AddressSanitizer, each in a build folder of its own
# (.build-tsan, .build-asan). Fails on a failing test or on any sanitizer report.
#
# Usage: scripts/sanitize.sh [thread|address]...   (both by default)
#
# Under ThreadSanitizer the package's locks are pthread mutexes (-DSUBSCRIPTIONS_THREAD_SANITIZER;
# see Sources/SubscriptionsConcurrency/Lock.swift): Synchronization.Mutex is invisible to it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

sanitizers=("$@")
((${#sanitizers[@]} > 0)) || sanitizers=(thread address)

postgres_started=""
cleanup() { [[ -n "$postgres_started" ]] && scripts/stop-postgres.sh || true; }
trap cleanup EXIT
if [[ -z "${POSTGRES_URL:-}" ]] && postgres_exports="$(scripts/start-postgres.sh)"; then
    eval "$postgres_exports"
    postgres_started=1
fi

status=0
for sanitizer in "${sanitizers[@]}"; do
    case "$sanitizer" in
    thread) options=(--sanitize=thread -Xswiftc -DSUBSCRIPTIONS_THREAD_SANITIZER --scratch-path .build-tsan) ;;
    address) options=(--sanitize=address --scratch-path .build-asan) ;;
    *) echo "unknown sanitizer $sanitizer (thread or address)" >&2; exit 2 ;;
    esac
    echo "== ${sanitizer} sanitizer: building"
    # The test bundle and what it needs (not the executables: swift-otel, the demo server's exporter,
    # does not compile under ThreadSanitizer with this toolchain).
    swift build --product SubscriptionsTransportWSPackageTests "${options[@]}"
    log="$(mktemp)"
    echo "== ${sanitizer} sanitizer: testing"
    # halt_on_error=0 lets every test run; reports are counted below.
    if ! TSAN_OPTIONS="halt_on_error=0 ${TSAN_OPTIONS:-}" ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}" \
        swift test --skip-build "${options[@]}" >"$log" 2>&1; then
        status=1
    fi
    reports="$(grep -c "^WARNING: ThreadSanitizer\|^==[0-9]*==ERROR: AddressSanitizer" "$log" || true)"
    grep -E "Test run with|Executed [0-9]+ tests" "$log" | tail -n 2
    if ((reports > 0)); then
        grep -A 30 -m 3 "^WARNING: ThreadSanitizer\|^==[0-9]*==ERROR: AddressSanitizer" "$log" >&2
        echo "${sanitizer} sanitizer: ${reports} report(s)" >&2
        status=1
    elif ((status != 0)); then
        grep -E "✘|error:" "$log" | head -n 40 >&2
    fi
    echo "== ${sanitizer} sanitizer: ${reports} report(s)"
    rm -f "$log"
done
exit "$status"
