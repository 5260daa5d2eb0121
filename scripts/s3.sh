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

SERVICE=s3
SERVER_NOUN=versitygw
SERVER_SUMMARY="http://127.0.0.1:$PORT, versitygw $VERSION"
PORT_VARIABLE=SLUICE_S3_PORT
FOREIGN_SERVER="an S3 server"
# A foreign S3 server counts only if it accepts the test account (see wait_ready).
NOT_OUR_KIND="an S3 server accepting the test account"

# shellcheck source=services/server-lifecycle.sh
source "$ROOT/scripts/services/server-lifecycle.sh"
# shellcheck source=services/go-install.sh
source "$ROOT/scripts/services/go-install.sh"
BIN=$(go_binary_path versitygw "$PACKAGE" "$VERSION")

cmd_install() { go_install_pinned versitygw "$PACKAGE" "$VERSION" "${1:-}"; }

# Ours: our binary serving this data dir.
is_our_server() { # pid
  process_cmdline "$1" | grep -qF "$BIN " || return 1
  process_cmdline "$1" | grep -qF " posix $DATA"
}

require_node() {
  [[ -x $NODE && -d $ROOT/node_modules/@aws-sdk/client-s3 ]] || die "node_modules missing: run npm ci first (the readiness check uses @aws-sdk/client-s3)"
}

start_server() {
  cmd_install quiet
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  mkdir -p "$DATA"
  start_new_log
  # The credentials go in through the environment, not argv (argv is world-readable in /proc).
  # --keep-alive: versitygw closes every connection after one response by default; real S3
  # keeps them open, and sluice's uploader and the benchmarks should measure that case.
  # --quiet: no line per request (a benchmark would write hundreds of MB of log).
  ROOT_ACCESS_KEY_ID=$ACCESS_KEY ROOT_SECRET_ACCESS_KEY=$SECRET_KEY \
    launch_detached "$BIN" --port "127.0.0.1:$PORT" --region us-east-1 --keep-alive --quiet \
    posix "$DATA"
  await_launched_server
  say "started versitygw $VERSION on http://127.0.0.1:$PORT (pid $SERVER_PID) in $(($(date +%s%3N) - started_ms)) ms"
}

# versitygw's SIGTERM handler waits for in-flight requests: a test that stops the server
# mid-upload with `stop` waits out STOP_TIMEOUT_S (the client's request hangs meanwhile). `kill`
# (server-lifecycle.sh) is the crash instead: connections reset at once, and nothing
# half-written becomes visible (objects and parts are written to temporary files and linked
# into place when complete).

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
