#!/usr/bin/env bash
# Azurite (Microsoft, MIT), the Azure Storage emulator, for sluice's Azure Blob tests: the blob
# service only, on loopback. Installed from the npm registry with `npm ci` from the lockfile in
# scripts/azurite/ (azurite 3.37.0 and every transitive version pinned), into .cache/azurite/,
# not into the project's node_modules: it brings ~375 packages (~240 MB: a SQL driver, an ORM,
# telemetry exporters) that sluice itself never loads, and a devDependency would make every
# `npm ci` (the Docker build's included) fetch them.
#
#   scripts/azurite.sh install   npm ci into .cache/azurite/<version>/ (once; later runs do nothing)
#   scripts/azurite.sh start     install if needed, start, wait until a signed request succeeds
#   scripts/azurite.sh stop      SIGTERM, wait, SIGKILL after a deadline; the data dir is kept
#   scripts/azurite.sh kill      SIGKILL at once (a crash); the data dir is kept
#   scripts/azurite.sh status    exit 0 and say so if running and answering, 3 if not
#   scripts/azurite.sh reset     stop and delete the data dir (every container and blob)
#   scripts/azurite.sh log       print the end of server.log
#
# Environment:
#   SLUICE_AZURITE_PORT               blob service port (default 39010)
#   SLUICE_AZURITE_START_TIMEOUT_MS   how long start waits for readiness (default 60000)
#
# Account: Azurite's fixed development account devstoreaccount1 and its published key
# (scripts/services/test-account.ts); tests sign SAS tokens with it. Telemetry is off.
# Files: .cache/azurite/<version>/ (the install), .cache/azurite/run/<port>/{server.log,azurite.pid,data}.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=3.37.0
PORT=${SLUICE_AZURITE_PORT:-39010}
INSTALL=$ROOT/.cache/azurite/$VERSION
MAIN=$INSTALL/node_modules/azurite/dist/src/blob/main.js
RUN=$ROOT/.cache/azurite/run/$PORT
DATA=$RUN/data
PID_FILE=$RUN/azurite.pid
LOG=$RUN/server.log
NODE=$ROOT/node_modules/.bin/node
START_TIMEOUT_MS=${SLUICE_AZURITE_START_TIMEOUT_MS:-60000}
STOP_TIMEOUT_S=10

SERVICE=azurite
SERVER_NOUN=azurite
SERVER_SUMMARY="http://127.0.0.1:$PORT/devstoreaccount1, Azurite $VERSION"
PORT_VARIABLE=SLUICE_AZURITE_PORT
FOREIGN_SERVER="an Azurite"
NOT_OUR_KIND="a blob service accepting the development account"

# shellcheck source=services/server-lifecycle.sh
source "$ROOT/scripts/services/server-lifecycle.sh"

cmd_install() {
  mkdir -p "$ROOT/.cache/azurite"
  # Parallel test files may all call start at once; one installs, the others wait here.
  install_locked "${1:-}" 7>"$ROOT/.cache/azurite/install.lock"
}

# The lockfile's hash is recorded next to the install: "installed" means this lockfile's tree.
install_locked() { # [quiet]
  flock 7
  local want have=''
  want=$(sha256sum "$ROOT/scripts/azurite/package-lock.json" | cut -d' ' -f1)
  [[ -f $INSTALL/.lock-sha256 ]] && have=$(<"$INSTALL/.lock-sha256")
  if [[ -f $MAIN && $have == "$want" ]]; then
    [[ ${1:-} == quiet ]] || say "azurite $VERSION already installed (${INSTALL#"$ROOT"/})"
    return 0
  fi
  command -v npm >/dev/null 2>&1 || die "npm not found: installing azurite needs npm"
  say "installing azurite $VERSION with npm ci (first use only)"
  local started=$SECONDS tmp=$INSTALL.partial
  rm -rf "$tmp"
  mkdir -p "$tmp"
  cp "$ROOT/scripts/azurite/package.json" "$ROOT/scripts/azurite/package-lock.json" "$tmp/"
  # --ignore-scripts: nothing Azurite's blob service loads needs an install script.
  if ! (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts >"$ROOT/.cache/azurite/install.log" 2>&1); then
    tail -n 30 "$ROOT/.cache/azurite/install.log" >&2
    die "npm ci for azurite $VERSION failed (full log: .cache/azurite/install.log)"
  fi
  [[ -f $tmp/node_modules/azurite/dist/src/blob/main.js ]] || die "npm ci installed no azurite blob service"
  echo "$want" >"$tmp/.lock-sha256"
  rm -rf "$INSTALL"
  mv "$tmp" "$INSTALL"
  say "installed azurite $VERSION ($(du -sh "$INSTALL" | cut -f1)) in $((SECONDS - started)) s"
}

# Ours: our install's blob service on this port.
is_our_server() { # pid
  process_cmdline "$1" | grep -qF "$MAIN " || return 1
  process_cmdline "$1" | grep -qF " --blobPort $PORT "
}

require_node() {
  [[ -x $NODE && -d $ROOT/node_modules/@azure/storage-blob ]] || die "node_modules missing: run npm ci first (the readiness check uses @azure/storage-blob)"
}

start_server() {
  cmd_install quiet
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  mkdir -p "$DATA"
  start_new_log
  # --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows;
  # the calls sluice makes exist in all of them. --silent: no access log line per request.
  launch_detached "$NODE" "$MAIN" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$DATA" \
    --disableTelemetry --skipApiVersionCheck --silent
  await_launched_server
  say "started azurite $VERSION on http://127.0.0.1:$PORT/devstoreaccount1 (pid $SERVER_PID) in $(($(date +%s%3N) - started_ms)) ms"
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  kill) cmd_kill ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  log) tail_log 2>&1 ;;
  *) echo "usage: scripts/azurite.sh install|start|stop|kill|status|reset|log" >&2; exit 2 ;;
esac
