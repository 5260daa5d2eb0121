# Lifecycle of one loopback test server, shared by scripts/kafka.sh, scripts/s3.sh,
# scripts/azurite.sh and scripts/toxiproxy.sh: pid file, start lock, reuse of a server that
# already answers, detached launch, stop/kill/status with deadlines, log tail on failure.
# Sourced, not run.
#
# The sourcing script sets these before calling anything here:
#   ROOT NODE PORT RUN PID_FILE LOG START_TIMEOUT_MS STOP_TIMEOUT_S
#   SERVICE          prefix of every message ("kafka", "s3", "toxiproxy")
#   SERVER_NOUN      what the process is called in failures ("broker", "versitygw", ...)
#   SERVER_SUMMARY   where and what it is, shown after the pid in "running (pid N, ...)"
#   PORT_VARIABLE    the environment variable that picks another port
#   FOREIGN_SERVER   "a broker", "an S3 server", ...: what already answers on the port
#   NOT_OUR_KIND     what a port holder that fails the readiness check is not
# and defines these functions:
#   is_our_server PID   true if that live process is this checkout's server for this port
#   require_node        dies unless the readiness check can run
#   start_server        install, launch (launch_detached, await_launched_server), report
#
# Every message, exit status and path here is part of the scripts' contract: tests
# (test/helpers/*.ts) and CI (scripts/test.ts) read them.

say() { echo "$SERVICE: $*"; }
die() { echo "$SERVICE: $*" >&2; exit 1; }

# The process's argv joined by spaces, for matching against what we launched.
process_cmdline() { # pid
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null
}

# A pid counts as our server only if it is alive and is_our_server recognises its command line:
# a stale pid file whose number was reused must never get a signal from us.
running_pid() {
  [[ -f $PID_FILE ]] || return 1
  local pid
  pid=$(<"$PID_FILE")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  is_our_server "$pid" || return 1
  echo "$pid"
}

# The readiness check (exit 0 once ready): scripts/services/wait-ready.ts knows each service by
# $SERVICE. kafkajs 2.2.4 sets negative timeouts, which Node 24 warns about once per client.
wait_ready() { # timeout_ms [pid]
  local args=("$SERVICE" "127.0.0.1:$PORT" --timeout-ms "$1")
  [[ -n ${2:-} ]] && args+=(--pid "$2")
  "$NODE" --disable-warning=TimeoutNegativeWarning "$ROOT/scripts/services/wait-ready.ts" "${args[@]}"
}

# Whatever holds the port, ours or not (a bash /dev/tcp connect needs no extra tool).
port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# stop and kill share this answer for "nothing of ours to stop" (a stale pid file is dropped).
report_not_running() {
  rm -f "$PID_FILE"
  say "not running on port $PORT"
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
    wait_ready "$START_TIMEOUT_MS" "$pid" >/dev/null || { tail_log; die "$SERVER_NOUN pid $pid is running but not answering"; }
    say "already running (pid $pid, $SERVER_SUMMARY)"
    return 0
  fi
  rm -f "$PID_FILE"
  # Something else holds the port (e.g. the server of another checkout): use it if it passes
  # the readiness check rather than fail to bind; stop/reset leave it alone.
  if port_taken; then
    require_node
    wait_ready 5000 >/dev/null 2>&1 || die "127.0.0.1:$PORT is taken by something that is not $NOT_OUR_KIND (set $PORT_VARIABLE to use another port)"
    say "$FOREIGN_SERVER not started from this checkout already answers on 127.0.0.1:$PORT; using it"
    return 0
  fi
  start_server
}

# Keeps the previous run's log as server.log.1: a failed restart must not erase why the last
# run died.
start_new_log() {
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.1"
  : >"$LOG"
}

# Starts `command args...` in the background and sets LAUNCHED_PID. Environment assignments
# before the call reach the server (bash exports them to a function's children), and that is
# where secrets go: argv is world-readable in /proc.
# setsid: the server gets its own session, so a Ctrl-C on `npm test` does not take it down (it
# is meant to outlive the run). All three standard streams are redirected so that no caller
# waiting on a pipe (spawnSync, execFile) waits for the server to exit; the start lock's
# descriptor (9) is closed so that the server does not hold the lock for its lifetime. The
# inner bash writes its own pid and then execs, so the pid file names the server itself.
launch_detached() { # command [args...]
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" "$@" </dev/null >>"$LOG" 2>&1 9>&- &
  LAUNCHED_PID=$!
}

# Waits for the launched server's pid file, then for readiness; sets SERVER_PID. On failure it
# shows the log, kills what it launched (nothing half-started is left behind) and dies.
await_launched_server() {
  local deadline=$((SECONDS + 10))
  until [[ -s $PID_FILE ]] || ((SECONDS > deadline)); do sleep 0.05; done
  SERVER_PID=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n $SERVER_PID ]] || SERVER_PID=$LAUNCHED_PID
  if ! wait_ready "$START_TIMEOUT_MS" "$SERVER_PID" >/dev/null; then
    tail_log
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    rm -f "$PID_FILE"
    die "$SERVER_NOUN did not become ready (log: ${LOG#"$ROOT"/})"
  fi
}

# SIGTERM first so the server can shut down cleanly; SIGKILL after STOP_TIMEOUT_S so that a
# hung server cannot hang the caller.
cmd_stop() {
  local pid
  if ! pid=$(running_pid); then
    report_not_running
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

# SIGKILL at once: a crash, for tests that stop a server mid-request (open connections reset).
cmd_kill() {
  local pid
  if ! pid=$(running_pid); then
    report_not_running
    return 0
  fi
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done
  rm -f "$PID_FILE"
  say "killed (pid $pid)"
}

# Exit 3 (not 1) when not usable: callers tell "not running" from "the script failed".
cmd_status() {
  local pid
  if pid=$(running_pid); then
    require_node
    if wait_ready 5000 "$pid" >/dev/null 2>&1; then
      say "running (pid $pid, $SERVER_SUMMARY)"
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

print_log_end() {
  [[ -f $LOG ]] || return 0
  echo "---- last lines of ${LOG#"$ROOT"/} ----" >&2
  tail -n 40 "$LOG" >&2
  echo "----" >&2
}

# What a failed start shows; a script may redefine it to add more (kafka.sh names the Java
# error and its root cause).
tail_log() { print_log_end; }
