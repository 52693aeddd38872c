#!/usr/bin/env bash
# Blob benchmark (release build, against the fake Blob service of the test tree, on 127.0.0.1):
#   1. the reference: sequential Append Blocks (appendpos-conditioned, one client, one blob) to the fake service,
#      signed by Microsoft's code (blob_reference.py);
#   2. single-event publishes (~300 bytes) from CONNECTIONS (64) connections to a blob topic: target >= 5x the
#      reference (what group commit buys);
#   3. reads of 1,000 events at a time from random offsets of a blob topic holding READ_EVENTS (100,000) events:
#      target >= 100,000 events/s on an idle machine.
# Usage: infra/bench/blob.sh   (DURATION, CONNECTIONS, THREADS, READ_EVENTS)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"
READ_EVENTS=${READ_EVENTS:-100000}

ensure_wrk
python3 -c 'import azure.storage.blob' 2>/dev/null || python3 -m pip install --quiet azure-storage-blob
build_release
WORK=$(mktemp -d)
python3 "$ROOT/test/FakeBlobService/fake_blob_server.py" >"$WORK/fake.log" 2>&1 &
FAKE_PID=$!
trap 'stop_server; kill $FAKE_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q listening "$WORK/fake.log" && break; sleep 0.1; done
FAKE_PORT=$(awk '/listening/ {print $2}' "$WORK/fake.log")
CONNECTION="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$FAKE_PORT/devstoreaccount1"
blob_topic() { echo "\"adapter\":\"blob\",\"connection\":\"$CONNECTION\",\"options\":{\"container\":\"events\",\"createContainerIfNotExist\":\"true\",\"prefix\":\"$1\"}"; }

seconds=${DURATION%s}
echo "== reference: sequential appendpos-conditioned Append Blocks, one client, one blob, ${seconds}s"
reference=$(python3 "$ROOT/infra/bench/blob_reference.py" "$FAKE_PORT" "$seconds" | grep '^RESULT')
echo "$reference"

start_server "$WORK/server" --blob-allow 127.0.0.1
create_topic publish "$(blob_topic publish)"
run_wrk "POST to a blob topic, one ~300-byte event per request, $CONNECTIONS connections" publish.lua "$BASE/topics/publish/events"
publish=$RESULT

create_topic reads "$(blob_topic reads)"
python3 "$ROOT/infra/bench/fill.py" "$BASE" reads "$READ_EVENTS" 2 >/dev/null
head=$(topic_head reads)
HEAD=$head LIMIT=1000 TOPIC=reads run_wrk "GET /topics/reads/events?limit=1000 from random offsets below $head" read.lua "$BASE"
read=$RESULT

python3 - "$reference" "$publish" "$read" <<'PY'
import sys
def parse(line): return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
reference, publish, read = (parse(x) for x in sys.argv[1:4])
print("\n== Summary")
print(f"reference:  {reference['rate']:>9.0f} Append Blocks/s (sequential, appendpos-conditioned, one client, one blob)")
print(f"publishing: {publish['rps']:>9.0f} events/s from 64 connections, single events: {publish['rps'] / reference['rate']:.1f}x the reference"
      f" (target >= 5x); p99 {publish['p99_ms']:.1f} ms; errors {int(publish['errors'])} non-2xx {int(publish['non2xx'])}")
print(f"reads:      {read['rps'] * 1000:>9.0f} events/s in pages of 1,000 (target >= 100,000 on an idle machine); p99 {read['p99_ms']:.1f} ms;"
      f" non-2xx {int(read['non2xx'])}")
PY
