#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ (the protocols' decoders and server state machines, under
# AddressSanitizer) and runs each for a number of inputs: `scripts/fuzz.sh [runs]`, by default
# 1,000,000 per target (the long pass); CI runs a short one through scripts/test.sh (FUZZ_RUNS).
# Exits non-zero if a target crashes or breaks an invariant; the input that did it is kept in
# Fuzz/.build-fuzz/crashes/ and printed in base64, to become a regression test.
#
# Needs a Swift toolchain with libFuzzer (the swift.org Linux toolchains). The corpora libFuzzer
# grows are kept in Fuzz/.build-fuzz/corpus/ and reused by the next run; the seeds are in
# Fuzz/Corpus/. FUZZ_JOBS (default 1) runs that many targets at once.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

runs="${1:-1000000}"
jobs="${FUZZ_JOBS:-1}"
scratch=Fuzz/.build-fuzz
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c release
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
targets=(FuzzGraphQLWSDecoder FuzzGraphQLTransportWSDecoder FuzzGraphQLWSMachine FuzzGraphQLTransportWSMachine)

start=$SECONDS
"${build[@]}"
echo "fuzz targets built in $((SECONDS - start)) s"
bin="$("${build[@]}" --show-bin-path)"
mkdir -p "$scratch/crashes" "$scratch/logs"

# Runs one target; its libFuzzer output goes to a log, of which the summary is printed.
run_target() {
    local target="$1" corpus="$scratch/corpus/$1" log="$scratch/logs/$1.log" options=() status=0
    mkdir -p "$corpus"
    [[ "$target" == *Decoder ]] && options+=(-dict=Fuzz/protocol-json.dict)
    local began=$SECONDS
    # The Swift runtime's crash backtracer reads the stack in a way AddressSanitizer reports as a
    # second error; libFuzzer prints the stack itself.
    SWIFT_BACKTRACE=enable=no "$bin/$target" -runs="$runs" -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="$scratch/crashes/$target-" "${options[@]}" "$corpus" "Fuzz/Corpus/$target" \
        >"$log" 2>&1 || status=$?
    local executed
    executed="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    if ((status == 0)); then
        echo "$target: $executed inputs in $((SECONDS - began)) s, no crash"
    else
        echo "$target: FAILED (exit $status) after $((SECONDS - began)) s; log $log" >&2
        grep -E 'invariant violated|ERROR:|inputs of the failing program' -A30 "$log" | grep -v '^    #' | head -40 >&2 || true
        grep -E 'Test unit written to|^Base64:' "$log" >&2 || true
    fi
    return "$status"
}

failed=0
pids=()
for target in "${targets[@]}"; do
    run_target "$target" &
    pids+=($!)
    if ((${#pids[@]} >= jobs)); then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || failed=1
done
if ((failed)); then
    echo "fuzzing found a crash or a broken invariant" >&2
    exit 1
fi
echo "fuzzing: ${#targets[@]} targets, $runs inputs each, no crash"
