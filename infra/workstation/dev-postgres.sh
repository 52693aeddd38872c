#!/usr/bin/env bash
# A local PostgreSQL for development, listening on 127.0.0.1 only (and a Unix socket in its own directory), with the
# server binaries of `apt install postgresql` (setup-debian.sh installs them). The tests do not need it: they start
# their own throwaway cluster (or use EVENTSTORE_TEST_POSTGRES_URL).
#
#   infra/workstation/dev-postgres.sh start     # first time: initdb, user and database "eventstore", random password
#   infra/workstation/dev-postgres.sh url       # postgresql://eventstore:<password>@127.0.0.1:55432/eventstore
#   swift run eventstore-api --catalog "$(infra/workstation/dev-postgres.sh url)"
#   infra/workstation/dev-postgres.sh psql      # a psql session on the database
#   infra/workstation/dev-postgres.sh status | stop
#
# Settings: EVENTSTORE_DEV_PG_DIR (default ${XDG_DATA_HOME:-~/.local/share}/eventstore/postgres, or
# /var/lib/eventstore-dev/postgres for root), EVENTSTORE_DEV_PG_PORT (55432), EVENTSTORE_TEST_PG_BIN (the newest
# /usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root: as root the server runs as the postgres user.
set -euo pipefail

if [ "$(id -u)" = 0 ]; then
    dir=${EVENTSTORE_DEV_PG_DIR:-/var/lib/eventstore-dev/postgres}
else
    dir=${EVENTSTORE_DEV_PG_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/eventstore/postgres}
fi
port=${EVENTSTORE_DEV_PG_PORT:-55432}
pg_bin=${EVENTSTORE_TEST_PG_BIN:-}
if [ -z "$pg_bin" ]; then
    pg_bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -1)
fi
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "dev-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (run infra/workstation/setup-debian.sh)" >&2
    exit 1
fi

# Runs a PostgreSQL command as the user owning the cluster.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

password() {
    cat "$dir/password"
}

url() {
    echo "postgresql://eventstore:$(password)@127.0.0.1:$port/eventstore"
}

init() {
    [ -f "$dir/data/PG_VERSION" ] && return 0
    echo "dev-postgres: creating a cluster in $dir/data"
    mkdir -p "$dir/socket"
    chmod 0700 "$dir"
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/password")
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres:postgres "$dir"
    fi
    as_owner "$pg_bin/initdb" --pgdata="$dir/data" --username=eventstore --pwfile="$dir/password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions >/dev/null
    # Loopback and this directory's socket only, whatever the distribution's defaults say.
    as_owner tee -a "$dir/data/postgresql.conf" >/dev/null <<EOF

# infra/workstation/dev-postgres.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir/socket'
include_if_exists = 'dev-port.conf'
EOF
}

running() {
    as_owner "$pg_bin/pg_ctl" --pgdata="$dir/data" status >/dev/null 2>&1
}

start() {
    init
    if running; then
        echo "dev-postgres: already running: $(url)"
        return 0
    fi
    echo "port = $port" | as_owner tee "$dir/data/dev-port.conf" >/dev/null
    as_owner "$pg_bin/pg_ctl" --pgdata="$dir/data" --log="$dir/postgres.log" --wait --silent start
    if ! PGPASSWORD=$(password) "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U eventstore -d postgres -Atqc \
        "SELECT 1 FROM pg_database WHERE datname = 'eventstore'" | grep -q 1; then
        PGPASSWORD=$(password) "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U eventstore -d postgres -qc \
            'CREATE DATABASE eventstore' >/dev/null
    fi
    echo "dev-postgres: running (log $dir/postgres.log): $(url)"
}

stop() {
    if running; then
        as_owner "$pg_bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --silent stop
        echo "dev-postgres: stopped"
    else
        echo "dev-postgres: not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status)
        if running; then echo "dev-postgres: running: $(url)"; else echo "dev-postgres: not running"; exit 3; fi
        ;;
    url) url ;;
    psql)
        shift
        PGPASSWORD=$(password) exec "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U eventstore -d eventstore "$@"
        ;;
    *)
        echo "usage: $0 start|stop|status|url|psql [psql arguments]" >&2
        exit 2
        ;;
esac
