#!/usr/bin/env bash
# Projection benchmark (release build, on this machine's disk):
#   1. eventstore-replay of a state-by-key projection over REPLAY_EVENTS (default 1,000,000) events of an fs topic
#      with REPLAY_KEYS (default 100,000) keys, against the reference: a plain in-process read of the same events
#      (eventstore-replay --scan, same process kind, same pages). Targets: >= half the read rate, >= 200,000 events/s.
#   2. single-event publishes (~300 bytes, CONNECTIONS=64) to an fs topic with three projections (stats,
#      latest-by-key, state-by-key) against an fs topic without any, same server, same run, ROUNDS (4) rounds
#      in ABBA order (the means compared): target >= 85%; and,
#      in a round of its own under the same load with projections, the time from a publish's 201 to a projection
#      checkpoint covering it (checkpoint_lag.py): target p99 < 200 ms.
# Usage: infra/bench/projections.sh   (DURATION, CONNECTIONS, THREADS, ROUNDS, REPLAY_EVENTS, REPLAY_KEYS, BENCH_DIR)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/infra/bench/lib.sh"
REPLAY_EVENTS=${REPLAY_EVENTS:-1000000}
REPLAY_KEYS=${REPLAY_KEYS:-100000}

ensure_wrk
build_release
swift build -c release --product eventstore-replay --package-path "$ROOT" 2>&1 | tail -1
REPLAY="$ROOT/.build/release/eventstore-replay"
WORK=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$WORK"
trap 'stop_server; rm -rf "$WORK"' EXIT
fs_binding() { echo "\"adapter\":\"fs\",\"connection\":\"$WORK/$1/topics\",\"options\":{\"createDirIfNotExist\":\"true\"}"; }

echo "== filling an fs topic with $REPLAY_EVENTS events over $REPLAY_KEYS keys"
start_server "$WORK/replay"
create_topic big "$(fs_binding replay),\"projections\":[{\"name\":\"state\",\"kind\":\"state-by-key\"}]"
python3 "$ROOT/infra/bench/fill.py" "$BASE" big "$REPLAY_EVENTS" 4 "$REPLAY_KEYS" >/dev/null
stored=$(topic_head big)
curl -sf "$BASE/topics/big/projections/state?limit=1&min_checkpoint=$stored&wait=30" >/dev/null
stop_server

echo "== plain read (eventstore-replay --scan), then the rebuild (eventstore-replay), server stopped"
scan=$("$REPLAY" --data-dir "$WORK/replay" --topic big --scan)
echo "$scan"
rebuild=$("$REPLAY" --data-dir "$WORK/replay" --topic big --projection state)
echo "$rebuild"

echo "== publishing with and without projections"
start_server "$WORK/publish"
create_topic plain "$(fs_binding publish)"
create_topic projected "$(fs_binding publish),\"projections\":[{\"name\":\"stats\",\"kind\":\"stats\"},{\"name\":\"latest\",\"kind\":\"latest-by-key\"},{\"name\":\"state\",\"kind\":\"state-by-key\"}]"
wrk -t2 -c"$CONNECTIONS" -d3s "$BASE/health" >/dev/null  # warm up
# ROUNDS (4; keep it even) rounds without any other load, the order swapped every round (plain first, then projected
# first: ABBA), so neither side always runs on the warmer or the more tired disk; after a run with projections, they
# catch up before the next run starts, so their backlog never lands in the other side's figures. Then one more run with
# projections under the checkpoint probe, for the lag alone (the probe's own requests would otherwise count against
# the side with projections).
seconds=${DURATION%s}
plain=()
projected=()
run_plain() {
    run_wrk "round $1: POST to an fs topic without projections, one ~300-byte event per request" publish.lua "$BASE/topics/plain/events"
    plain+=("$RESULT")
}
run_projected() {
    run_wrk "round $1: POST to an fs topic with three projections" publish.lua "$BASE/topics/projected/events"
    projected+=("$RESULT")
    local head
    head=$(topic_head projected)
    for projection in stats latest state; do
        local tries=0
        until curl -sf "$BASE/topics/projected/projections/$projection?limit=1&min_checkpoint=$head&wait=30" >/dev/null; do
            tries=$((tries + 1))
            if [ "$tries" -ge 10 ]; then
                echo "projection $projection did not catch up to $head in 5 minutes" >&2
                exit 1
            fi
        done
    done
}
for round in $(seq 1 "${ROUNDS:-4}"); do
    if [ $((round % 2)) = 1 ]; then
        run_plain "$round"
        run_projected "$round"
    else
        run_projected "$round"
        run_plain "$round"
    fi
done
python3 "$ROOT/infra/bench/checkpoint_lag.py" "$BASE" projected state "$seconds" >"$WORK/lag.txt" &
lag_pid=$!
run_wrk "checkpoint probe: POST to the topic with three projections while the probe runs" publish.lua "$BASE/topics/projected/events"
wait "$lag_pid"
grep '^RESULT' "$WORK/lag.txt"
lag=$(grep -h '^RESULT' "$WORK/lag.txt")
head=$(topic_head projected)
curl -sf "$BASE/topics/projected/projections/stats?min_checkpoint=$head&wait=30" >/dev/null
stop_server

plain_lines=$(printf '%s\n' "${plain[@]}")
projected_lines=$(printf '%s\n' "${projected[@]}")
python3 - "$scan" "$rebuild" "$plain_lines" "$projected_lines" "$lag" <<'PY'
import re, sys
def rate(line): return float(re.search(r"\((\d+) events/s\)", line).group(1))
def parse(line): return {k: float(v) for k, v in (p.split("=") for p in line.split()[1:])}
def mean(lines):
    rows = [parse(line) for line in lines.splitlines() if line.strip()]
    return {k: sum(row[k] for row in rows) / len(rows) for k in rows[0]}, [row["rps"] for row in rows]
scan, rebuild = rate(sys.argv[1]), rate(sys.argv[2])
(plain, plain_rates), (projected, projected_rates), lag = mean(sys.argv[3]), mean(sys.argv[4]), parse(sys.argv[5])
print("\n== Summary")
print(f"replay:      {rebuild:>9.0f} events/s state-by-key rebuild; plain read {scan:.0f} events/s;"
      f" {rebuild / scan * 100:.0f}% of the read (target >= 50%, and >= 200000 events/s)")
print(f"publishing:  {projected['rps']:>9.0f} events/s with 3 projections, {plain['rps']:.0f} without (means of {len(plain_rates)} rounds, ABBA order):"
      f" {projected['rps'] / plain['rps'] * 100:.0f}% (target >= 85%); errors {int(projected['errors'])} non-2xx {int(projected['non2xx'])}")
print("             per round: " + ", ".join(f"{p:.0f}/{q:.0f} = {p / q * 100:.0f}%" for p, q in zip(projected_rates, plain_rates)))
print(f"checkpoint:  201 to checkpoint p50 {lag['p50_ms']:.1f} ms, p99 {lag['p99_ms']:.1f} ms, max {lag['max_ms']:.1f} ms"
      f" over {int(lag['probes'])} probes under load (a round of its own; target p99 < 200 ms)")
PY
