# PostgreSQL 15 from Debian. It refuses to run as root, so when we are root its files belong
# to, and its programs run as, the `postgres` user; a normal user simply runs it as itself.
# One of deploy/local/services' services: sourced by it after common.sh.
#
# Secure mode (STREAMLAB_SECURE=1, .local/secure/postgres/, port 25432): the same cluster set-up,
# and TCP only over TLS (ca.sh's server certificate), which clients are to verify (the URI `env`
# prints asks for sslmode=verify-full with the CA): pg_hba rejects a connection without it.
# shellcheck shell=bash

if ((SECURE)); then
  readonly POSTGRES_PORT=${STREAMLAB_POSTGRES_PORT:-25432}
else
  readonly POSTGRES_PORT=${STREAMLAB_POSTGRES_PORT:-15432}
fi
readonly POSTGRES_START_TIMEOUT=60   # seconds pg_ctl waits for the server to accept connections

readonly PG_BIN=${STREAMLAB_PG_BIN:-/usr/lib/postgresql/15/bin}
readonly POSTGRES_ADDR=$HOST:$POSTGRES_PORT
readonly POSTGRES_USER=streamlab POSTGRES_DB=streamlab
# The application role's password, generated once, in libpq's password file (0600, ours alone):
# `env` points PGPASSFILE at it, so libpq's clients (streamlab, psql, psycopg2) find it and no
# URI, argv or log carries it.
readonly POSTGRES_PGPASS=$STATE/pgpass
# The host name clients give: in secure mode `localhost`, which the certificate names, as verify-full
# checks (127.0.0.1 is in it too, but the name is what a user would type).
if ((SECURE)); then readonly POSTGRES_CLIENT_HOST=localhost; else readonly POSTGRES_CLIENT_HOST=$HOST; fi

# Runs a command as the owner of the cluster, from / so that a working directory the
# postgres user cannot enter (/root/...) does not make initdb or pg_ctl complain.
as_pg_owner() {
  if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@")
  else "$@"
  fi
}

# The cluster lives in .local/postgres unless the postgres user cannot reach the repo (it
# sits under /root, or a private /tmp dir): then in /var/tmp/streamlab-<hash of the repo
# path>/postgres (secure mode: of the path of .local/secure), with .local/postgres a symlink to it.
# Opening up the parent directories
# (chmod o+x /root) would change the user's machine for our sake, so we don't. (Debian does
# not age /var/tmp: its tmpfiles rule for 30 days is commented out; other systems may.)
postgres_dir() {
  if [[ -L $STATE/postgres ]]; then
    readlink -f "$STATE/postgres"
  elif ((EUID != 0)) || as_pg_owner test -x "$ROOT" 2>/dev/null; then
    echo "$STATE/postgres"
  else
    local key=$ROOT
    ((SECURE == 0)) || key=$STATE
    echo "/var/tmp/streamlab-$(printf '%s' "$key" | sha256sum | cut -c1-12)/postgres"
  fi
}

# The directory in /var/tmp that holds a cluster kept outside the checkout: a predictable name in a
# world-writable place, so it must be this user's own, made by this script (mkdir fails on one
# that appeared meanwhile), never a symlink, and closed to others but for passing through (0711:
# the postgres user reaches its cluster inside). Checked on every start, not only when made.
postgres_private_parent() {
  local parent=$1
  [[ -e $parent || -L $parent ]] || mkdir -m 711 "$parent"
  [[ -d $parent && ! -L $parent && -O $parent ]] \
    || die "postgres: $parent is not this user's own directory (another user made it, or it is a symlink); remove it"
  chmod 711 "$parent"
}

# Creates the cluster's directory, owned by whoever runs the server.
postgres_make_dir() {
  local dir=$1
  [[ $dir == "$STATE/postgres" ]] || postgres_private_parent "$(dirname "$dir")"
  if [[ $dir != "$STATE/postgres" && ! -L $STATE/postgres ]]; then
    if [[ -d $STATE/postgres && ! -L $STATE/postgres ]]; then
      rmdir "$STATE/postgres" 2>/dev/null \
        || die "postgres: the postgres user cannot reach $STATE/postgres; move its contents to $dir"
    fi
    # Records which checkout the directory belongs to, for whoever cleans up /var/tmp.
    echo "$ROOT" >"$(dirname "$dir")/repo"
    ln -sfn "$dir" "$STATE/postgres"
    say "postgres: the postgres user cannot reach $ROOT; keeping the cluster in $dir"
  fi
  [[ -d $dir ]] && return 0
  mkdir -p "$dir"
  if ((EUID == 0)); then chown postgres:postgres "$dir"; fi
  chmod 700 "$dir"
}

postgres_install() { apt_install postgresql-15; }

# Prints the postmaster's pid if the cluster in DIR is running.
postgres_pid() { live_pid "$1/data/postmaster.pid" postgres; }

# Where the server's Unix socket goes: the cluster's own directory (mode 0700), or, when that path
# is too long for a socket (at most 107 bytes), a private directory in /tmp named after it, made
# by the cluster's owner and refused when it is someone else's or a symlink.
postgres_socket_dir() {
  local dir=$1
  if ((${#dir} + ${#POSTGRES_PORT} + 11 <= 107)); then
    echo "$dir"
  else
    echo "/tmp/streamlab-pg-$(printf '%s' "$dir" | sha256sum | cut -c1-12)"
  fi
}
postgres_make_socket_dir() {
  local socket_dir
  socket_dir=$(postgres_socket_dir "$1")
  [[ $socket_dir == "$1" ]] && return 0
  as_pg_owner mkdir -p -m 700 "$socket_dir"
  [[ ! -L $socket_dir && $(stat -c %U "$socket_dir") == "$(stat -c %U "$1")" ]] \
    || die "postgres: $socket_dir is not the cluster owner's own directory; remove it"
}

# Our settings live in streamlab.conf, included from postgresql.conf and rewritten on every
# start; pg_hba.conf is rewritten too. Both as the cluster owner, who must own its files.
postgres_write_config() {
  local dir=$1 socket_dir
  socket_dir=$(postgres_socket_dir "$dir")
  as_pg_owner tee "$dir/data/streamlab.conf" >/dev/null <<EOF
# Generated by deploy/local/services on every start; edit services.d/postgres.sh, not this file.
listen_addresses = '$HOST'
port = $POSTGRES_PORT
unix_socket_directories = '$socket_dir'

# Throughput tests on a dev box: more cache, fewer and smoother checkpoints under bulk writes.
shared_buffers = 256MB
effective_cache_size = 1GB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 4GB
min_wal_size = 512MB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9

# Durability stays real: exactly-once tests kill processes and expect committed rows to survive.
fsync = on
synchronous_commit = on
full_page_writes = on

log_line_prefix = '%m [%p] %q%u@%d '
EOF
  if ((SECURE)); then
    as_pg_owner tee -a "$dir/data/streamlab.conf" >/dev/null <<'EOF'

# Secure mode: TLS with the certificate ca.sh made (copied here, the key readable by the server
# alone), passwords as SCRAM verifiers.
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
EOF
    # TCP over TLS or not at all, and a password (scram-sha-256) for every role even then.
    as_pg_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
# Generated by deploy/local/services (services.d/postgres.sh). TYPE DATABASE USER ADDRESS METHOD
local     all all              trust
hostssl   all all 127.0.0.1/32 scram-sha-256
hostnossl all all 127.0.0.1/32 reject
EOF
    postgres_install_certificate "$dir"
    return 0
  fi
  # Over TCP a password (scram-sha-256) for every role, and none works for the superuser, which
  # has none: any local user can reach 127.0.0.1, and a superuser can COPY ... TO PROGRAM. The
  # Unix socket sits in the cluster's directory, mode 0700: only its owner (and root) get through
  # it, and this script administers the cluster that way.
  as_pg_owner tee "$dir/data/pg_hba.conf" >/dev/null <<'EOF'
# Generated by deploy/local/services (services.d/postgres.sh). TYPE DATABASE USER ADDRESS METHOD
local all all              trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
}

# Secure mode: the server's certificate and key, copied into the data directory on every start (a
# certificate ca.sh made again applies at once) and owned by the server's user: PostgreSQL wants
# its key 0600 and its own, and the postgres user cannot read .local/secure/ca/ (0700) anyway.
postgres_install_certificate() {
  local data=$1/data owner=()
  ((EUID != 0)) || owner=(-o postgres -g postgres)
  install -m 600 "${owner[@]}" "$CA_SERVER_KEY" "$data/server.key"
  install -m 644 "${owner[@]}" "$CA_SERVER_CERT" "$data/server.crt"
}

# The password file, made once with a random password (0600 from the start: umask). Its second
# line is for the address of Toxiproxy's proxy, or in secure mode for the name `localhost` (libpq
# matches the host as the client gave it).
postgres_write_pgpass() {
  [[ -s $POSTGRES_PGPASS ]] && return 0
  local password other
  other=$HOST:$(wan_port "$POSTGRES_PORT")
  ((SECURE == 0)) || other=$POSTGRES_CLIENT_HOST:$POSTGRES_PORT
  password=$(random_password)
  (
    umask 077
    printf '%s:%s:*:%s:%s\n' "$HOST" "$POSTGRES_PORT" "$POSTGRES_USER" "$password" \
      "${other%:*}" "${other##*:}" "$POSTGRES_USER" "$password" >"$POSTGRES_PGPASS.partial"
  )
  mv -f "$POSTGRES_PGPASS.partial" "$POSTGRES_PGPASS"
}

# The application role's password, as the password file has it.
postgres_password() { sed -n '1s/^[^:]*:[^:]*:[^:]*:[^:]*://p' "$POSTGRES_PGPASS"; }

# initdb once: PG_VERSION marks an initialised data directory.
postgres_init_once() {
  local dir=$1
  [[ -f $dir/data/PG_VERSION ]] && return 0
  say "postgres: initialising $dir/data"
  local out
  out=$(as_pg_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    -A trust 2>&1) || { say "$out"; die "postgres: initdb failed"; }
  echo "include 'streamlab.conf'" | as_pg_owner tee -a "$dir/data/postgresql.conf" >/dev/null
}

# psql over TCP with the password file, as a client connects (in secure mode: over TLS, verifying
# the server's certificate and name against the CA).
postgres_psql() {
  if ((SECURE)); then
    PGSSLMODE=verify-full PGSSLROOTCERT=$CA_CERT PGPASSFILE=$POSTGRES_PGPASS "$PG_BIN/psql" -X -q \
      -v ON_ERROR_STOP=1 -h "$POSTGRES_CLIENT_HOST" -p "$POSTGRES_PORT" "$@"
  else
    PGPASSFILE=$POSTGRES_PGPASS "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$POSTGRES_PORT" "$@"
  fi
}

# psql as the superuser through the cluster's Unix socket (in DIR), run as the cluster's owner:
# the superuser's only way in.
postgres_admin_psql() {
  local dir=$1
  shift
  as_pg_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$(postgres_socket_dir "$dir")" -p "$POSTGRES_PORT" \
    -U postgres "$@"
}

# As an existing role: the default (the OS user, e.g. root) would log a FATAL per probe.
pg_ready() { "$PG_BIN/pg_isready" -q -h "$HOST" -p "$POSTGRES_PORT" -U postgres -d postgres; }

# The application's role and database, created once (each run checks, so a start that was
# interrupted right after initdb still ends with them in place), and the role's password set to
# the password file's on every start (so a cluster made before there was one gets it too). psql
# takes the password as a variable set on its standard input (a command line is readable by every
# local user), and quotes it itself; the generated password is letters and digits only.
postgres_create_role_and_db() {
  local dir=$1
  postgres_admin_psql "$dir" -d postgres >/dev/null <<EOF
\\set password '$(postgres_password)'
SELECT 'CREATE ROLE $POSTGRES_USER LOGIN CREATEDB'
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$POSTGRES_USER') \gexec
SELECT 'CREATE DATABASE $POSTGRES_DB OWNER $POSTGRES_USER'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$POSTGRES_DB') \gexec
SET password_encryption = 'scram-sha-256';
ALTER ROLE $POSTGRES_USER PASSWORD :'password';
EOF
}

# A server killed a moment ago can linger as a zombie until init reaps it, and the server
# refuses to start while the pid in postmaster.pid exists at all: give the reaper a moment.
postgres_wait_reaped() {
  local pid deadline=$((SECONDS + 10)) stat
  read -r pid 2>/dev/null <"$1/data/postmaster.pid" || return 0
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  while stat=$(cat "/proc/$pid/stat" 2>/dev/null) && [[ ${stat##*) } == Z* ]]; do
    ((SECONDS < deadline)) || return 0
    sleep 0.2
  done
}

postgres_start() {
  local dir pid
  dir=$(postgres_dir)
  pid=$(postgres_pid "$dir")
  if [[ -n $pid ]]; then
    say "postgres: already running (pid $pid, $POSTGRES_ADDR)"
    return 0
  fi
  require_free_port postgres "$POSTGRES_PORT"
  postgres_wait_reaped "$dir"
  postgres_make_dir "$dir"
  postgres_write_pgpass
  postgres_init_once "$dir"
  postgres_make_socket_dir "$dir"
  postgres_write_config "$dir"
  if [[ -f $dir/log ]]; then as_pg_owner mv -f "$dir/log" "$dir/log.1"; fi

  local started=$SECONDS out
  # pg_ctl detaches the server into its own session and, with -w, polls until it accepts
  # connections or the deadline passes, noticing at once if the server died. The server
  # writes its log itself, as its owner; pg_ctl's own messages are kept for a failure report.
  if ! out=$(as_pg_owner "$PG_BIN/pg_ctl" start -D "$dir/data" -l "$dir/log" \
      -w -t "$POSTGRES_START_TIMEOUT" 2>&1 9>&-); then
    say "$out"
    start_failed postgres "$dir/log" "$(postgres_pid "$dir")" "did not start"
  fi
  pid=$(postgres_pid "$dir")
  wait_ready 10 "${pid:-0}" pg_ready \
    || start_failed postgres "$dir/log" "$pid" "pg_isready fails on $POSTGRES_ADDR"
  postgres_create_role_and_db "$dir" \
    || start_failed postgres "$dir/log" "$pid" "creating role and database $POSTGRES_DB failed"
  postgres_psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c 'select 1' >/dev/null \
    || start_failed postgres "$dir/log" "$pid" "'select 1' as $POSTGRES_USER failed"
  say "postgres: started (pid $pid, $POSTGRES_ADDR) in $((SECONDS - started))s"
}

postgres_stop() {
  local dir pid
  dir=$(postgres_dir)
  pid=$(postgres_pid "$dir")
  if [[ -z $pid ]]; then
    say "postgres: not running"
    return 0
  fi
  say "postgres: stopping pid $pid"
  # Fast mode: roll back open transactions, checkpoint, exit; the server waits for all its
  # backends before exiting, so nothing is left behind. SIGKILL only if that hangs.
  if ! as_pg_owner "$PG_BIN/pg_ctl" stop -D "$dir/data" -m fast -w -t "$STOP_TIMEOUT" \
      >/dev/null 2>&1; then
    say "postgres: pg_ctl stop failed, sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 10 || die "postgres: pid $pid survived SIGKILL"
  fi
}

postgres_status() {
  local dir pid where=""
  dir=$(postgres_dir)
  pid=$(postgres_pid "$dir")
  [[ $dir == "$STATE/postgres" ]] || where="  data $dir"
  ((SECURE == 0)) || where=" (TLS only, scram-sha-256)$where"
  service_status postgres "$pid" "$POSTGRES_ADDR$where"
}

postgres_uri() { echo "postgresql://$POSTGRES_USER@$1/$POSTGRES_DB"; }
postgres_env() {
  if ((SECURE)); then
    # verify-full: the chain up to the CA, and the host name against the certificate's.
    export_var STREAMLAB_POSTGRES "$(postgres_uri "$POSTGRES_CLIENT_HOST:$POSTGRES_PORT")?sslmode=verify-full&sslrootcert=$(uri_encode "$CA_CERT")"
  else
    export_var STREAMLAB_POSTGRES "$(postgres_uri "$POSTGRES_ADDR")"
  fi
  # libpq's clients read the role's password from here; the URI carries none.
  export_var PGPASSFILE "$POSTGRES_PGPASS"
}
