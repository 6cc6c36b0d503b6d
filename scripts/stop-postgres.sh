#!/usr/bin/env bash
# Stops the throwaway PostgreSQL server that scripts/start-postgres.sh started and deletes its
# data directory. Reads POSTGRES_DATA_DIR, POSTGRES_BIN_DIR and POSTGRES_RUN_AS as that script
# exported them; does nothing if POSTGRES_DATA_DIR is unset.
set -euo pipefail

data_dir="${POSTGRES_DATA_DIR:-}"
[[ -n "$data_dir" && -d "$data_dir" ]] || exit 0
bin_dir="${POSTGRES_BIN_DIR:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}"
run_as="${POSTGRES_RUN_AS:-$(id -un)}"

if [[ "$(id -un)" == "$run_as" ]]; then
    "$bin_dir/pg_ctl" -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
else
    runuser -u "$run_as" -- "$bin_dir/pg_ctl" -D "$data_dir" -m immediate -w stop >/dev/null 2>&1 || true
fi
rm -rf "$data_dir"
