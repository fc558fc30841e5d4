# Apache Ignite 2.17, one server node run from jars Maven copies from Central: CommandLineStartup
# reads a Spring XML filled in from deploy/local/ignite/ignite-config.xml.in. Clients use the
# thin-client port only (binary client protocol); peer class loading and the REST connector are off.
# One of deploy/local/services' services: sourced by it after common.sh.
# shellcheck shell=bash

readonly IGNITE_PORT=${STREAMLAB_IGNITE_PORT:-10800}
readonly IGNITE_DISCOVERY_PORT=${STREAMLAB_IGNITE_DISCOVERY_PORT:-47500}
readonly IGNITE_COMMUNICATION_PORT=${STREAMLAB_IGNITE_COMMUNICATION_PORT:-47100}
readonly IGNITE_START_TIMEOUT=120   # seconds to wait for the node to be ready (ignite_ready)

readonly IGNITE_DIR=$STATE/ignite
readonly IGNITE_LIB=$IGNITE_DIR/lib
readonly IGNITE_POM=$ROOT/deploy/local/ignite/pom.xml
readonly IGNITE_TEMPLATE=$ROOT/deploy/local/ignite/ignite-config.xml.in
readonly IGNITE_CONFIG=$IGNITE_DIR/ignite-config.xml
readonly IGNITE_ADDR=$HOST:$IGNITE_PORT
readonly IGNITE_PROBE=$ROOT/deploy/local/services.d/ignite_probe.py
readonly IGNITE_PYTHON=$STATE/venv/bin/python

# The pom is the one place the version is written.
ignite_version() {
  sed -n 's:.*<ignite.version>\(.*\)</ignite.version>.*:\1:p' "$IGNITE_POM"
}

ignite_install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  # The readiness probe is pyignite, from the virtual environment python-env makes (and keeps
  # up to date: it prints nothing and returns at once when it is). Made here, not left to
  # `make test`, because the services start before it runs python-env.
  "$ROOT/deploy/local/python-env" || die "ignite: python-env failed; the readiness probe needs pyignite"
  local version jar
  version=$(ignite_version)
  local wanted=(ignite-core ignite-indexing ignite-spring)
  local absent=0
  for jar in "${wanted[@]}"; do
    [[ -f $IGNITE_LIB/$jar-$version.jar ]] || absent=1
  done
  ((absent)) || return 0

  say "ignite: fetching Apache Ignite $version jars from Maven Central"
  maven_fetch_jars ignite "$IGNITE_POM" "$IGNITE_LIB" "${wanted[@]/%/-$version.jar}"
}

ignite_pid() { live_pid "$IGNITE_DIR/pid" "CommandLineStartup $IGNITE_CONFIG"; }

ignite_persistence() {
  case ${STREAMLAB_IGNITE_PERSISTENCE:-0} in
    1 | true | yes | on) echo true ;;
    0 | false | no | off | "") echo false ;;
    *) usage_error "STREAMLAB_IGNITE_PERSISTENCE must be 0 or 1, not '$STREAMLAB_IGNITE_PERSISTENCE'" ;;
  esac
}

# Written on every start, so a changed port or setting applies at the next restart.
ignite_write_config() {
  local persistence=$1 region_mb=${STREAMLAB_IGNITE_REGION_MB:-2048}
  if ! [[ $region_mb =~ ^[0-9]+$ ]] || ((region_mb < 256)); then
    usage_error "STREAMLAB_IGNITE_REGION_MB must be a number of MiB >= 256"
  fi
  sed -e "s|@HOST@|$HOST|g" \
    -e "s|@PORT@|$IGNITE_PORT|g" \
    -e "s|@DISCOVERY_PORT@|$IGNITE_DISCOVERY_PORT|g" \
    -e "s|@DISCOVERY_PORT_LAST@|$((IGNITE_DISCOVERY_PORT + 9))|g" \
    -e "s|@COMMUNICATION_PORT@|$IGNITE_COMMUNICATION_PORT|g" \
    -e "s|@WORK_DIR@|$IGNITE_DIR/work|g" \
    -e "s|@REGION_MB@|$region_mb|g" \
    -e "s|@PERSISTENCE@|$persistence|g" \
    "$IGNITE_TEMPLATE" >"$IGNITE_CONFIG"
  ! grep -q '@[A-Z_]*@' "$IGNITE_CONFIG" || die "ignite: unfilled placeholder in $IGNITE_CONFIG"

  # java.util.logging to stderr (the log file): Ignite's own start/stop lines and topology at
  # INFO, everything else from its internals at WARNING, which keeps a day's log readable.
  cat >"$IGNITE_DIR/java.util.logging.properties" <<'LOGEOF'
handlers=java.util.logging.ConsoleHandler
java.util.logging.ConsoleHandler.level=ALL
java.util.logging.ConsoleHandler.formatter=java.util.logging.SimpleFormatter
java.util.logging.SimpleFormatter.format=[%1$tF %1$tT] %4$s %5$s (%3$s)%6$s%n
.level=WARNING
org.apache.ignite.internal.IgniteKernal.level=INFO
org.apache.ignite.internal.managers.discovery.GridDiscoveryManager.level=INFO
org.apache.ignite.internal.processors.cluster.GridClusterStateProcessor.level=INFO
LOGEOF
}

# Ready = a thin client (pyignite, from .local/venv) completes the protocol handshake and the
# cluster is ACTIVE. A persistent cluster starts INACTIVE the first time (and whenever its
# baseline is incomplete): the probe then activates it; with one node, that node becomes the
# baseline, and later restarts activate by themselves. See services.d/ignite_probe.py.
ignite_probe() { "$IGNITE_PYTHON" "$IGNITE_PROBE" "$HOST" "$IGNITE_PORT" 2>&1; }

ignite_ready() {
  port_open "$IGNITE_PORT" || return 1
  local out
  out=$(ignite_probe) && return 0
  [[ -n $out ]] && echo "[probe] $out" >>"$IGNITE_DIR/log"
  return 1
}

ignite_start() {
  local pid
  pid=$(ignite_pid)
  if [[ -n $pid ]]; then
    say "ignite: already running (pid $pid, $IGNITE_ADDR)"
    return 0
  fi
  require_free_port ignite "$IGNITE_PORT" "$IGNITE_DISCOVERY_PORT" "$IGNITE_COMMUNICATION_PORT"
  local persistence
  persistence=$(ignite_persistence)
  mkdir -p "$IGNITE_DIR/work"
  ignite_write_config "$persistence"
  rotate_log "$IGNITE_DIR/log"

  local started=$SECONDS
  # The module flags are the ones Ignite's documentation lists for Java 17 (they are accepted by
  # Java 11 too). IGNITE_UPDATE_NOTIFIER=false: no version check over the network.
  # shellcheck disable=SC2086  # STREAMLAB_IGNITE_HEAP is a list of JVM options
  launch_and_wait ignite "$IGNITE_DIR/pid" "$IGNITE_DIR/log" "$IGNITE_START_TIMEOUT" ignite_ready \
    java ${STREAMLAB_IGNITE_HEAP:--Xms1g -Xmx1g} \
    -XX:+UseG1GC -XX:+DisableExplicitGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Djava.net.preferIPv4Stack=true \
    --add-opens=java.base/jdk.internal.access=ALL-UNNAMED \
    --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
    --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
    --add-opens=java.management/com.sun.jmx.mbeanserver=ALL-UNNAMED \
    --add-opens=jdk.internal.jvmstat/sun.jvmstat.monitor=ALL-UNNAMED \
    --add-opens=java.base/sun.reflect.generics.reflectiveObjects=ALL-UNNAMED \
    --add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED \
    --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/java.nio=ALL-UNNAMED \
    --add-opens=java.base/java.net=ALL-UNNAMED \
    --add-opens=java.base/java.util=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED \
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
    --add-opens=java.base/java.lang=ALL-UNNAMED \
    --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
    --add-opens=java.base/java.math=ALL-UNNAMED \
    --add-opens=java.sql/java.sql=ALL-UNNAMED \
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
    --add-opens=java.base/java.time=ALL-UNNAMED \
    --add-opens=java.base/java.text=ALL-UNNAMED \
    --add-opens=java.management/sun.management=ALL-UNNAMED \
    --add-opens=java.desktop/java.awt.font=ALL-UNNAMED \
    -DIGNITE_HOME="$IGNITE_DIR" -DIGNITE_QUIET=true -DIGNITE_NO_ASCII=true \
    -DIGNITE_UPDATE_NOTIFIER=false -DIGNITE_PERFORMANCE_SUGGESTIONS_DISABLED=true \
    -Djava.util.logging.config.file="$IGNITE_DIR/java.util.logging.properties" \
    -cp "$IGNITE_LIB/*" org.apache.ignite.startup.cmdline.CommandLineStartup "$IGNITE_CONFIG"
  local mode="in-memory"
  [[ $persistence == true ]] && mode="persistence on"
  say "ignite: started (pid $LAUNCHED_PID, $IGNITE_ADDR, $mode) in $((SECONDS - started))s"
}

# SIGTERM runs Ignite's shutdown hook: the node leaves the topology and, with persistence,
# writes a checkpoint before exiting.
ignite_stop() { stop_by_pidfile ignite "$IGNITE_DIR/pid" ignite_pid; }

ignite_status() {
  local pid mode="in-memory"
  pid=$(ignite_pid)
  grep -q 'name="persistenceEnabled" value="true"' "$IGNITE_CONFIG" 2>/dev/null && mode="persistence on"
  service_status ignite "$pid" "$IGNITE_ADDR ($mode)"
}

ignite_env() { export_var STREAMLAB_IGNITE "ignite://$IGNITE_ADDR"; }
