#!/usr/bin/env bash
# postgres-topic benchmark (release build; a throwaway PostgreSQL 15 on this machine, default durability:
# fsync on, synchronous_commit on):
#   1. pgbench, the reference: a one-row insert of a ~300-byte row per transaction, 1 client (the rate a writer
#      serialised on a topic reaches without group commit) and 64 clients;
#   2. single-event publishes (64 connections) to a postgres topic;
#   3. publishes of 100-event batches;
#   4. paged reads (limit=1000) from random offsets;
#   5. the database's own ceiling for one topic: appends are serialised per topic, so one backend inserts them all;
#      a single COPY of COPY_ROWS of the stored events into an empty table laid out like the topic's (same columns
#      and indexes) is the fastest that one backend inserts these rows, with no HTTP, no server and no commits.
# Usage: infra/bench/postgres.sh   (DURATION, CONNECTIONS, THREADS to change the load)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

ensure_wrk
build_release
WORK=$(mktemp -d)
chmod 755 "$WORK"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'stop_server; as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
as_postgres "$PG_BIN/initdb" -D "$WORK/pg/data" -U postgres -A trust >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null
URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"

echo "== pgbench: one-row insert per transaction, ${DURATION}"
PAYLOAD=$(python3 -c 'print("x" * 300)')
"$PG_BIN/psql" "$URL" -q -c "CREATE TABLE bench (id bigserial PRIMARY KEY, payload text)"
echo "INSERT INTO bench (payload) VALUES ('$PAYLOAD');" >"$WORK/insert.sql"
pgbench_tps() { # clients
    "$PG_BIN/pgbench" -n -c "$1" -j 2 -T "${DURATION%s}" -f "$WORK/insert.sql" "$URL" | awk '/^tps/ {print int($3)}'
}
pg1=$(pgbench_tps 1)
echo "pgbench 1 client: $pg1 tps"
pg64=$(pgbench_tps 64)
echo "pgbench 64 clients: $pg64 tps"

start_server "$WORK/server" --postgres-allow "127.0.0.1:$PG_PORT"
create_topic pg "\"adapter\":\"postgres\",\"connection\":\"$URL\",\"options\":{\"poolSize\":8}"
wrk -t2 -c"$CONNECTIONS" -d3s "$BASE/health" >/dev/null  # warm up
run_wrk "POST to a postgres topic, one ~300-byte event per request" publish.lua "$BASE/topics/pg/events"
single=$RESULT
BATCH=100 run_wrk "POST to a postgres topic, 100 events per request" batch.lua "$BASE/topics/pg/events"
batch=$RESULT
head=$(topic_head pg)
HEAD=$head LIMIT=1000 TOPIC=pg run_wrk "GET /topics/pg/events?limit=1000 from random offsets below $head" read.lua "$BASE"
read=$RESULT

COPY_ROWS=${COPY_ROWS:-200000}
echo "== PostgreSQL alone: one COPY of $COPY_ROWS stored events into an empty table laid out like the topic's"
rows=$("$PG_BIN/psql" "$URL" -qAt -c "COPY (SELECT * FROM events_pg ORDER BY \"offset\" LIMIT $COPY_ROWS) TO '$WORK/pg/rows.copy'" \
    -c "CREATE TABLE copy_ceiling (LIKE events_pg INCLUDING ALL)" -c "SELECT count(*) FROM events_pg" | tail -1)
[ "$rows" -ge "$COPY_ROWS" ] || { echo "the topic holds only $rows events; raise DURATION or lower COPY_ROWS" >&2; exit 1; }
copy_ms=$("$PG_BIN/psql" "$URL" -qAt -c '\timing on' -c "COPY copy_ceiling FROM '$WORK/pg/rows.copy'" | awk '/^Time:/ {print $2}')
echo "COPY $COPY_ROWS rows: $copy_ms ms"

python3 - "$pg1" "$pg64" "$single" "$batch" "$read" "$COPY_ROWS" "$copy_ms" <<'PY'
import sys
def parse(line): return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
pg1, pg64 = int(sys.argv[1]), int(sys.argv[2])
single, batch, read = (parse(x) for x in sys.argv[3:6])
copy_rows, copy_ms = int(sys.argv[6]), float(sys.argv[7])
copy_rate = copy_rows / (copy_ms / 1000)
print("\n== Summary")
print(f"pgbench insert: 1 client {pg1} tps, 64 clients {pg64} tps")
print(f"single-event publish: {single['rps']:.0f} events/s (p99 {single['p99_ms']:.2f} ms, non-2xx {int(single['non2xx'])})"
      f" = {single['rps'] / pg1:.1f}x pgbench 1 client (targets: >= 10000 events/s, >= 3x)")
print(f"batch publish: {batch['rps']:.0f} req/s = {batch['rps'] * 100:.0f} events/s (target >= 100000)"
      f" = {batch['rps'] * 100 / copy_rate * 100:.0f}% of the COPY ceiling")
print(f"COPY ceiling: {copy_rate:.0f} rows/s ({copy_ms / copy_rows * 1000:.1f} us of one backend per row, no commits,"
      f" same columns and indexes)")
print(f"paged reads: {read['rps']:.0f} pages/s = {read['rps'] * 1000:.0f} events/s (target >= 150000)")
PY
