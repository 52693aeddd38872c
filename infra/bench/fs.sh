#!/usr/bin/env bash
# fs-topic benchmark (release build, wrk and fio on this machine's disk):
#   1. fio: fdatasync'ed 4 KiB writes, the disk's own sync rate, the reference;
#   2. single-event publishes (~300 bytes, 64 connections) to a memory topic and to an fs topic, same run;
#      the server's own fsyncs/s from /metrics;
#   3. paged reads (limit=1000) of the fs topic from random offsets;
#   4. a topic of OPEN_EVENTS (default 10,000,000) events: time from process start to listening, and RSS.
# Usage: infra/bench/fs.sh   (DURATION, CONNECTIONS, THREADS, OPEN_EVENTS, BENCH_DIR to change; BENCH_DIR must be
# on the disk to measure, default a temporary directory)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"
OPEN_EVENTS=${OPEN_EVENTS:-10000000}

ensure_wrk
command -v fio >/dev/null || { apt-get update -qq && apt-get install -y -qq fio >/dev/null; }
build_release
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'stop_server; rm -rf "$WORK"' EXIT

echo "== fio: 4 KiB writes, fdatasync after each, 15 s"
fio --name=fdatasync --directory="$WORK" --rw=write --bs=4k --size=256m --fdatasync=1 --runtime=15 --time_based \
    --output-format=json >"$WORK/fio.json"
fio_syncs=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["jobs"][0]["write"]["iops"]))' "$WORK/fio.json")
rm -f "$WORK"/fdatasync.*
echo "fio fdatasyncs/s: $fio_syncs"

fsyncs() {
    curl -sf "$BASE/metrics" | awk -v t="$1" '$1 == "eventstore_fs_fsyncs_total{topic=\"" t "\"}" {print $2}'
}

start_server "$WORK/server"
create_topic mem '"adapter":"memory"'
create_topic disk "\"adapter\":\"fs\",\"connection\":\"$WORK/server/topics\",\"options\":{\"createDirIfNotExist\":\"true\"}"
wrk -t2 -c"$CONNECTIONS" -d3s "$BASE/health" >/dev/null  # warm up

run_wrk "POST to a memory topic, one ~300-byte event per request" publish.lua "$BASE/topics/mem/events"
memory=$RESULT
before=$(fsyncs disk)
run_wrk "POST to an fs topic (fdatasync before every acknowledgement)" publish.lua "$BASE/topics/disk/events"
fs=$RESULT
after=$(fsyncs disk)
head=$(topic_head disk)
HEAD=$head LIMIT=1000 TOPIC=disk run_wrk "GET /topics/disk/events?limit=1000 from random offsets below $head" read.lua "$BASE"
read=$RESULT
stop_server

echo "== opening a topic of $OPEN_EVENTS events"
start_server "$WORK/big"
create_topic big "\"adapter\":\"fs\",\"connection\":\"$WORK/big/topics\",\"options\":{\"createDirIfNotExist\":\"true\"}"
python3 "$ROOT/infra/bench/fill.py" "$BASE" big "$OPEN_EVENTS" 4
stored=$(topic_head big)
stop_server
started=$(date +%s.%N)
start_server "$WORK/big"
listening=$(date +%s.%N)
curl -sf "$BASE/topics/big/events?from=$((stored - 10))&limit=10" >/dev/null
open_rss=$(rss_kib "$SERVER_PID")
open_head=$(topic_head big)
stop_server
disk_bytes=$(du -sb "$WORK/big/events/big" | cut -f1)

python3 - "$fio_syncs" "$memory" "$fs" "$read" "$before" "$after" "$stored" "$open_head" "$started" "$listening" "$open_rss" "$disk_bytes" <<'PY'
import sys
def parse(line): return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
fio = int(sys.argv[1])
memory, fs, read = (parse(x) for x in sys.argv[2:5])
syncs = (float(sys.argv[6]) - float(sys.argv[5])) / fs["seconds"]
stored, head = int(sys.argv[7]), int(sys.argv[8])
open_seconds = float(sys.argv[10]) - float(sys.argv[9])
rss, disk = int(sys.argv[11]), int(sys.argv[12])
print("\n== Summary")
print(f"fio:          {fio:>8} fdatasyncs/s (4 KiB writes)")
print(f"memory topic: {memory['rps']:>8.0f} events/s  p99 {memory['p99_ms']:.2f} ms")
print(f"fs topic:     {fs['rps']:>8.0f} events/s  p50 {fs['p50_ms']:.2f} ms  p99 {fs['p99_ms']:.2f} ms  errors {int(fs['errors'])} non-2xx {int(fs['non2xx'])}")
print(f"              {fs['rps'] / memory['rps'] * 100:.0f}% of the memory topic (target >= 60%, and >= 15000 events/s)")
print(f"              server fdatasyncs/s {syncs:.0f} = {fs['rps'] / max(syncs, 1):.1f} events per sync;"
      f" events/s = {fs['rps'] / fio:.1f}x fio's syncs/s (target >= 4x)")
print(f"fs reads:     {read['rps'] * 1000:>8.0f} events/s (limit=1000, p99 {read['p99_ms']:.1f} ms; target >= 200000)")
print(f"open:         {head} events ({disk / 2**30:.2f} GiB on disk): process start to listening {open_seconds:.2f} s (target < 1 s),"
      f" RSS {rss / 1024:.0f} MiB (target < 200 MB)")
assert head == stored, f"reopened head {head} != stored {stored}"
PY
