#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the pub/sub tests and benchmarks: its own data
# directory under /tmp, listening on 127.0.0.1 only, on a free port. Installs nothing: it needs
# Debian's `postgresql` package (apt-get install -y postgresql).
#
# Prints shell `export` lines; load them with
#     eval "$(scripts/start-postgres.sh)"
# which sets
#     POSTGRES_URL       postgres://pubsub:pubsub@127.0.0.1:PORT/pubsub   (the tests need this)
#     POSTGRES_DATA_DIR  the cluster's data directory     } the restart test uses these to stop
#     POSTGRES_BIN_DIR   the directory of pg_ctl          } and start the server while events
#     POSTGRES_RUN_AS    the user the server runs as      } are being published
# Stop and delete the cluster with scripts/stop-postgres.sh (it reads POSTGRES_DATA_DIR).
#
# PostgreSQL refuses to run as root, so when run as root the server runs as the `postgres`
# user that Debian's package creates (override with POSTGRES_RUN_AS).
set -euo pipefail

bin_dir="${POSTGRES_BIN_DIR:-}"
if [[ -z "$bin_dir" ]]; then
    bin_dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [[ -z "$bin_dir" || ! -x "$bin_dir/pg_ctl" ]]; then
    echo "PostgreSQL server binaries not found; install them with: apt-get install -y postgresql" >&2
    exit 1
fi

if [[ "$(id -u)" == 0 ]]; then
    run_as="${POSTGRES_RUN_AS:-postgres}"
else
    run_as="$(id -un)"
fi
as_server_user() {
    if [[ "$(id -un)" == "$run_as" ]]; then
        "$@"
    else
        runuser -u "$run_as" -- "$@"
    fi
}

# A free port: bind port 0 and read what the kernel chose (a race with other programs is
# possible but harmless here: pg_ctl would fail loudly).
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

data_dir="$(mktemp -d /tmp/pubsub-postgres.XXXXXX)"
chown "$run_as" "$data_dir"
chmod 700 "$data_dir"

password_file="$(mktemp)"
echo "postgres" >"$password_file"
chown "$run_as" "$password_file"
as_server_user "$bin_dir/initdb" -D "$data_dir" --username=postgres --pwfile="$password_file" \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$data_dir.initdb.log" 2>&1 || {
    cat "$data_dir.initdb.log" >&2
    exit 1
}
rm -f "$password_file" "$data_dir.initdb.log"

# Everything the server needs is in its own postgresql.conf, so a plain `pg_ctl start -D` (as the
# restart test does) brings it back on the same address and port.
cat >>"$data_dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data_dir'
max_connections = 200
CONF

as_server_user "$bin_dir/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w -t 60 start >/dev/null

as_server_user "$bin_dir/psql" -h "$data_dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL >/dev/null
CREATE ROLE pubsub LOGIN PASSWORD 'pubsub';
CREATE DATABASE pubsub OWNER pubsub;
SQL

cat <<EXPORTS
export POSTGRES_URL='postgres://pubsub:pubsub@127.0.0.1:$port/pubsub?sslmode=disable'
export POSTGRES_DATA_DIR='$data_dir'
export POSTGRES_BIN_DIR='$bin_dir'
export POSTGRES_RUN_AS='$run_as'
EXPORTS
