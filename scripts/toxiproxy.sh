#!/usr/bin/env bash
# Toxiproxy (Shopify, MIT) for sluice's fault-injection tests: a TCP proxy whose proxies and
# "toxics" (latency, reset_peer, timeout, limit_data, ...) tests create through its HTTP API
# (test/helpers/toxiproxy.ts). Built with `go install` from the Go module proxy at a pinned
# version. API and every proxy on loopback only.
#
#   scripts/toxiproxy.sh install   build the binary (once; later runs find it and do nothing)
#   scripts/toxiproxy.sh start     install if needed, start, wait until GET /version answers
#   scripts/toxiproxy.sh stop      SIGTERM, wait, SIGKILL after a deadline
#   scripts/toxiproxy.sh status    exit 0 and say so if running and answering, 3 if not
#   scripts/toxiproxy.sh log       print the end of server.log
#
# Environment:
#   SLUICE_TOXIPROXY_PORT               API port (default 38474)
#   SLUICE_TOXIPROXY_START_TIMEOUT_MS   how long start waits for readiness (default 30000)
#
# Proxies live in the server's memory only: a restart forgets them (tests create their own).
# Files: .cache/go/ (see scripts/services/go-install.sh), .cache/toxiproxy/run/<port>/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=v2.12.0
PACKAGE=github.com/Shopify/toxiproxy/v2/cmd/server
PORT=${SLUICE_TOXIPROXY_PORT:-38474}
RUN=$ROOT/.cache/toxiproxy/run/$PORT
PID_FILE=$RUN/toxiproxy.pid
LOG=$RUN/server.log
NODE=$ROOT/node_modules/.bin/node
START_TIMEOUT_MS=${SLUICE_TOXIPROXY_START_TIMEOUT_MS:-30000}
STOP_TIMEOUT_S=10

say() { echo "toxiproxy: $*"; }
die() { echo "toxiproxy: $*" >&2; exit 1; }

# shellcheck source=services/go-install.sh
source "$ROOT/scripts/services/go-install.sh"
BIN=$(go_binary_path toxiproxy "$PACKAGE" "$VERSION")

cmd_install() { go_install_pinned toxiproxy "$PACKAGE" "$VERSION" "${1:-}"; }

# A pid counts as ours only if it is alive and its command line is our binary on this port:
# a stale pid file whose number was reused must never get a signal from us.
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$BIN -host 127.0.0.1 -port $PORT " || return 1
  echo "$pid"
}

require_node() {
  [[ -x $NODE ]] || die "node_modules missing: run npm ci first (the readiness check runs on Node 24)"
}

wait_ready() { # timeout_ms [pid]
  local args=(toxiproxy "127.0.0.1:$PORT" --timeout-ms "$1")
  [[ -n ${2:-} ]] && args+=(--pid "$2")
  "$NODE" "$ROOT/scripts/services/wait-ready.ts" "${args[@]}"
}

cmd_start() {
  mkdir -p "$RUN"
  # Serialises concurrent starts (parallel test files); the second one finds the server up.
  start_locked 9>"$RUN/start.lock"
}

start_locked() {
  flock 9
  local pid
  if pid=$(running_pid); then
    require_node
    wait_ready "$START_TIMEOUT_MS" "$pid" >/dev/null || { tail_log; die "toxiproxy pid $pid is running but not answering"; }
    say "already running (pid $pid, API http://127.0.0.1:$PORT, Toxiproxy $VERSION)"
    return 0
  fi
  rm -f "$PID_FILE"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    require_node
    wait_ready 5000 >/dev/null 2>&1 || die "127.0.0.1:$PORT is taken by something that is not Toxiproxy (set SLUICE_TOXIPROXY_PORT to use another port)"
    say "a Toxiproxy not started from this checkout already answers on 127.0.0.1:$PORT; using it"
    return 0
  fi
  cmd_install quiet
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.1"
  : >"$LOG"
  # -seed: toxics with a toxicity below 1 pick their victims from a fixed sequence, so a
  # failing test fails the same way again. setsid and the redirections: see scripts/kafka.sh.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$BIN" -host 127.0.0.1 -port "$PORT" -seed 1 </dev/null >>"$LOG" 2>&1 9>&- &
  local launched=$!
  local deadline=$((SECONDS + 10))
  until [[ -s $PID_FILE ]] || ((SECONDS > deadline)); do sleep 0.05; done
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n $pid ]] || pid=$launched
  if ! wait_ready "$START_TIMEOUT_MS" "$pid" >/dev/null; then
    tail_log
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    die "toxiproxy did not become ready (log: ${LOG#"$ROOT"/})"
  fi
  say "started Toxiproxy $VERSION, API on http://127.0.0.1:$PORT (pid $pid) in $(($(date +%s%3N) - started_ms)) ms"
}

cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    say "not running on port $PORT"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    say "pid $pid still running after ${STOP_TIMEOUT_S}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  fi
  rm -f "$PID_FILE"
  say "stopped (pid $pid)"
}

cmd_status() {
  local pid
  if pid=$(running_pid); then
    require_node
    if wait_ready 5000 "$pid" >/dev/null 2>&1; then
      say "running (pid $pid, API http://127.0.0.1:$PORT, Toxiproxy $VERSION)"
      return 0
    fi
    say "process $pid is up but not answering on 127.0.0.1:$PORT"
    return 3
  fi
  say "not running on port $PORT"
  return 3
}

tail_log() {
  [[ -f $LOG ]] || return 0
  echo "---- last lines of ${LOG#"$ROOT"/} ----" >&2
  tail -n 40 "$LOG" >&2
  echo "----" >&2
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  log) tail_log 2>&1 ;;
  *) echo "usage: scripts/toxiproxy.sh install|start|stop|status|log" >&2; exit 2 ;;
esac
