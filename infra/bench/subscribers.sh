#!/usr/bin/env bash
# Subscriber benchmark (release build, receiver on 127.0.0.1):
#   1. catch-up: one subscription (batch 100) to a memory topic holding 1,000,000 events; events/s delivered;
#   2. fan-out: 100 subscriptions on one memory topic while wrk publishes about 5,000 single events/s; every
#      subscriber's lag (callback arrival minus the oldest event's timestamp in the batch).
#      Fan-out subscriptions use batch_size FANOUT_BATCH and the server runs with --webhook-linger LINGER seconds.
# Usage: infra/bench/subscribers.sh
#   (EVENTS=1000000 SUBSCRIBERS=100 FANOUT_BATCH=1000 LINGER=0.1 PAUSE_MS=35 CONNECTIONS=256 DURATION=20s)
#   The pacing offers somewhat more than 5,000 requests/s at ~12 ms latency; the summary reports the rate reached.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EVENTS=${EVENTS:-1000000}
SUBSCRIBERS=${SUBSCRIBERS:-100}
export PAUSE_MS=${PAUSE_MS:-35}
CONNECTIONS=${CONNECTIONS:-256}
FANOUT_BATCH=${FANOUT_BATCH:-1000}
LINGER=${LINGER:-0.1}
DURATION=${DURATION:-20s}
source "$ROOT/infra/bench/lib.sh"

ensure_wrk
build_release
WORK=$(mktemp -d)
python3 -u "$ROOT/infra/bench/receiver.py" >"$WORK/receiver.log" 2>&1 &
RECEIVER_PID=$!
trap 'stop_server; kill $RECEIVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q port= "$WORK/receiver.log" && break; sleep 0.1; done
HOOKS="http://127.0.0.1:$(cut -d= -f2 "$WORK/receiver.log")"

subscribe() { # subscribe TOPIC HOOK BATCH
    curl -sf -X POST "$BASE/topics/$1/subscribe?from=0" -H 'content-type: application/json' \
        -d "{\"callback_url\":\"$HOOKS/hooks/$2\",\"batch_size\":$3}" >/dev/null
}
stats() { curl -sf "$HOOKS/stats"; }

start_server "$WORK/data" --max-subscriptions 1000 --webhook-linger "$LINGER" --webhook-allow 127.0.0.1
create_topic history '"adapter":"memory"'
echo "== filling a memory topic with $EVENTS events"
python3 "$ROOT/infra/bench/fill.py" "$BASE" history "$EVENTS" 2 >/dev/null

echo "== catch-up: one subscription, batch 100"
started=$(python3 -c 'import time; print(time.time())')
subscribe history catchup 100
for _ in $(seq 1 600); do
    delivered=$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin).get("catchup", {}).get("events", 0))')
    [ "$delivered" -ge "$EVENTS" ] && break
    sleep 0.5
done
catchup=$(stats | python3 -c "
import json, sys
s = json.load(sys.stdin)['catchup']
seconds = s['last'] - $started
print(f\"events={s['events']} requests={s['requests']} seconds={seconds:.2f} rate={s['events'] / seconds:.0f}\")")
echo "$catchup"
curl -sf -X DELETE "$HOOKS/stats"

echo "== fan-out: $SUBSCRIBERS subscriptions (batch $FANOUT_BATCH, linger $LINGER s), paced publishing ($CONNECTIONS connections, ${PAUSE_MS} ms pause, $DURATION)"
create_topic live '"adapter":"memory"'
for i in $(seq 1 "$SUBSCRIBERS"); do subscribe live "s$i" "$FANOUT_BATCH"; done
RESULT=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$LUA/publish.lua" "$BASE/topics/live/events" | grep '^RESULT')
echo "$RESULT"
head=$(topic_head live)
for _ in $(seq 1 60); do
    behind=$(stats | python3 -c "import json,sys; s=json.load(sys.stdin); print(sum(1 for i in range(1, $SUBSCRIBERS + 1) if s.get(f's{i}', {}).get('events', 0) < $head))")
    [ "$behind" -eq 0 ] && break
    sleep 0.5
done
rss=$(rss_kib "$SERVER_PID")

stats | python3 -c "
import json, sys
stats = json.load(sys.stdin)
publish = dict(p.split('=') for p in '''$RESULT'''.split()[1:])
catchup = dict(p.split('=') for p in '''$catchup'''.split())
head, subscribers = $head, $SUBSCRIBERS
complete = sum(1 for i in range(1, subscribers + 1) if stats.get(f's{i}', {}).get('events', 0) == head)
lags = sorted(lag for s in stats.values() for lag in s['lags'])
worst = max(max(s['lags']) for s in stats.values())
p99 = lags[int(len(lags) * 0.99)]
requests = sum(s['requests'] for s in stats.values())
print()
print('== Summary')
print(f\"catch-up: {int(catchup['events'])} events in {catchup['seconds']} s = {catchup['rate']} events/s, {catchup['requests']} callbacks of 100 (target >= 50000 events/s)\")
print(f\"fan-out:  publishing {float(publish['rps']):.0f} events/s (p99 {float(publish['p99_ms']):.2f} ms, non-2xx {publish['non2xx']}), head {head}\")
print(f'          {complete}/{subscribers} subscribers received all {head} events; {requests} callbacks ({requests / subscribers:.0f} per subscriber)')
print(f'          lag over every callback: p50 {lags[len(lags) // 2] * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {worst * 1000:.1f} ms (target: every subscriber under 1 s)')
print(f'          server RSS with {subscribers} subscriptions and the {int(catchup[\"events\"])}-event topic of the catch-up: {$rss / 1024:.0f} MiB')
"
