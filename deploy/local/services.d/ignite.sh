# Apache Ignite 2.17 run from jars Maven copies from Central: one server node by default, or a
# cluster of STREAMLAB_IGNITE_NODES nodes (in memory). CommandLineStartup reads a Spring XML
# filled in from deploy/local/ignite/ignite-config.xml.in. Clients use the thin-client port only
# (binary client protocol); peer class loading and the REST connector are off.
# One of deploy/local/services' services: sourced by it after common.sh.
#
# Node i (from 1) takes the thin-client, discovery and communication ports of the first node plus
# i-1; the nodes find each other through a static IP finder listing the ten discovery ports from
# the first, on loopback only. One node keeps its state in .local/ignite/, a cluster in
# .local/ignite-<port>x<nodes>/node-<i>/.
#
# Secure mode (STREAMLAB_SECURE=1, one node, .local/secure/ignite/): persistence on (Ignite keeps
# its users there), authentication on, and the thin-client port over TLS with ca.sh's server
# certificate (a PKCS12 keystore made from it). On its first start the probe changes the
# superuser's default password (ignite/ignite) to a generated one and creates the user `streamlab`;
# both passwords are kept 0600. Its own ports: thin clients 10900, discovery 27500..27509 and
# communication 27100..27109 (below Linux's ephemeral ports, and away from the plaintext node's
# and the failover tests' 47500/47600 and 47100/47200 ranges), so it never finds or joins either.
# shellcheck shell=bash

if ((SECURE)); then
  readonly IGNITE_PORT=${STREAMLAB_IGNITE_PORT:-10900}
  readonly IGNITE_DISCOVERY_PORT=${STREAMLAB_IGNITE_DISCOVERY_PORT:-27500}
  readonly IGNITE_COMMUNICATION_PORT=${STREAMLAB_IGNITE_COMMUNICATION_PORT:-27100}
else
  readonly IGNITE_PORT=${STREAMLAB_IGNITE_PORT:-10800}
  readonly IGNITE_DISCOVERY_PORT=${STREAMLAB_IGNITE_DISCOVERY_PORT:-47500}
  readonly IGNITE_COMMUNICATION_PORT=${STREAMLAB_IGNITE_COMMUNICATION_PORT:-47100}
fi
readonly IGNITE_NODES=${STREAMLAB_IGNITE_NODES:-1}
[[ $IGNITE_NODES =~ ^[1-9]$ ]] || die "ignite: STREAMLAB_IGNITE_NODES must be 1 to 9, not '$IGNITE_NODES'"
readonly IGNITE_START_TIMEOUT=120   # seconds to wait for the node to be ready (ignite_ready)

readonly IGNITE_DIR=$STATE/ignite   # one node's state
# The jars and the probe's Python, in .local/ in both modes.
readonly IGNITE_LIB=$LOCAL/ignite/lib
readonly IGNITE_POM=$ROOT/deploy/local/ignite/pom.xml
readonly IGNITE_TEMPLATE=$ROOT/deploy/local/ignite/ignite-config.xml.in
readonly IGNITE_PROBE=$ROOT/deploy/local/services.d/ignite_probe.py
readonly IGNITE_PYTHON=$LOCAL/venv/bin/python
# Secure mode: the application's user and its password, the superuser's password (its user is
# Ignite's `ignite`), and the keystores with their password; all 0600.
readonly IGNITE_USER=streamlab
readonly IGNITE_PASSWORD_FILE=$IGNITE_DIR/password
readonly IGNITE_SUPERUSER_PASSWORD_FILE=$IGNITE_DIR/superuser-password
readonly IGNITE_KEYSTORE=$IGNITE_DIR/keystore.p12
readonly IGNITE_TRUSTSTORE=$IGNITE_DIR/truststore.p12
readonly IGNITE_KEYSTORE_PASSWORD_FILE=$IGNITE_DIR/keystore-password

ignite_nodes() { seq 1 "$IGNITE_NODES"; }
ignite_node_dir() {
  if ((IGNITE_NODES == 1)); then echo "$IGNITE_DIR"; else echo "$STATE/ignite-${IGNITE_PORT}x$IGNITE_NODES/node-$1"; fi
}
ignite_node_name() { if ((IGNITE_NODES == 1)); then echo ignite; else echo "ignite node $1"; fi; }
ignite_port() { echo $((IGNITE_PORT + $1 - 1)); }
ignite_addr() { echo "$HOST:$(ignite_port "$1")"; }
ignite_config() { echo "$(ignite_node_dir "$1")/ignite-config.xml"; }

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

ignite_pid() { live_pid "$(ignite_node_dir "$1")/pid" "CommandLineStartup $(ignite_config "$1")"; }

# Secure mode's default is on (deploy/local/services refuses it off there).
ignite_persistence() {
  case ${STREAMLAB_IGNITE_PERSISTENCE:-$SECURE} in
    1 | true | yes | on)
      # A persistent cluster needs its baseline managed as nodes come and go: not done here.
      ((IGNITE_NODES == 1)) || usage_error "STREAMLAB_IGNITE_PERSISTENCE=1 is for one node, not a cluster"
      echo true
      ;;
    0 | false | no | off | "") echo false ;;
    *) usage_error "STREAMLAB_IGNITE_PERSISTENCE must be 0 or 1, not '$STREAMLAB_IGNITE_PERSISTENCE'" ;;
  esac
}

# Written on every start, so a changed port or setting applies at the next restart.
ignite_write_config() {
  local node=$1 persistence=$2 region_mb=${STREAMLAB_IGNITE_REGION_MB:-2048} dir config consistent_id
  dir=$(ignite_node_dir "$node")
  config=$(ignite_config "$node")
  if ! [[ $region_mb =~ ^[0-9]+$ ]] || ((region_mb < 256)); then
    usage_error "STREAMLAB_IGNITE_REGION_MB must be a number of MiB >= 256"
  fi
  # One node keeps the id its persistence files were made under.
  consistent_id=streamlab-ignite
  ((IGNITE_NODES == 1)) || consistent_id=streamlab-ignite-$node
  # Lines of the template that end in @SECURE@ are secure mode's: kept (without the mark) in
  # secure mode, dropped otherwise. The file is 0600 in secure mode: it holds the keystores'
  # password, filled in by bash below rather than sed, so that no command line carries it.
  local secure_lines=('/@SECURE@$/d')
  if ((SECURE)); then
    secure_lines=('s/ *@SECURE@$//')
    rm -f "$config"
    (umask 077 && touch "$config")
  fi
  sed -e "${secure_lines[0]}" \
    -e "s|@KEYSTORE@|$IGNITE_KEYSTORE|g" \
    -e "s|@TRUSTSTORE@|$IGNITE_TRUSTSTORE|g" \
    -e "s|@HOST@|$HOST|g" \
    -e "s|@CONSISTENT_ID@|$consistent_id|g" \
    -e "s|@PORT@|$(ignite_port "$node")|g" \
    -e "s|@DISCOVERY_PORT@|$((IGNITE_DISCOVERY_PORT + node - 1))|g" \
    -e "s|@DISCOVERY_PORT_FIRST@|$IGNITE_DISCOVERY_PORT|g" \
    -e "s|@DISCOVERY_PORT_LAST@|$((IGNITE_DISCOVERY_PORT + 9))|g" \
    -e "s|@COMMUNICATION_PORT@|$((IGNITE_COMMUNICATION_PORT + node - 1))|g" \
    -e "s|@WORK_DIR@|$dir/work|g" \
    -e "s|@REGION_MB@|$region_mb|g" \
    -e "s|@PERSISTENCE@|$persistence|g" \
    "$IGNITE_TEMPLATE" >"$config"
  if ((SECURE)); then
    local text
    text=$(<"$config")
    printf '%s\n' "${text//@KEYSTORE_PASSWORD@/$(<"$IGNITE_KEYSTORE_PASSWORD_FILE")}" >"$config"
  fi
  ! grep -q '@[A-Z_]*@' "$config" || die "ignite: unfilled placeholder in $config"

  # java.util.logging to stderr (the log file): Ignite's own start/stop lines and topology at
  # INFO, everything else from its internals at WARNING, which keeps a day's log readable.
  cat >"$dir/java.util.logging.properties" <<'LOGEOF'
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

# Secure mode: the passwords, made once, and the keystores, made on every start from ca.sh's
# files (a certificate made again applies at once): the server's key and certificate with the CA
# (keystore), and the CA alone as a trusted certificate (truststore: Ignite's SslContextFactory
# wants one, though it asks clients for no certificate). openssl and keytool read the password
# from its file, never from their command line.
ignite_write_secure_files() {
  write_password_once "$IGNITE_PASSWORD_FILE"
  write_password_once "$IGNITE_SUPERUSER_PASSWORD_FILE"
  write_password_once "$IGNITE_KEYSTORE_PASSWORD_FILE"
  local out
  rm -f "$IGNITE_KEYSTORE" "$IGNITE_TRUSTSTORE"
  out=$(
    umask 077
    openssl pkcs12 -export -name server -in "$CA_SERVER_CERT" -inkey "$CA_SERVER_KEY" -certfile "$CA_CERT" \
      -passout "file:$IGNITE_KEYSTORE_PASSWORD_FILE" -out "$IGNITE_KEYSTORE" 2>&1 \
      && keytool -importcert -noprompt -alias ca -file "$CA_CERT" -storetype PKCS12 \
        -keystore "$IGNITE_TRUSTSTORE" -storepass:file "$IGNITE_KEYSTORE_PASSWORD_FILE" 2>&1
  ) || { say "$out"; die "ignite: making the keystores failed"; }
}

# Ready = a thin client (pyignite, from .local/venv) completes the protocol handshake and the
# cluster is ACTIVE. A persistent cluster starts INACTIVE the first time (and whenever its
# baseline is incomplete): the probe then activates it; with one node, that node becomes the
# baseline, and later restarts activate by themselves. In secure mode the probe speaks TLS,
# verifying the server against the CA, and logs in; on the first start it sets the users up
# first. See services.d/ignite_probe.py.
ignite_ready() {
  local node=$1 out login=()
  port_open "$(ignite_port "$node")" || return 1
  ((SECURE == 0)) || login=(--cacert "$CA_CERT" --superuser-password-file "$IGNITE_SUPERUSER_PASSWORD_FILE"
    --user "$IGNITE_USER" --password-file "$IGNITE_PASSWORD_FILE")
  out=$("$IGNITE_PYTHON" "$IGNITE_PROBE" "$HOST" "$(ignite_port "$node")" "${login[@]}" 2>&1) && return 0
  [[ -n $out ]] && echo "[probe] $out" >>"$(ignite_node_dir "$node")/log"
  return 1
}

# Starts every node that is not running: all of them, then waits for each.
ignite_start() {
  local node dir pid persistence mode="in-memory" started=$SECONDS launched=()
  persistence=$(ignite_persistence)
  [[ $persistence == true ]] && mode="persistence on"
  for node in $(ignite_nodes); do
    pid=$(ignite_pid "$node")
    if [[ -n $pid ]]; then
      say "$(ignite_node_name "$node"): already running (pid $pid, $(ignite_addr "$node"))"
      continue
    fi
    dir=$(ignite_node_dir "$node")
    require_free_port "$(ignite_node_name "$node")" "$(ignite_port "$node")" \
      $((IGNITE_DISCOVERY_PORT + node - 1)) $((IGNITE_COMMUNICATION_PORT + node - 1))
    mkdir -p "$dir/work"
    ((SECURE == 0)) || ignite_write_secure_files
    ignite_write_config "$node" "$persistence"
    rotate_log "$dir/log"
    # The module flags are the ones Ignite's documentation lists for Java 17 (they are accepted by
    # Java 11 too). IGNITE_UPDATE_NOTIFIER=false: no version check over the network. The collector
    # stays G1 (at 15,000 and 30,000 msgs/s into Ignite, Shenandoah's p99s were no lower;
    # docs/BENCHMARKS.md); STREAMLAB_IGNITE_GC overrides it, and gc.log keeps the pauses as the
    # broker's does.
    # shellcheck disable=SC2086  # STREAMLAB_IGNITE_HEAP and _GC are lists of JVM options
    launch "$dir/log" \
      java ${STREAMLAB_IGNITE_HEAP:--Xms1g -Xmx1g} \
      ${STREAMLAB_IGNITE_GC:--XX:+UseG1GC -XX:MaxGCPauseMillis=20} \
      -XX:+DisableExplicitGC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Xlog:gc,safepoint:file="$dir/gc.log":time,uptime:filecount=2,filesize=10m \
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
      -DIGNITE_HOME="$dir" -DIGNITE_QUIET=true -DIGNITE_NO_ASCII=true \
      -DIGNITE_UPDATE_NOTIFIER=false -DIGNITE_PERFORMANCE_SUGGESTIONS_DISABLED=true \
      -Djava.util.logging.config.file="$dir/java.util.logging.properties" \
      -cp "$IGNITE_LIB/*" org.apache.ignite.startup.cmdline.CommandLineStartup "$(ignite_config "$node")"
    echo "$LAUNCHED_PID" >"$dir/pid"
    launched+=("$node")
  done
  await_nodes ignite "$IGNITE_START_TIMEOUT" "$started" ", $mode" "${launched[@]}"
}

# SIGTERM runs Ignite's shutdown hook: the node leaves the topology and, with persistence,
# writes a checkpoint before exiting. Every node (stop_nodes), all at once.
ignite_stop() { stop_nodes ignite "$IGNITE_NODES" "$IGNITE_DIR" CommandLineStartup ignite-config.xml; }

# SIGKILL to node N, for fault tests: `start ignite` brings it back.
ignite_kill() { kill_node ignite "$1" "$IGNITE_NODES" "$(ignite_node_name "$1")" "$(ignite_pid "$1")" \
  "$(ignite_node_dir "$1")/pid"; }

ignite_status() {
  local node rc=0 mode="in-memory"
  grep -q 'name="persistenceEnabled" value="true"' "$(ignite_config 1)" 2>/dev/null && mode="persistence on"
  ((SECURE == 0)) || mode+=", TLS, authentication"
  for node in $(ignite_nodes); do
    service_status "$(ignite_node_name "$node")" "$(ignite_pid "$node")" "$(ignite_addr "$node") ($mode)" || rc=1
  done
  return "$rc"
}

# All nodes: the client goes on with another when one fails.
# ignite_uri ADDRESS...: the thin client's URI of a cluster (ignite://a:p,b:q).
ignite_uri() { (IFS=,; echo "ignite://$*"); }
ignite_env() {
  local node list=()
  if ((SECURE)); then
    # The user in the URI, its password apart (STREAMLAB_IGNITE_PASSWORD), never in the URI.
    export_var STREAMLAB_IGNITE "ignite://localhost:$IGNITE_PORT?user=$IGNITE_USER&tls=true&cacert=$(uri_encode "$CA_CERT")"
    [[ ! -s $IGNITE_PASSWORD_FILE ]] || export_var STREAMLAB_IGNITE_PASSWORD "$(<"$IGNITE_PASSWORD_FILE")"
    return 0
  fi
  for node in $(ignite_nodes); do list+=("$(ignite_addr "$node")"); done
  export_var STREAMLAB_IGNITE "$(ignite_uri "${list[@]}")"
  # The nodes' discovery ports, where a client node joins (streamlab bench's data streamer
  # baseline, bench/ignite-baseline).
  export_var STREAMLAB_IGNITE_DISCOVERY "$HOST:$IGNITE_DISCOVERY_PORT..$((IGNITE_DISCOVERY_PORT + 9))"
}
