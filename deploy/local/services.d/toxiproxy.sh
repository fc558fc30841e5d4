# Toxiproxy (Shopify's TCP proxy for network faults, a Go program built with `go install`): the
# lab's WAN on loopback. It proxies each service from its port + STREAMLAB_WAN_PORT_OFFSET (1000)
# to the service; `streamlab bench`'s wan scenario and the network fault tests add toxics (a
# delay, a bandwidth, a reset, silence) to those proxies through its HTTP API, and remove them.
# Kafka's proxies lead to each broker's WAN listener, which advertises the proxy's port, so that
# a client's every connection to the brokers crosses the link, not only its first.
# One of deploy/local/services' services: sourced by it after the others (it proxies them).
# shellcheck shell=bash

readonly TOXIPROXY_VERSION=v2.12.0
readonly TOXIPROXY_PORT=${STREAMLAB_TOXIPROXY_PORT:-18474}
readonly TOXIPROXY_START_TIMEOUT=30

readonly TOXIPROXY_DIR=$STATE/toxiproxy
readonly TOXIPROXY_BIN=$TOXIPROXY_DIR/bin/server
readonly TOXIPROXY_API=http://$HOST:$TOXIPROXY_PORT

toxiproxy_install() {
  [[ -x $TOXIPROXY_BIN && $(cat "$TOXIPROXY_DIR/bin/version" 2>/dev/null) == "$TOXIPROXY_VERSION" ]] && return 0
  command -v go >/dev/null || apt_install golang-go
  say "toxiproxy: building Toxiproxy $TOXIPROXY_VERSION (go install)"
  mkdir -p "$TOXIPROXY_DIR/bin"
  GOBIN=$TOXIPROXY_DIR/bin go install "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION" >&2 \
    || die "toxiproxy: go install failed"
  echo "$TOXIPROXY_VERSION" >"$TOXIPROXY_DIR/bin/version"
}

toxiproxy_pid() { live_pid "$TOXIPROXY_DIR/pid" "$TOXIPROXY_BIN -host $HOST -port $TOXIPROXY_PORT"; }

# "name listen upstream" per proxy: each Kafka node's, PostgreSQL's, Redis's and each Ignite node's.
toxiproxy_routes() {
  local node
  for node in $(kafka_nodes); do
    echo "kafka-$node $HOST:$(kafka_wan_port "$node") $HOST:$(kafka_wan_listener_port "$node")"
  done
  echo "postgres $HOST:$(wan_port "$POSTGRES_PORT") $POSTGRES_ADDR"
  echo "redis $HOST:$(wan_port "$REDIS_PORT") $REDIS_ADDR"
  for node in $(ignite_nodes); do
    echo "ignite-$node $HOST:$(wan_port "$(ignite_port "$node")") $(ignite_addr "$node")"
  done
}

# The proxies Toxiproxy creates at its start (-config): no toxics, so the link is plain until a
# benchmark or a test adds them.
toxiproxy_write_config() {
  local name listen upstream sep=""
  {
    echo "["
    while read -r name listen upstream; do
      printf '%s  {"name": "%s", "listen": "%s", "upstream": "%s", "enabled": true}' "$sep" "$name" "$listen" "$upstream"
      sep=$',\n'
    done < <(toxiproxy_routes)
    printf '\n]\n'
  } >"$TOXIPROXY_DIR/proxies.json"
}

toxiproxy_ready() {
  local name listen upstream
  port_open "$TOXIPROXY_PORT" || return 1
  while read -r name listen upstream; do port_open "${listen##*:}" || return 1; done < <(toxiproxy_routes)
}

toxiproxy_start() {
  local pid ports=("$TOXIPROXY_PORT") name listen upstream
  pid=$(toxiproxy_pid)
  if [[ -n $pid ]]; then
    say "toxiproxy: already running (pid $pid, $TOXIPROXY_API)"
    return 0
  fi
  while read -r name listen upstream; do ports+=("${listen##*:}"); done < <(toxiproxy_routes)
  require_free_port toxiproxy "${ports[@]}"
  mkdir -p "$TOXIPROXY_DIR"
  toxiproxy_write_config
  rotate_log "$TOXIPROXY_DIR/log"
  local started=$SECONDS
  launch_and_wait toxiproxy "$TOXIPROXY_DIR/pid" "$TOXIPROXY_DIR/log" "$TOXIPROXY_START_TIMEOUT" toxiproxy_ready \
    "$TOXIPROXY_BIN" -host "$HOST" -port "$TOXIPROXY_PORT" -config "$TOXIPROXY_DIR/proxies.json"
  say "toxiproxy: started (pid $LAUNCHED_PID, $TOXIPROXY_API, $(toxiproxy_routes | wc -l) proxies) in $((SECONDS - started))s"
}

toxiproxy_stop() { stop_by_pidfile toxiproxy "$TOXIPROXY_DIR/pid" toxiproxy_pid; }

toxiproxy_status() {
  service_status toxiproxy "$(toxiproxy_pid)" "$TOXIPROXY_API (each service's proxy on its port + $WAN_PORT_OFFSET)"
}

toxiproxy_env() {
  local node brokers=() ignites=()
  export_var STREAMLAB_TOXIPROXY "$TOXIPROXY_API"
  # The same services through their proxies, for clients that should cross the link.
  for node in $(kafka_nodes); do brokers+=("$HOST:$(kafka_wan_port "$node")"); done
  export_var STREAMLAB_WAN_BROKERS "$(IFS=,; echo "${brokers[*]}")"
  export_var STREAMLAB_WAN_POSTGRES "$(postgres_uri "$HOST:$(wan_port "$POSTGRES_PORT")")"
  export_var STREAMLAB_WAN_REDIS "$(redis_uri "$HOST:$(wan_port "$REDIS_PORT")")"
  for node in $(ignite_nodes); do ignites+=("$HOST:$(wan_port "$(ignite_port "$node")")"); done
  export_var STREAMLAB_WAN_IGNITE "$(ignite_uri "${ignites[@]}")"
}
