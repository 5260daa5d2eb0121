#!/usr/bin/env bash
# A real S3-compatible server for sluice's tests, CI and benchmarks: versitygw (Apache-2.0)
# with its POSIX backend, which serves buckets as directories of a local data dir. Built with
# `go install` from the Go module proxy at a pinned version. Loopback only.
# (MinIO, which issue 4 names first, is AGPL-3.0, which this project does not use.)
#
#   scripts/s3.sh install   build the binary (once; later runs find it and do nothing)
#   scripts/s3.sh start     install if needed, start, wait until a signed request succeeds
#   scripts/s3.sh stop      SIGTERM, wait, SIGKILL after a deadline; the data dir is kept
#   scripts/s3.sh kill      SIGKILL at once (a crash); the data dir is kept
#   scripts/s3.sh status    exit 0 and say so if running and answering, 3 if not
#   scripts/s3.sh reset     stop and delete the data dir (every bucket and object)
#   scripts/s3.sh log       print the end of server.log
#
# Environment:
#   SLUICE_S3_PORT               S3 API port (default 39000)
#   SLUICE_S3_START_TIMEOUT_MS   how long start waits for readiness (default 60000)
#
# Root account (fixed, loopback only; scripts/services/test-account.ts has the same values):
# access key sluice-test, secret sluice-test-secret, region us-east-1.
#
# Everything lives under .cache/: go/ (see scripts/services/go-install.sh) and
# s3/run/<port>/{server.log,versitygw.pid,data}. A stop and a start keep data: tests stop the
# server mid-upload and expect their buckets and unfinished multipart uploads back.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=v1.8.0
PACKAGE=github.com/versity/versitygw/cmd/versitygw
ACCESS_KEY=sluice-test
SECRET_KEY=sluice-test-secret
PORT=${SLUICE_S3_PORT:-39000}
RUN=$ROOT/.cache/s3/run/$PORT
DATA=$RUN/data
PID_FILE=$RUN/versitygw.pid
LOG=$RUN/server.log
NODE=$ROOT/node_modules/.bin/node
START_TIMEOUT_MS=${SLUICE_S3_START_TIMEOUT_MS:-60000}
STOP_TIMEOUT_S=10

say() { echo "s3: $*"; }
die() { echo "s3: $*" >&2; exit 1; }

# shellcheck source=services/go-install.sh
source "$ROOT/scripts/services/go-install.sh"
BIN=$(go_binary_path versitygw "$PACKAGE" "$VERSION")

cmd_install() { go_install_pinned versitygw "$PACKAGE" "$VERSION" "${1:-}"; }

# A pid counts as our server only if it is alive and its command line is our binary serving
# this data dir: a stale pid file whose number was reused must never get a signal from us.
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$BIN " || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF " posix $DATA" || return 1
  echo "$pid"
}

require_node() {
  [[ -x $NODE && -d $ROOT/node_modules/@aws-sdk/client-s3 ]] || die "node_modules missing: run npm ci first (the readiness check uses @aws-sdk/client-s3)"
}

wait_ready() { # timeout_ms [pid]
  local args=(s3 "127.0.0.1:$PORT" --timeout-ms "$1")
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
    wait_ready "$START_TIMEOUT_MS" "$pid" >/dev/null || { tail_log; die "versitygw pid $pid is running but not answering"; }
    say "already running (pid $pid, http://127.0.0.1:$PORT, versitygw $VERSION)"
    return 0
  fi
  rm -f "$PID_FILE"
  # Something else holds the port: use it if it is an S3 server that accepts the test account
  # (e.g. the server of another checkout) rather than fail to bind; stop/reset leave it alone.
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    require_node
    wait_ready 5000 >/dev/null 2>&1 || die "127.0.0.1:$PORT is taken by something that is not an S3 server accepting the test account (set SLUICE_S3_PORT to use another port)"
    say "an S3 server not started from this checkout already answers on 127.0.0.1:$PORT; using it"
    return 0
  fi
  cmd_install quiet
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  mkdir -p "$DATA"
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.1"
  : >"$LOG"
  # The credentials go in through the environment, not argv (argv is world-readable in /proc).
  # --keep-alive: versitygw closes every connection after one response by default; real S3
  # keeps them open, and sluice's uploader and the benchmarks should measure that case.
  # --quiet: no line per request (a benchmark would write hundreds of MB of log).
  # setsid, redirected streams and the closed lock descriptor: as in scripts/kafka.sh, the
  # server outlives `npm test`, blocks no caller reading a pipe, and holds no start lock.
  ROOT_ACCESS_KEY_ID=$ACCESS_KEY ROOT_SECRET_ACCESS_KEY=$SECRET_KEY \
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$BIN" --port "127.0.0.1:$PORT" --region us-east-1 --keep-alive --quiet \
    posix "$DATA" </dev/null >>"$LOG" 2>&1 9>&- &
  local launched=$!
  local deadline=$((SECONDS + 10))
  until [[ -s $PID_FILE ]] || ((SECONDS > deadline)); do sleep 0.05; done
  pid=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n $pid ]] || pid=$launched
  if ! wait_ready "$START_TIMEOUT_MS" "$pid" >/dev/null; then
    tail_log
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    die "versitygw did not become ready (log: ${LOG#"$ROOT"/})"
  fi
  say "started versitygw $VERSION on http://127.0.0.1:$PORT (pid $pid) in $(($(date +%s%3N) - started_ms)) ms"
}

# versitygw's SIGTERM handler waits for in-flight requests: a test that stops the server
# mid-upload with `stop` waits out STOP_TIMEOUT_S (the client's request hangs meanwhile). `kill`
# is the crash instead: connections reset at once, and nothing half-written becomes visible
# (objects and parts are written to temporary files and linked into place when complete).
cmd_kill() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    say "not running on port $PORT"
    return 0
  fi
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  rm -f "$PID_FILE"
  say "killed (pid $pid)"
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
      say "running (pid $pid, http://127.0.0.1:$PORT, versitygw $VERSION)"
      return 0
    fi
    say "process $pid is up but not answering on 127.0.0.1:$PORT"
    return 3
  fi
  say "not running on port $PORT"
  return 3
}

cmd_reset() {
  cmd_stop
  rm -rf "$RUN"
  say "deleted ${RUN#"$ROOT"/}"
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
  kill) cmd_kill ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  log) tail_log 2>&1 ;;
  *) echo "usage: scripts/s3.sh install|start|stop|kill|status|reset|log" >&2; exit 2 ;;
esac
