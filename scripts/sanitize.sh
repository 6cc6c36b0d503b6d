#!/usr/bin/env bash
# Runs the Swift tests (core, GraphQL, adapters, client, pub/sub; PostgreSQL's with a throwaway
# server) under ThreadSanitizer and AddressSanitizer, each in a build folder of its own
# (.build-tsan, .build-asan). Fails on a failing test or on any sanitizer report.
#
# Usage: scripts/sanitize.sh [thread|address]...   (both by default)
#
# Each sanitizer runs the bundle twice: every test but the adapters' real-socket suites, in
# parallel; then those suites alone, one test at a time. Their close handshakes and slow-client
# timers race the sanitizers' slowdown when every other test shares the two cores with them.
# Each run gets SANITIZER_TEST_SECONDS (900 by default, about ten times what it needs): a run that
# hangs is stopped and fails, naming the tests that started and did not finish.
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

# The tests of a Swift Testing log that started and have no result line.
unfinished_tests() {
    python3 - "$1" <<'PYTHON'
import re, sys
started, ended = [], set()
for line in open(sys.argv[1], errors="replace"):
    if line.startswith(("◇ Test case ", "◇ Test run ")):
        continue
    if m := re.match(r"◇ Test (.+) started\.$", line.rstrip()):
        started.append(m.group(1))
    elif m := re.match(r"[✔✘] Test (.+?)(?: with \d+ (?:test cases|arguments?|issues?).*| passed after.*| failed after.*)$", line.rstrip()):
        ended.add(m.group(1))
for name in started:
    if name not in ended:
        print("  " + name)
PYTHON
}

# The gqlws tests run the plain build of gqlws: an executable built with ThreadSanitizer crashed,
# rarely, inside the Swift runtime's generic metadata instantiation (a toolchain problem, not a
# report on this package's code); the client library itself runs in the test bundle, sanitized.
swift build --product gqlws
GQLWS_BIN="$(swift build --show-bin-path)/gqlws"
export GQLWS_BIN

socket_suites=SubscriptionsTransportWSAdapterTests

# Runs the test bundle $2 built with sanitizer $1, with Swift Testing's arguments $3...; fails on
# a failing test, a hang or any sanitizer report.
run_tests() {
    local sanitizer="$1" bundle="$2"
    shift 2
    local log test_status=0 reports
    log="$(mktemp)"
    echo "== ${sanitizer} sanitizer: testing ($*)"
    # halt_on_error=0 lets every test run; reports are counted below.
    TSAN_OPTIONS="halt_on_error=0 suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}" \
        ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}" \
        timeout -k 30 "${SANITIZER_TEST_SECONDS:-900}" "$bundle" --testing-library swift-testing "$@" >"$log" 2>&1 ||
        test_status=$?
    # A crash report's symbolizer (llvm-symbolizer) can outlive the crashed bundle.
    pkill -9 -f llvm-symbolizer || true
    if ((test_status == 124 || test_status == 137)); then
        echo "${sanitizer} sanitizer: the tests did not finish within ${SANITIZER_TEST_SECONDS:-900} s; still running:" >&2
        unfinished_tests "$log" >&2
    fi
    if ((test_status != 0)) && ! grep -q "Test run with" "$log"; then
        echo "${sanitizer} sanitizer: the test bundle ended without a result (exit ${test_status}); its last lines:" >&2
        tail -n 80 "$log" >&2
    fi
    reports="$(grep -c "^WARNING: ThreadSanitizer\|^==[0-9]*==ERROR: AddressSanitizer" "$log" || true)"
    grep -E "Test run with|Executed [0-9]+ tests" "$log" | tail -n 2
    if ((reports > 0)); then
        grep -A 30 -m 3 "^WARNING: ThreadSanitizer\|^==[0-9]*==ERROR: AddressSanitizer" "$log" >&2
        echo "${sanitizer} sanitizer: ${reports} report(s)" >&2
    elif ((test_status != 0)); then
        grep -E "✘|error:" "$log" | head -n 40 >&2
    fi
    echo "== ${sanitizer} sanitizer: ${reports} report(s)"
    rm -f "$log"
    ((test_status == 0 && reports == 0))
}

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
    # The bundle is run directly rather than through `swift test`, whose wait for the bundle's output
    # never ended when a crashed bundle left the sanitizer's symbolizer holding that output.
    bundle="$(swift build "${options[@]}" --show-bin-path)/SubscriptionsTransportWSPackageTests.xctest"
    run_tests "$sanitizer" "$bundle" --skip "$socket_suites" || status=1
    run_tests "$sanitizer" "$bundle" --filter "$socket_suites" --no-parallel || status=1
done
exit "$status"
