# Helpers shared by the benchmarks: build, start and stop a release server, run wrk.
# Source it; it expects ROOT (the repository) to be set.

export PATH=/opt/swift/usr/bin:$PATH
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
LUA="$ROOT/infra/bench/lua"

ensure_wrk() {
    command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
}

build_release() {
    swift build -c release --product eventstore-api --package-path "$ROOT" 2>&1 | tail -1
    BIN="$ROOT/.build/release/eventstore-api"
}

# start_server DATA_DIR [flags...]: sets SERVER_PID and BASE.
start_server() {
    local data=$1
    shift
    mkdir -p "$data"
    "$BIN" --port 0 --data-dir "$data" --log-level notice "$@" >"$data/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do
        local port
        port=$(grep -o 'port=[0-9]*' "$data/server.log" | head -1 | cut -d= -f2 || true)
        if [ -n "$port" ]; then
            BASE="http://127.0.0.1:$port"
            return 0
        fi
        sleep 0.1
    done
    echo "server did not start:" >&2
    cat "$data/server.log" >&2
    exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

rss_kib() {
    awk '/VmRSS/ {print $2}' "/proc/$1/status"
}

# wrk_result SCRIPT URL [env...]: runs wrk and prints its RESULT line.
wrk_result() {
    local script=$1 url=$2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 10s -s "$LUA/$script" "$url" | grep '^RESULT'
}

# run_wrk TITLE SCRIPT URL: prints TITLE, runs wrk, prints its RESULT line and leaves it in RESULT.
run_wrk() {
    echo "== $1"
    RESULT=$(wrk_result "$2" "$3")
    echo "$RESULT"
}

field() { # field NAME "RESULT ..." -> value
    echo "$2" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'
}

create_topic() { # create_topic NAME ADAPTER_JSON_FIELDS
    curl -sf -X POST "$BASE/topics" -H 'content-type: application/json' -d "{\"name\":\"$1\",$2}" >/dev/null
}

topic_head() {
    curl -sf "$BASE/topics/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["head"])'
}
