#!/usr/bin/env bash
# A real Apache Kafka broker (KRaft, one node acting as broker and controller) for sluice's
# tests, CI and benchmarks, assembled from its jars on Maven Central. Loopback only.
#
#   scripts/kafka.sh install   fetch the jars (once; a marker file makes later runs a no-op)
#   scripts/kafka.sh start     install if needed, format storage once, start, wait until ready
#   scripts/kafka.sh stop      SIGTERM, wait, SIGKILL after a deadline
#   scripts/kafka.sh status    exit 0 and say so if running and answering, 3 if not
#   scripts/kafka.sh reset     stop and delete the data dir
#   scripts/kafka.sh log       print the end of server.log
#
# Environment:
#   SLUICE_KAFKA_PORT               broker port (default 39092)
#   SLUICE_KAFKA_CONTROLLER_PORT    controller port (default broker port + 1)
#   SLUICE_KAFKA_HEAP               JVM heap (default 512m)
#   SLUICE_KAFKA_START_TIMEOUT_MS   how long start waits for readiness (default 120000)
#
# Everything lives under .cache/kafka/: <version>/libs (classpath), m2 (Maven's repository),
# run/<port>/{server.properties,server.log,kafka.pid,data}. State is per port so that a broker
# on another port never shares (or fights over) a data dir whose metadata names other ports.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KAFKA_SCRIPTS=$ROOT/scripts/kafka
POM=$KAFKA_SCRIPTS/pom.xml
VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM")
CACHE=$ROOT/.cache/kafka
INSTALL_DIR=$CACHE/$VERSION
LIBS=$INSTALL_DIR/libs
MARKER=$INSTALL_DIR/installed
PORT=${SLUICE_KAFKA_PORT:-39092}
CONTROLLER_PORT=${SLUICE_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
RUN=$CACHE/run/$PORT
DATA=$RUN/data
PID_FILE=$RUN/kafka.pid
LOG=$RUN/server.log
NODE=$ROOT/node_modules/.bin/node
HEAP=${SLUICE_KAFKA_HEAP:-512m}
START_TIMEOUT_MS=${SLUICE_KAFKA_START_TIMEOUT_MS:-120000}
STOP_TIMEOUT_S=30

SERVICE=kafka
SERVER_NOUN=broker
SERVER_SUMMARY="127.0.0.1:$PORT, Kafka $VERSION"
PORT_VARIABLE=SLUICE_KAFKA_PORT
FOREIGN_SERVER="a broker"
NOT_OUR_KIND="a working Kafka broker"

# shellcheck source=services/server-lifecycle.sh
source "$ROOT/scripts/services/server-lifecycle.sh"

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found (Kafka $VERSION needs Java 17+; apt-get install openjdk-17-jdk-headless)"
  local major
  major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  [[ -n $major && $major -ge 17 ]] || die "Kafka $VERSION needs Java 17+, found: $(java -version 2>&1 | head -n 1)"
}

# The marker holds the pom's checksum and the jar list; the install counts as complete only if
# the pom is unchanged and every listed jar is still there (a half-copied or edited libs dir
# would otherwise start a broker with a broken classpath).
install_is_complete() {
  [[ -f $MARKER ]] || return 1
  local want
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  [[ $(head -n 1 "$MARKER") == "$want" ]] || return 1
  local jar
  while IFS= read -r jar; do
    [[ -f $LIBS/$jar ]] || return 1
  done < <(tail -n +2 "$MARKER")
}

cmd_install() { # [quiet]: say nothing when already installed (start's one-line contract)
  mkdir -p "$CACHE"
  # Parallel test files may all call start at once; one installs, the others wait here.
  install_locked "${1:-}" 8>"$CACHE/install.lock"
}

install_locked() {
  flock 8
  if install_is_complete; then
    [[ $1 == quiet ]] || say "$VERSION already installed ($(($(wc -l <"$MARKER") - 1)) jars in ${LIBS#"$ROOT"/})"
    return 0
  fi
  require_java
  command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install maven)"
  say "installing Apache Kafka $VERSION from Maven Central into ${LIBS#"$ROOT"/}"
  local started=$SECONDS tmp=$INSTALL_DIR/libs.partial
  rm -rf "$tmp" "$MARKER"
  mkdir -p "$INSTALL_DIR"
  # Maven's output goes to a file and is shown only if it fails (it prints colour codes even
  # in batch mode, and a successful download log is noise).
  if ! mvn -B -Dstyle.color=never -f "$POM" -Dmaven.repo.local="$CACHE/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$INSTALL_DIR/mvn.log" 2>&1; then
    grep -v 'Download' "$INSTALL_DIR/mvn.log" | tail -n 30 >&2
    die "mvn could not assemble the Kafka $VERSION classpath (full log: ${INSTALL_DIR#"$ROOT"/}/mvn.log)"
  fi
  [[ -f $tmp/kafka_2.13-$VERSION.jar ]] || die "kafka_2.13-$VERSION.jar missing after mvn"
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  { sha256sum "$POM" | cut -d' ' -f1; (cd "$LIBS" && ls -1 -- *.jar); } >"$MARKER.tmp"
  mv "$MARKER.tmp" "$MARKER"
  say "installed $VERSION ($(ls -1 "$LIBS" | wc -l) jars, $(du -sh "$LIBS" | cut -f1)) in $((SECONDS - started)) s"
}

# Ours: kafka.Kafka running this run dir's server.properties.
is_our_server() { # pid
  process_cmdline "$1" | grep -q "kafka\.Kafka $RUN/server.properties"
}

require_node() {
  [[ -x $NODE && -d $ROOT/node_modules/kafkajs ]] || die "node_modules missing: run npm ci first (the readiness check uses kafkajs)"
}

write_server_properties() {
  cat >"$RUN/server.properties" <<EOF
# Generated by scripts/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
# Loopback only: nothing outside this machine can reach the test broker.
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA

# One node: every internal topic has one replica.
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer internal partitions than the defaults (50) so that the first consumer group or
# transaction after a reset does not wait for dozens of partitions to be created.
offsets.topic.num.partitions=8
transaction.state.log.num.partitions=4

# Tests create their topics explicitly, and sluice must report an unknown topic clearly:
# a typo must not silently create a topic.
auto.create.topics.enable=false
delete.topic.enable=true
# A consumer group's first join is not held back 3 s waiting for more members.
group.initial.rebalance.delay.ms=0

# Test data is disposable: keep the disk bounded.
log.retention.hours=6
log.segment.bytes=67108864
log.retention.check.interval.ms=60000
EOF
}

start_server() {
  cmd_install quiet
  require_java
  require_node
  local started_ms
  started_ms=$(date +%s%3N)
  write_server_properties
  start_new_log
  if [[ ! -f $DATA/meta.properties ]]; then
    # Cluster ids are 16 random bytes in URL-safe base64 without padding, as Kafka writes them.
    local cluster_id
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    java -cp "$LIBS/*" -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/log4j2.properties" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$RUN/server.properties" >>"$LOG" 2>&1 \
      || { tail_log; die "formatting the KRaft storage in ${DATA#"$ROOT"/} failed"; }
  fi
  launch_detached java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/log4j2.properties" -Dkafka.logs.dir="$RUN" \
    -cp "$LIBS/*" kafka.Kafka "$RUN/server.properties"
  await_launched_server
  say "started Kafka $VERSION on 127.0.0.1:$PORT (pid $SERVER_PID) in $(($(date +%s%3N) - started_ms)) ms"
}

# Adds to the shared log tail: a Java stack trace buries the cause, so repeat the first error
# and its innermost cause last.
tail_log() {
  [[ -f $LOG ]] || return 0
  print_log_end
  local first cause
  first=$(grep -m 1 -E '^\[[^]]*\] (ERROR|FATAL) ' "$LOG" || true)
  cause=$(grep -E '^Caused by: ' "$LOG" | tail -n 1 || true)
  [[ -n $first ]] && echo "kafka: first error: ${first:0:300}" >&2
  [[ -n $cause ]] && echo "kafka: root cause: ${cause#Caused by: }" >&2
  return 0
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  log) tail_log 2>&1 ;;
  *) echo "usage: scripts/kafka.sh install|start|stop|status|reset|log" >&2; exit 2 ;;
esac
