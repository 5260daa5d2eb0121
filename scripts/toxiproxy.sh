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

SERVICE=toxiproxy
SERVER_NOUN=toxiproxy
SERVER_SUMMARY="API http://127.0.0.1:$PORT, Toxiproxy $VERSION"
PORT_VARIABLE=SLUICE_TOXIPROXY_PORT
FOREIGN_SERVER="a Toxiproxy"
NOT_OUR_KIND=Toxiproxy

# shellcheck source=services/server-lifecycle.sh
source "$ROOT/scripts/services/server-lifecycle.sh"
# shellcheck source=services/go-install.sh
source "$ROOT/scripts/services/go-install.sh"
BIN=$(go_binary_path toxiproxy "$PACKAGE" "$VERSION")

cmd_install() { go_install_pinned toxiproxy "$PACKAGE" "$VERSION" "${1:-}"; }

# Ours: our binary on this port.
is_our_server() { # pid
  process_cmdline "$1" | grep -qF "$BIN -host 127.0.0.1 -port $PORT "
}

require_node() {
  [[ -x $NODE ]] || die "node_modules missing: run npm ci first (the readiness check runs on Node 24)"
}

start_server() {
  cmd_install quiet
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  start_new_log
  # -seed: toxics with a toxicity below 1 pick their victims from a fixed sequence, so a
  # failing test fails the same way again.
  launch_detached "$BIN" -host 127.0.0.1 -port "$PORT" -seed 1
  await_launched_server
  say "started Toxiproxy $VERSION, API on http://127.0.0.1:$PORT (pid $SERVER_PID) in $(($(date +%s%3N) - started_ms)) ms"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  log) tail_log 2>&1 ;;
  *) echo "usage: scripts/toxiproxy.sh install|start|stop|status|log" >&2; exit 2 ;;
esac
