#!/usr/bin/env bash
# The web load benchmark of issue 6 item 8, on loopback, with wrk (installed from
# Debian's packages when missing) sharing the machine with the server:
#   - the privacy center's home page, paced at about 1,000 requests per second (p99),
#     and flat out;
#   - request submission through the API (a new person each time);
#   - single decisions (random subjects among those seeded);
#   - batches of BATCH decisions per call.
# The server runs on the embedded SQLite store with SUBJECTS people seeded in the consent
# ledger (`ombud bench seed-ledger`), so its decision snapshot holds them all; its
# resident memory is read from /proc after start and at the end.
#
#   scripts/bench-web.sh                  # 1,000,000 subjects, 10 s per scenario
#   SUBJECTS=100000 SECONDS_EACH=5 scripts/bench-web.sh
#   WORK_DIR=/tmp/bench-web scripts/bench-web.sh   # keep the seeded store; reuse it next time
#
# Results are printed as JSON lines, one per scenario; docs/BENCHMARKS.md records them
# with the machine. Rate limits are turned off for the run (`--no-rate-limits`): one
# loopback address is otherwise throttled by design.
set -euo pipefail
cd "$(dirname "$0")/.."

SUBJECTS="${SUBJECTS:-1000000}"
SECONDS_EACH="${SECONDS_EACH:-10}"
BATCH="${BATCH:-1000}"
PORT="${PORT:-18080}"
export SUBJECTS BATCH
BENCH_DIR="$(pwd)/scripts/bench-web"
export BENCH_DIR

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get install -y wrk >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
cargo build --release --locked -p ombud >&2
bin="$(pwd)/target/release/ombud"

work="${WORK_DIR:-$(mktemp -d)}"
mkdir -p "$work"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [[ -z "${WORK_DIR:-}" ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

export OMBUD_STORE="sqlite://$work/ombud.db"
export OMBUD_PROGRAM="$(pwd)/examples/events.yaml"
export OMBUD_CALENDARS="$(pwd)/examples/calendars"
export OMBUD_MAIL="outbox:$work/outbox"
if [[ ! -e "$work/seeded-$SUBJECTS" ]]; then
  rm -rf "$work/ombud.db" "$work/ombud.db.key" "$work/outbox" "$work"/seeded-*
fi
"$bin" migrate >&2
if [[ ! -e "$work/seeded-$SUBJECTS" ]]; then
  "$bin" bench seed-ledger --subjects "$SUBJECTS" >&2
  touch "$work/seeded-$SUBJECTS"
fi
TOKEN="$("$bin" token create --name bench --scope decide --scope requests:write)"
export TOKEN

"$bin" serve --listen "127.0.0.1:$PORT" --no-rate-limits >"$work/serve.out" 2>/dev/null &
server=$!
for _ in $(seq 1 600); do
  if curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null
rss_kib() { awk -v f="$1" '$1 == f":" {print $2}' "/proc/$server/status"; }
echo "{\"scenario\":\"server after start\",\"subjects\":$SUBJECTS,\"rss_kib\":$(rss_kib VmRSS)}"

url="http://127.0.0.1:$PORT"
run() { # name, wrk arguments…
  local name="$1"; shift
  local line
  line="$(wrk --latency -d "${SECONDS_EACH}s" "$@" | grep '^{')"
  echo "{\"scenario\":\"$name\",${line:1}"
}
PACE_MS=10 run "home page at ~1,000/s" -t 2 -c 10 -s "$BENCH_DIR/page.lua" "$url/"
PACE_MS=0 run "home page, flat out" -t 2 -c 16 -s "$BENCH_DIR/page.lua" "$url/"
run "single decision" -t 2 -c 16 -s "$BENCH_DIR/decide.lua" "$url"
run "batch of $BATCH decisions" -t 2 -c 4 -s "$BENCH_DIR/batch.lua" "$url"
run "request submission (API)" -t 2 -c 8 -s "$BENCH_DIR/submit.lua" "$url"
echo "{\"scenario\":\"server at the end\",\"rss_kib\":$(rss_kib VmRSS),\"peak_rss_kib\":$(rss_kib VmHWM)}"
