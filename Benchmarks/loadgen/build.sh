#!/usr/bin/env bash
# Builds loadgen and trivial-server into the folder given as first argument
# (default: Benchmarks/loadgen/.build-loadgen/). Rebuilds a program only when its sources changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/.build-loadgen}"
mkdir -p "$out"
for program in loadgen trivial-server; do
    source="$here/$program.c"
    binary="$out/$program"
    if [[ -x "$binary" && "$binary" -nt "$source" && "$binary" -nt "$here/common.h" && "$binary" -nt "$here/build.sh" ]]; then
        continue
    fi
    gcc -O2 -Wall -Wextra -o "$binary.tmp.$$" "$source"
    mv -f "$binary.tmp.$$" "$binary"
done
