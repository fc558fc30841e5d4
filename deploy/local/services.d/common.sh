# Helpers shared by deploy/local/services, its services (services.d/<service>.sh),
# install-deps and python-env: messages, root and Debian packages, processes, ports.
# Sourced, not run; defines only functions and the few settings below.
# shellcheck shell=bash

# Messages go to stderr; die and usage_error name the script that failed ("services: ...").
say() { printf '%s\n' "$*" >&2; }
die() { say "${0##*/}: $*"; exit 1; }
# Exit 2 with the script's usage (a function `usage` the sourcing script defines).
usage_error() { say "${0##*/}: $*"; usage >&2; exit 2; }

# Secure mode (STREAMLAB_SECURE=1, see deploy/local/services): a second set of services, with TLS
# and passwords, beside the plaintext one and never sharing a port or a file with it.
case ${STREAMLAB_SECURE:-0} in
  1 | true | yes | on) readonly SECURE=1 ;;
  0 | false | no | off | "") readonly SECURE=0 ;;
  *) die "STREAMLAB_SECURE must be 0 or 1, not '$STREAMLAB_SECURE'" ;;
esac

# The repo root, resolved physically so the state directory is the same whichever symlink the
# script is run by. Every service keeps its state in $STATE/<service>/: .local/<service>/, or
# .local/secure/<service>/ in secure mode. What both modes share (Kafka's and Ignite's jars, the
# Python venv) stays in $LOCAL, so secure mode fetches nothing again. Everything listens on the
# loopback address only.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
readonly ROOT
readonly LOCAL=$ROOT/.local
if ((SECURE)); then readonly STATE=$LOCAL/secure; else readonly STATE=$LOCAL; fi
readonly HOST=127.0.0.1

# Toxiproxy's proxy of a service on port P listens on P + this (services.d/toxiproxy.sh).
readonly WAN_PORT_OFFSET=${STREAMLAB_WAN_PORT_OFFSET:-1000}
wan_port() { echo $(($1 + WAN_PORT_OFFSET)); }

# Seconds to wait for a service to exit on SIGTERM.
readonly STOP_TIMEOUT=60

# Package installs need root; a non-root user goes through sudo.
as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"
  fi
}

APT_UPDATED=0
# Installs those of the given Debian packages that are not installed yet; `apt-get update`
# runs at most once per invocation, and only when something is actually missing.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]}"
  if ((!APT_UPDATED)); then
    as_root apt-get update -q >&2
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

# True if PID is a live process (a zombie left by our own failed start does not count).
alive() {
  local pid=$1 stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ ${stat##*) } != Z* ]]
}

# Prints the pid recorded in PIDFILE if that process is alive and its command line contains
# MARKER; a pid file left by a crash (or a pid since reused by another program) prints nothing.
live_pid() {
  local pidfile=$1 marker=$2 pid
  [[ -r $pidfile ]] || return 0
  read -r pid <"$pidfile" || true
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  alive "$pid" || return 0
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"$marker"* ]] || return 0
  echo "$pid"
}

# True if something accepts TCP connections on HOST:PORT (bash's /dev/tcp: no extra tool).
port_open() { (: <"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Fails early with a clear message instead of letting the service die on "address in use" —
# or worse, the readiness check succeeding against someone else's server.
require_free_port() {
  local name=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "$name: port $HOST:$port is already in use by another process (not one started from $STATE)"
    fi
  done
}

# Keeps the previous run's log as log.1 so a crash can still be read after a restart,
# without letting the log grow across runs.
rotate_log() {
  [[ -f $1 ]] && mv -f "$1" "$1.1"
  return 0
}

# Starts a long-running command detached from this shell: its own session (setsid) so
# closing the terminal does not SIGHUP it and its pid is also its process group id, output
# to LOG, and without fd 9 (the invocation lock), which it would otherwise hold forever.
# Sets LAUNCHED_PID.
launch() {
  local log=$1
  shift
  setsid "$@" </dev/null >>"$log" 2>&1 9>&- &
  LAUNCHED_PID=$!
}

# Polls CHECK... every half second until it succeeds. Fails when TIMEOUT seconds have passed
# or as soon as PID (the service being started) has died.
wait_ready() {
  local pid=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@"; do
    alive "$pid" || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Waits up to TIMEOUT seconds for PID to exit.
wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# terminate NAME PID...: stops the processes the PIDs lead: SIGTERM to all at once (a clean
# shutdown: Kafka closes its logs, Redis flushes its AOF; the nodes of a cluster together, while
# they still have a quorum), then SIGKILL to the process group of each still there after the
# deadline. The final group-wide SIGKILL also catches any child one left behind.
terminate() {
  local name=$1 pid deadline
  shift
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + STOP_TIMEOUT))
  for pid in "$@"; do
    if ! wait_gone "$pid" $((deadline - SECONDS)); then
      say "$name: pid $pid still running ${STOP_TIMEOUT}s after SIGTERM, sending SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      wait_gone "$pid" 10 || die "$name: pid $pid survived SIGKILL"
    fi
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
}

# await_nodes SERVICE TIMEOUT STARTED DETAIL NODE...: waits for each node of SERVICE launched
# by its start (await_launched, with SERVICE_ready NODE), in turn, and says when each is ready,
# with DETAIL after its address. Uses the service's SERVICE_node_dir, _node_name and _addr.
await_nodes() {
  local service=$1 timeout=$2 started=$3 detail=$4 node dir pid name
  shift 4
  for node in "$@"; do
    dir=$("${service}_node_dir" "$node")
    name=$("${service}_node_name" "$node")
    read -r pid <"$dir/pid"
    await_launched "$name" "$dir/pid" "$dir/log" "$timeout" "$pid" "${service}_ready" "$node"
    say "$name: started (pid $pid, $("${service}_addr" "$node")$detail) in $((SECONDS - started))s"
  done
}

# stop_nodes SERVICE NODES DIR PROGRAM CONFIG: stops, all at once (terminate), the single node
# whose state is DIR (unless NODES > 1: a cluster's own stop leaves it alone) and every node of
# any cluster of SERVICE under $STATE (.local/SERVICE-<port>x<nodes>/node-<i>/), each known by
# its pid file and its command line (PROGRAM and the node's CONFIG file), so that a plain `stop`
# (CI's last step) never leaves a node holding its ports.
stop_nodes() {
  local service=$1 nodes=$2 single_dir=$3 program=$4 config=$5 pidfile dir pid single=() pids=() pidfiles=()
  ((nodes > 1)) || single=("$single_dir/pid")
  for pidfile in "${single[@]}" "$STATE/$service"-*x*/node-*/pid; do
    [[ -f $pidfile ]] || continue
    dir=$(dirname "$pidfile")
    pid=$(live_pid "$pidfile" "$program $dir/$config")
    pidfiles+=("$pidfile")
    [[ -n $pid ]] || continue
    say "$service: stopping pid $pid (${dir#"$STATE"/})"
    pids+=("$pid")
  done
  ((${#pids[@]})) || say "$service: not running"
  ((${#pids[@]} == 0)) || terminate "$service" "${pids[@]}"
  ((${#pidfiles[@]} == 0)) || rm -f "${pidfiles[@]}"
}

# kill_node SERVICE N NODES NAME PID PIDFILE: SIGKILL to node N (of NODES) of a service, whose
# pid is PID (empty: not running), for fault tests; its next start brings it back.
kill_node() {
  local service=$1 node=$2 nodes=$3 name=$4 pid=$5 pidfile=$6
  [[ $node =~ ^[1-9]$ ]] && ((node <= nodes)) || usage_error "kill $service: a node from 1 to $nodes, not '$node'"
  [[ -n $pid ]] || die "$name: not running"
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
  wait_gone "$pid" 10 || die "$name: pid $pid survived SIGKILL"
  rm -f "$pidfile"
  say "$name: killed (pid $pid)"
}

# A start that did not reach "ready": show why, and leave no half-started process behind.
start_failed() {
  local name=$1 log=$2 pid=$3 reason=$4
  say "$name: $reason; last 30 lines of $log:"
  tail -n 30 "$log" >&2 || true
  if [[ -n $pid ]] && alive "$pid"; then terminate "$name" "$pid"; fi
  exit 1
}

# Launches a service's server (launch), records its pid in PIDFILE and waits for it
# (await_launched). Sets LAUNCHED_PID. The common start of the services that run their server
# themselves.
launch_and_wait() {
  local name=$1 pidfile=$2 log=$3 timeout=$4 ready=$5
  shift 5
  launch "$log" "$@"
  echo "$LAUNCHED_PID" >"$pidfile"
  await_launched "$name" "$pidfile" "$log" "$timeout" "$LAUNCHED_PID" "$ready"
}

# await_launched NAME PIDFILE LOG TIMEOUT PID READY [ARG...]: waits up to TIMEOUT seconds for
# READY ARG... to succeed; on failure removes PIDFILE and reports (start_failed).
await_launched() {
  local name=$1 pidfile=$2 log=$3 timeout=$4 pid=$5
  shift 5
  if ! wait_ready "$timeout" "$pid" "$@"; then
    rm -f "$pidfile"
    alive "$pid" || start_failed "$name" "$log" "" "exited during start-up"
    start_failed "$name" "$log" "$pid" "not ready after ${timeout}s"
  fi
}

# stop_by_pidfile NAME PIDFILE PID_FUNCTION [ARG...]: stops the server whose pid
# PID_FUNCTION ARG... prints (terminate), and removes PIDFILE.
stop_by_pidfile() {
  local name=$1 pidfile=$2 pid
  shift 2
  pid=$("$@")
  if [[ -z $pid ]]; then
    say "$name: not running"
  else
    say "$name: stopping pid $pid"
    terminate "$name" "$pid"
  fi
  rm -f "$pidfile"
}

status_line() { printf '%-9s %s\n' "$1" "$2"; }

# service_status NAME PID DETAIL: "running  pid PID  DETAIL", or "stopped" (returns 1) when PID
# is empty.
service_status() {
  if [[ -n $2 ]]; then
    status_line "$1" "running  pid $2  $3"
  else
    status_line "$1" stopped
    return 1
  fi
}

# maven_fetch_jars NAME POM LIB JAR...: the runtime dependencies of POM (Maven Central) into the
# directory LIB, which must then hold every JAR. They are copied into a scratch directory moved
# into place only when complete, so an interrupted download is retried and jars of another
# version never share a classpath. Maven's output is shown only on failure: even with -q it
# prints stray colour codes.
maven_fetch_jars() {
  local name=$1 pom=$2 lib=$3 jar out
  shift 3
  command -v mvn >/dev/null || apt_install maven
  mkdir -p "$(dirname "$lib")"
  rm -rf "$lib.partial"
  out=$(mvn -q -B -f "$pom" dependency:copy-dependencies \
    -DoutputDirectory="$lib.partial" -DincludeScope=runtime 2>&1) \
    || { say "$out"; die "$name: maven could not fetch the jars"; }
  for jar in "$@"; do
    [[ -f $lib.partial/$jar ]] || die "$name: maven did not produce $jar"
  done
  rm -rf "$lib"
  mv "$lib.partial" "$lib"
}

# Quoted with %q so the output stays valid shell for eval whatever the path holds.
export_var() { printf 'export %s=%q\n' "$1" "$2"; }

# A random password: 32 characters from base64 without '/', '+' and '=', so that it needs no
# quoting in a URI, a properties file, a config file or an SQL string literal.
random_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

# write_password_once FILE: a random password into FILE, made once (0600 from the start: umask)
# and kept on later starts; a server that already knows it must go on getting the same one.
write_password_once() {
  [[ -s $1 ]] && return 0
  (umask 077 && random_password >"$1.partial")
  mv -f "$1.partial" "$1"
}

# Percent-encodes a value for a URI's query (a path: a certificate's), leaving only the
# characters that never need it.
uri_encode() {
  local LC_ALL=C s=$1 out="" c i   # C: one byte at a time, so UTF-8 is encoded byte by byte
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [A-Za-z0-9/._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  echo "$out"
}
