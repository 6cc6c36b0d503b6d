#!/usr/bin/env bash
# The server's cost per connection set-up: CPU time and context switches, read around one
# `loadgen setup` run, with the server on core 0 and the load client on core 1.
#
#     Benchmarks/setup-cost.sh SERVER_BINARY [rounds of 1,000 connections, default 5] [protocol]
#
# SERVER_BINARY takes `--host` and `--port` (the demo server, a build of it from another commit).
# Needs `perf` for the context switches and the load client (Benchmarks/loadgen/build.sh).
set -euo pipefail
server="$1"
rounds="${2:-5}"
protocol="${3:-graphql-transport-ws}"
port=18080
loadgen="$(dirname "${BASH_SOURCE[0]}")/loadgen/.build-loadgen/loadgen"
ulimit -n "$(ulimit -Hn)"

taskset -c 0 "$server" --host 127.0.0.1 --port "$port" > /dev/null 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null || true' EXIT
sleep 2
switches="$(mktemp)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
before="$(cpu_ticks)"
# perf counts the server's context switches while the load client runs.
result="$(perf stat -e context-switches -x, -o "$switches" -p "$pid" -- \
    taskset -c 1 "$loadgen" setup --protocol "$protocol" --connections 1000 --rounds "$rounds" \
    --url "ws://127.0.0.1:$port/graphql" 2> /dev/null | tail -1)"
after="$(cpu_ticks)"
count="$(grep context-switches "$switches" | cut -d, -f1)"
rm -f "$switches"
setups=$((rounds * 1000))
ticks_per_second="$(getconf CLK_TCK)"
echo "$result" | grep -o '"perSecond":{[^}]*}'
awk -v ticks="$((after - before))" -v hz="$ticks_per_second" -v n="$setups" -v cs="$count" \
    'BEGIN { printf "server CPU per set-up: %.3f ms; context switches per set-up: %.2f\n", ticks * 1000 / hz / n, cs / n }'
