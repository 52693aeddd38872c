#!/usr/bin/env bash
# Event-stream benchmark (release build): STREAMS (100) Server-Sent-Events readers follow one topic (ADAPTER: memory,
# the default, or fs) while single events are published at RATE (1,000) per second for DURATION_SECONDS (20), all
# from infra/bench/streams.py. Targets: every reader receives every event; the p99 delay from append to receipt (each
# chunk's oldest event) under 500 ms; publishing keeps the pace (publish_rate near RATE). SERVER_FLAGS go to the
# server (for example --fs-recent-bytes 0, to read every page of an fs topic from its files).
# Usage: infra/bench/streams.sh   (STREAMS, RATE, DURATION_SECONDS, ADAPTER, SERVER_FLAGS, BENCH_DIR)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"
STREAMS=${STREAMS:-100}
RATE=${RATE:-1000}
SECONDS_=${DURATION_SECONDS:-20}

build_release
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'stop_server; rm -rf "$WORK"' EXIT
# shellcheck disable=SC2086  # SERVER_FLAGS is a list of flags
start_server "$WORK/data" ${SERVER_FLAGS:-}
case "${ADAPTER:-memory}" in
    memory) create_topic live '"adapter":"memory"' ;;
    fs) create_topic live "\"adapter\":\"fs\",\"connection\":\"$WORK/data/topics\",\"options\":{\"createDirIfNotExist\":\"true\"}" ;;
    *) echo "ADAPTER must be memory or fs" >&2; exit 2 ;;
esac
echo "== $STREAMS streams on one topic, $RATE publishes/s for $SECONDS_ s"
result=$(python3 "$ROOT/infra/bench/streams.py" "$BASE" live "$STREAMS" "$RATE" "$SECONDS_")
echo "$result"
head=$(topic_head live)
echo
echo "== Summary"
STREAMS_RESULT="$result" python3 - "$head" "$RATE" <<'PY'
import os, sys
fields = dict(item.split("=") for item in os.environ["STREAMS_RESULT"].split()[1:])
head, rate = int(sys.argv[1]), sys.argv[2]
print("streams:     %s readers; published %s events at %s/s (target %s/s), head %d" % (fields["streams"], fields["published"], fields["publish_rate"], rate, head))
print("delivery:    every reader got between %s and %s of %d events (target: all)" % (fields["delivered_min"], fields["delivered_max"], head))
print("delay:       p50 %s ms, p99 %s ms, max %s ms over %s chunks (target p99 < 500 ms)" % (fields["p50_ms"], fields["p99_ms"], fields["max_ms"], fields["chunks"]))
PY
