#!/usr/bin/env bash
# Memory-topic benchmark (release build, wrk on 127.0.0.1):
#   1. GET /health, the reference: the same server's cheapest route, same load, same run;
#   2. single-event publishes of a ~300-byte event, 64 connections;
#   3. paged reads of the stored events (limit=1000) from random offsets;
#   4. resident memory of a fresh server holding 1,000,000 events, against their JSON size.
# Usage: infra/bench/memory.sh   (DURATION=15s CONNECTIONS=64 THREADS=2 to change the load)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"

ensure_wrk
build_release
WORK=$(mktemp -d)
trap 'stop_server; rm -rf "$WORK"' EXIT

start_server "$WORK/load"
create_topic bench '"adapter":"memory"'
wrk -t2 -c"$CONNECTIONS" -d3s "$BASE/health" >/dev/null  # warm up

run_wrk "GET /health (reference), $CONNECTIONS connections, $DURATION" get.lua "$BASE/health"
health=$RESULT
run_wrk "POST /topics/bench/events, one ~300-byte event per request" publish.lua "$BASE/topics/bench/events"
publish=$RESULT
head=$(topic_head bench)
HEAD=$head LIMIT=1000 TOPIC=bench run_wrk "GET /topics/bench/events?limit=1000 from random offsets below $head" read.lua "$BASE"
read=$RESULT
stop_server

echo "== 1,000,000 events in a fresh server's memory topic"
start_server "$WORK/memory"
create_topic mem '"adapter":"memory"'
sleep 1
rss_before=$(rss_kib "$SERVER_PID")
python3 "$ROOT/infra/bench/fill.py" "$BASE" mem 1000000 1
sleep 1
rss_after=$(rss_kib "$SERVER_PID")
count=$(topic_head mem)
served_bytes=$(curl -sf "$BASE/topics/mem/events?from=0&limit=10000" | python3 -c '
import json, sys
events = json.load(sys.stdin)["events"]
print(round(sum(len(json.dumps(e, separators=(",", ":"), ensure_ascii=False)) for e in events) / len(events), 1))')
stop_server

python3 - "$health" "$publish" "$read" "$rss_before" "$rss_after" "$count" "$served_bytes" <<'PY'
import sys
def parse(line): return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
health, publish, read = (parse(x) for x in sys.argv[1:4])
rss_before, rss_after, count, served = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
print("\n== Summary")
print(f"health:   {health['rps']:>10.0f} req/s  p50 {health['p50_ms']:.2f} ms  p99 {health['p99_ms']:.2f} ms")
print(f"publish:  {publish['rps']:>10.0f} req/s = events/s  p50 {publish['p50_ms']:.2f} ms  p99 {publish['p99_ms']:.2f} ms"
      f"  errors {int(publish['errors'])} non-2xx {int(publish['non2xx'])}")
print(f"publish / health: {publish['rps'] / health['rps'] * 100:.0f}%  (target >= 60%, p99 < 10 ms)")
print(f"reads:    {read['rps']:>10.0f} pages/s = {read['rps'] * 1000:.0f} events/s  p99 {read['p99_ms']:.2f} ms  (target >= 300000 events/s)")
growth = (rss_after - rss_before) * 1024
print(f"memory:   {count} events; RSS {rss_before / 1024:.0f} MiB -> {rss_after / 1024:.0f} MiB (+{growth / 2**20:.0f} MiB, {growth / count:.0f} B/event)")
print(f"          served JSON {served:.0f} B/event ({served * count / 2**20:.0f} MiB): RSS growth = {growth / (served * count):.2f}x, whole RSS = {rss_after * 1024 / (served * count):.2f}x (target < 3x)")
PY
