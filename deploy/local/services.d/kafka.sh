# Kafka 3.9 (not 4.x: Debian 12's librdkafka 2.0.2 and kafka-python need protocol versions
# that Kafka 4 removed) in KRaft mode, run from jars Maven copies from Central: one node by
# default, or a cluster of STREAMLAB_KAFKA_NODES nodes, each broker and controller at once.
# One of deploy/local/services' services: sourced by it after common.sh.
#
# Node i (from 1) listens on STREAMLAB_KAFKA_PORT + 2(i-1) and its controller on
# STREAMLAB_KAFKA_CONTROLLER_PORT + 2(i-1): 19092/19093, 19094/19095, 19096/19097 by default.
# One node keeps its state in .local/kafka/; a cluster in .local/kafka-<port>x<nodes>/node-<i>/,
# so a cluster on other ports (the cluster tests') never shares a data directory with another.
#
# Secure mode (STREAMLAB_SECURE=1, one node, .local/secure/kafka/): clients get a SASL_SSL listener
# (SCRAM-SHA-512 over TLS with ca.sh's server certificate) on STREAMLAB_KAFKA_PORT (28092: 29092..
# is the cluster tests'), and the one SCRAM user, `streamlab`, a generated password. Inter-broker
# traffic, which one node has only with itself, and this script's own tools use a PLAINTEXT
# listener on the Kafka port + 2, on loopback, as a production cluster keeps it on an internal
# network; no WAN listener (no Toxiproxy in secure mode).
# shellcheck shell=bash

if ((SECURE)); then
  readonly KAFKA_PORT=${STREAMLAB_KAFKA_PORT:-28092}
  readonly KAFKA_CONTROLLER_PORT=${STREAMLAB_KAFKA_CONTROLLER_PORT:-28093}
else
  readonly KAFKA_PORT=${STREAMLAB_KAFKA_PORT:-19092}
  readonly KAFKA_CONTROLLER_PORT=${STREAMLAB_KAFKA_CONTROLLER_PORT:-19093}
fi
# Each broker's Prometheus metrics (the JMX exporter agent) on this port + (node - 1).
readonly KAFKA_METRICS_PORT=${STREAMLAB_KAFKA_METRICS_PORT:-$((KAFKA_PORT + 98))}
readonly KAFKA_NODES=${STREAMLAB_KAFKA_NODES:-1}
[[ $KAFKA_NODES =~ ^[1-9]$ ]] || die "kafka: STREAMLAB_KAFKA_NODES must be 1 to 9, not '$KAFKA_NODES'"
readonly KAFKA_START_TIMEOUT=90   # seconds to wait for the broker to accept requests

readonly KAFKA_DIR=$STATE/kafka   # the tools' settings; one node's state too
# The jars, in .local/kafka/ in both modes.
readonly KAFKA_LIB=$LOCAL/kafka/lib
readonly KAFKA_POM=$ROOT/deploy/local/kafka/pom.xml
readonly KAFKA_JMX_POM=$ROOT/deploy/local/kafka/jmx-exporter.pom.xml
readonly KAFKA_JMX_RULES=$ROOT/deploy/local/kafka/jmx-exporter.yaml
readonly KAFKA_JMX_LIB=$LOCAL/kafka/jmx-exporter
# Secure mode: the SCRAM user, its password (0600), and the librdkafka properties a client needs
# (0600: it holds the password; `env` exports it as STREAMLAB_CONFIG, kcat -F reads it too).
readonly KAFKA_USER=streamlab
readonly KAFKA_PASSWORD_FILE=$KAFKA_DIR/password
readonly KAFKA_CLIENT_CONFIG=$KAFKA_DIR/client.properties
if ((KAFKA_NODES == 1)); then
  readonly KAFKA_CLUSTER_DIR=$KAFKA_DIR
else
  readonly KAFKA_CLUSTER_DIR=$STATE/kafka-${KAFKA_PORT}x$KAFKA_NODES
fi

# Replication as a production cluster has it, as far as the node count allows: three copies,
# and an acks=all write needs two of them when there are three.
readonly KAFKA_REPLICAS=$((KAFKA_NODES < 3 ? KAFKA_NODES : 3))
readonly KAFKA_MIN_ISR=$((KAFKA_REPLICAS < 3 ? 1 : 2))

kafka_nodes() { seq 1 "$KAFKA_NODES"; }
kafka_node_dir() { if ((KAFKA_NODES == 1)); then echo "$KAFKA_DIR"; else echo "$KAFKA_CLUSTER_DIR/node-$1"; fi; }
kafka_port() { echo $((KAFKA_PORT + 2 * ($1 - 1))); }
kafka_controller_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }
kafka_addr() { echo "$HOST:$(kafka_port "$1")"; }
# The WAN listener: its address as advertised, Toxiproxy's proxy (toxiproxy.sh), and the port the
# broker listens on behind that proxy.
kafka_wan_port() { wan_port "$(kafka_port "$1")"; }
kafka_wan_listener_port() { echo $(($(kafka_wan_port "$1") + 1)); }
kafka_metrics_port() { echo $((KAFKA_METRICS_PORT + $1 - 1)); }
# Secure mode's PLAINTEXT listener (inter-broker, and this script's readiness check and tools).
kafka_internal_port() { echo $(($(kafka_port "$1") + 2)); }
# The listener this script talks to without a password: the client one, or in secure mode the
# internal one.
kafka_plain_addr() {
  if ((SECURE)); then echo "$HOST:$(kafka_internal_port "$1")"; else kafka_addr "$1"; fi
}
kafka_metrics_url() { echo "http://$HOST:$(kafka_metrics_port "$1")/metrics"; }
# "127.0.0.1:19092,127.0.0.1:19094,..."
kafka_bootstrap() {
  local i list=()
  for i in $(kafka_nodes); do list+=("$(kafka_addr "$i")"); done
  (IFS=,; echo "${list[*]}")
}

# The poms are the one place the versions are written.
kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"
}
kafka_jmx_jar() {
  echo "$KAFKA_JMX_LIB/jmx_prometheus_javaagent-$(sed -n 's:.*<jmx.exporter.version>\(.*\)</jmx.exporter.version>.*:\1:p' "$KAFKA_JMX_POM").jar"
}

kafka_install() {
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v kcat >/dev/null || apt_install kcat
  local version
  version=$(kafka_version)
  if [[ ! -f $KAFKA_LIB/kafka_2.13-$version.jar ]]; then
    say "kafka: fetching Apache Kafka $version jars from Maven Central"
    maven_fetch_jars kafka "$KAFKA_POM" "$KAFKA_LIB" "kafka_2.13-$version.jar"
  fi
  if [[ ! -f $(kafka_jmx_jar) ]]; then
    say "kafka: fetching the Prometheus JMX exporter agent from Maven Central"
    maven_fetch_jars kafka "$KAFKA_JMX_POM" "$KAFKA_JMX_LIB" "$(basename "$(kafka_jmx_jar)")"
  fi
}

kafka_pid() { live_pid "$(kafka_node_dir "$1")/pid" "kafka.Kafka $(kafka_node_dir "$1")/server.properties"; }

# "1@127.0.0.1:19093,2@127.0.0.1:19095,..."
kafka_voters() {
  local i list=()
  for i in $(kafka_nodes); do list+=("$i@$HOST:$(kafka_controller_port "$i")"); done
  (IFS=,; echo "${list[*]}")
}

# The listeners of node N, lines of server.properties.
kafka_listener_config() {
  local node=$1
  if ((SECURE)); then
    cat <<EOC
# Clients on SASL_SSL: SCRAM-SHA-512 (the broker keeps the users' salted credentials in its
# metadata log) over TLS, with the server certificate and key of ca.sh in one PEM file. PLAINTEXT
# is for inter-broker traffic and this script's tools, on loopback.
listeners=SASL_SSL://$(kafka_addr "$node"),PLAINTEXT://$(kafka_plain_addr "$node"),CONTROLLER://$HOST:$(kafka_controller_port "$node")
advertised.listeners=SASL_SSL://$(kafka_addr "$node"),PLAINTEXT://$(kafka_plain_addr "$node")
listener.security.protocol.map=SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$(kafka_node_dir "$node")/server.pem
ssl.enabled.protocols=TLSv1.3,TLSv1.2
EOC
  else
    cat <<EOC
# WAN: the same broker behind Toxiproxy (toxiproxy.sh). Metadata fetched through the proxy names
# the proxy, so a client that bootstraps there keeps every connection on the link.
listeners=PLAINTEXT://$(kafka_addr "$node"),CONTROLLER://$HOST:$(kafka_controller_port "$node"),WAN://$HOST:$(kafka_wan_listener_port "$node")
advertised.listeners=PLAINTEXT://$(kafka_addr "$node"),WAN://$HOST:$(kafka_wan_port "$node")
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,WAN:PLAINTEXT
EOC
  fi
}

# Written on every start, so a changed port or setting applies at the next restart.
kafka_write_config() {
  local node=$1 dir
  dir=$(kafka_node_dir "$node")
  cat >"$dir/server.properties" <<EOC
# Generated by deploy/local/services on every start; edit services.d/kafka.sh, not this file.
process.roles=broker,controller
node.id=$node
controller.quorum.voters=$(kafka_voters)
$(kafka_listener_config "$node")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data

# $KAFKA_NODES node(s): every topic, internal ones too, gets $KAFKA_REPLICAS replica(s), and an
# acks=all write needs $KAFKA_MIN_ISR in sync. A new group need not wait for others.
num.partitions=1
default.replication.factor=$KAFKA_REPLICAS
min.insync.replicas=$KAFKA_MIN_ISR
offsets.topic.replication.factor=$KAFKA_REPLICAS
transaction.state.log.replication.factor=$KAFKA_REPLICAS
transaction.state.log.min.isr=$KAFKA_MIN_ISR
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
# 50 partitions each by default: on a dev box they add no parallelism, only seconds to every
# start (each is loaded and logged) once a consumer group or a transaction has created them.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4

# A dev box: keep a day of data and at most 2 GiB per partition, in 256 MiB segments
# (retention removes whole segments only, so smaller segments keep the bound tight).
log.retention.hours=24
log.retention.bytes=2147483648
log.segment.bytes=268435456
EOC

  # Log4j writes to stdout, which goes to the log file with anything the JVM itself prints.
  # The request and state-change loggers repeat every request at INFO: kept at WARN.
  cat >"$dir/log4j.properties" <<'EOC'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.authorizer.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOC
}

# For Kafka's command-line tools (StorageTool here, the perf tools in benchmarks): warnings only.
kafka_write_tools_config() {
  cat >"$KAFKA_DIR/tools-log4j.properties" <<'EOC'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOC
}

kafka_tool() {
  java -Dlog4j.configuration="file:$KAFKA_DIR/tools-log4j.properties" -cp "$KAFKA_LIB/*" "$@"
}

# KRaft needs each node's log directory formatted once, every node of a cluster with the same
# cluster id (kept in cluster.id beside the nodes); meta.properties marks a formatted one.
kafka_format_once() {
  local node=$1 dir cluster_id
  dir=$(kafka_node_dir "$node")
  [[ -f $dir/data/meta.properties ]] && return 0
  if [[ -s $KAFKA_CLUSTER_DIR/cluster.id ]]; then
    read -r cluster_id <"$KAFKA_CLUSTER_DIR/cluster.id"
  else
    cluster_id=$(kafka_tool kafka.tools.StorageTool random-uuid)
    echo "$cluster_id" >"$KAFKA_CLUSTER_DIR/cluster.id"
  fi
  say "kafka: formatting $dir/data (cluster id $cluster_id)"
  kafka_tool kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$dir/server.properties" >>"$dir/log" 2>&1 \
    || { tail -n 30 "$dir/log" >&2; die "kafka: formatting the storage failed"; }
}

# Node N is ready when it answers a metadata request and lists itself (in a cluster: once the
# quorum has a leader and has registered it). The port test first keeps the poll quick while
# the JVM boots (kcat would wait out its timeout on a closed port). In secure mode, then, a client
# must log in on SASL_SSL too (kafka_sasl_ready), the SCRAM user being made first if it cannot.
kafka_ready() {
  local node=$1 addr out
  addr=$(kafka_plain_addr "$node")
  port_open "${addr##*:}" || return 1
  out=$(kcat -b "$addr" -L -m 2 2>/dev/null) || return 1
  [[ $out == *"broker $node at $addr"* ]] || return 1
  ((SECURE)) || return 0
  kafka_sasl_ready && return 0
  ((KAFKA_SCRAM_SET)) || kafka_set_scram_user
  return 1
}

# Secure mode: the files the broker and its clients read, rewritten on every start (a certificate
# ca.sh made again applies at once), from the password made once. 0600: keys and passwords.
kafka_write_secure_files() {
  local dir
  dir=$(kafka_node_dir 1)
  write_password_once "$KAFKA_PASSWORD_FILE"
  (
    umask 077
    cat "$CA_SERVER_KEY" "$CA_SERVER_CERT" >"$dir/server.pem"
    cat >"$KAFKA_CLIENT_CONFIG" <<EOC
# librdkafka properties of the secure Kafka's user (deploy/local/services, rewritten on every
# start): streamlab -F / STREAMLAB_CONFIG, kcat -F.
security.protocol=SASL_SSL
sasl.mechanisms=SCRAM-SHA-512
sasl.username=$KAFKA_USER
sasl.password=$(cat "$KAFKA_PASSWORD_FILE")
ssl.ca.location=$CA_CERT
EOC
  )
}

# A client of the secure node logs in (TLS verified against the CA, SCRAM) and is told of the
# broker at its SASL_SSL address.
kafka_sasl_ready() {
  local addr out
  addr=$(kafka_addr 1)
  out=$(kcat -F "$KAFKA_CLIENT_CONFIG" -b "$addr" -L -m 3 2>/dev/null) || return 1
  [[ $out == *"broker 1 at $addr"* ]]
}

# The SCRAM user gets the password file's password, through the PLAINTEXT listener, by Kafka's
# ConfigCommand reading it from a properties file (0600, removed at once) rather than from its
# --add-config argument: no command line ever carries it. Only when a client cannot log in already
# (the credential is kept in the metadata log, so restarts find it there), and once per start
# when it succeeds (a failure is tried again at the next poll).
KAFKA_SCRAM_SET=0
kafka_set_scram_user() {
  local file=$KAFKA_DIR/scram.properties password out ok=1
  password=$(cat "$KAFKA_PASSWORD_FILE")
  say "kafka: setting the password of SCRAM-SHA-512 user $KAFKA_USER"
  # In a file the value is "[iterations=N,]password=P": the brackets of --add-config are only
  # its way of grouping a value that has commas.
  (umask 077 && printf 'SCRAM-SHA-512=iterations=8192,password=%s\n' "$password" >"$file")
  # Its messages go to the log with the password masked: a refusal quotes the property whole.
  out=$(kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$(kafka_plain_addr 1)" --alter \
    --entity-type users --entity-name "$KAFKA_USER" --add-config-file "$file" 2>&1) \
    || { ok=0; out+=$'\n'"[services] setting the password of SCRAM user $KAFKA_USER failed"; }
  rm -f "$file"
  [[ -z $out ]] || echo "${out//"$password"/"<password>"}" >>"$(kafka_node_dir 1)/log"
  KAFKA_SCRAM_SET=$ok
}

kafka_node_name() { if ((KAFKA_NODES == 1)); then echo kafka; else echo "kafka node $1"; fi; }

# Starts every node that is not running: all of them first, then waits for each, since a node of
# a cluster serves only once a majority of the controllers is up.
kafka_start() {
  local node dir pid started=$SECONDS launched=()
  mkdir -p "$KAFKA_DIR"
  kafka_write_tools_config
  for node in $(kafka_nodes); do
    pid=$(kafka_pid "$node")
    if [[ -n $pid ]]; then
      say "$(kafka_node_name "$node"): already running (pid $pid, $(kafka_addr "$node"))"
      continue
    fi
    dir=$(kafka_node_dir "$node")
    if ((SECURE)); then
      require_free_port kafka "$(kafka_port 1)" "$(kafka_internal_port 1)" "$(kafka_controller_port 1)" \
        "$(kafka_metrics_port 1)"
    else
      require_free_port "$(kafka_node_name "$node")" "$(kafka_port "$node")" "$(kafka_controller_port "$node")" \
        "$(kafka_metrics_port "$node")" "$(kafka_wan_listener_port "$node")"
    fi
    mkdir -p "$dir/data"
    ((SECURE == 0)) || kafka_write_secure_files
    kafka_write_config "$node"
    rotate_log "$dir/log"
    kafka_format_once "$node"
    # The heap is what the brief asks of a dev box; exiting on OOM is what Kafka's own start
    # script does (a broker limping on after an OutOfMemoryError is worse than a dead one). The
    # collector is Shenandoah, not the G1 of Kafka's script: on two cores shared with the
    # producer, the consumer and the databases, G1's stop-the-world evacuations stretched from
    # 3-5 ms to 40-80 ms (gc.log), and a produce request waited that long; Shenandoah evacuates
    # concurrently (docs/BENCHMARKS.md, "The Kafka path's stalls"). STREAMLAB_KAFKA_GC overrides
    # it. gc.log keeps the pauses and safepoints (two files of 10 MB at most). The JMX exporter
    # serves the broker's metrics on loopback (jmx-exporter.yaml).
    # shellcheck disable=SC2086  # STREAMLAB_KAFKA_HEAP and _GC are lists of JVM options
    launch "$dir/log" java ${STREAMLAB_KAFKA_HEAP:--Xms512m -Xmx1g} \
      ${STREAMLAB_KAFKA_GC:--XX:+UseShenandoahGC} -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
      -Xlog:gc,safepoint:file="$dir/gc.log":time,uptime:filecount=2,filesize=10m \
      -javaagent:"$(kafka_jmx_jar)=$HOST:$(kafka_metrics_port "$node"):$KAFKA_JMX_RULES" \
      -Dlog4j.configuration="file:$dir/log4j.properties" \
      -cp "$KAFKA_LIB/*" kafka.Kafka "$dir/server.properties"
    echo "$LAUNCHED_PID" >"$dir/pid"
    launched+=("$node")
  done
  await_nodes kafka "$KAFKA_START_TIMEOUT" "$started" "" "${launched[@]}"
}

# Every node (stop_nodes), all at once: a node stopped after the others would wait for a
# controller quorum that is gone.
kafka_stop() { stop_nodes kafka "$KAFKA_NODES" "$KAFKA_DIR" kafka.Kafka server.properties; }

# SIGKILL to node N, for fault tests and benchmarks: `start kafka` brings it back.
kafka_kill() { kill_node kafka "$1" "$KAFKA_NODES" "$(kafka_node_name "$1")" "$(kafka_pid "$1")" \
  "$(kafka_node_dir "$1")/pid"; }

kafka_status() {
  local node rc=0 internal=""
  for node in $(kafka_nodes); do
    ((SECURE == 0)) || internal="SASL_SSL, inter-broker PLAINTEXT $(kafka_plain_addr "$node"), "
    service_status "$(kafka_node_name "$node")" "$(kafka_pid "$node")" \
      "$(kafka_addr "$node") (${internal}controller $HOST:$(kafka_controller_port "$node"), metrics $(kafka_metrics_url "$node"))" \
      || rc=1
  done
  return "$rc"
}

kafka_env() {
  local node urls=()
  export_var STREAMLAB_BROKERS "$(kafka_bootstrap)"
  # Secure mode: how to log in (librdkafka properties, 0600), for streamlab's -F and kcat's -F.
  ((SECURE == 0)) || export_var STREAMLAB_CONFIG "$KAFKA_CLIENT_CONFIG"
  # Each broker's own metrics (Prometheus text), for `streamlab bench` and `consume --web`.
  for node in $(kafka_nodes); do urls+=("$(kafka_metrics_url "$node")"); done
  export_var STREAMLAB_KAFKA_METRICS "$(IFS=,; echo "${urls[*]}")"
  # The broker's jars, so benchmarks can run Kafka's own tools:
  #   java -cp "$STREAMLAB_KAFKA_LIB/*" org.apache.kafka.tools.ProducerPerformance ...
  export_var STREAMLAB_KAFKA_LIB "$KAFKA_LIB"
  # A log4j configuration that keeps those tools at WARN on stderr (-Dlog4j.configuration=file:...).
  export_var STREAMLAB_KAFKA_TOOLS_LOG4J "$KAFKA_DIR/tools-log4j.properties"
}
