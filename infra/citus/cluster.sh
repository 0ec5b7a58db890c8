#!/usr/bin/env bash
# A local Citus cluster for tests and for trying ProxPanel past one database server: a coordinator
# and two workers, each a private PostgreSQL 15 on its own port and data folder, never the
# machine's own cluster. Idempotent: every command may be run again.
#
#   infra/citus/cluster.sh build               build + install the Citus extension (skipped when installed)
#   infra/citus/cluster.sh start               start (creating on first use) and wire the 3 nodes; prints the URL
#   infra/citus/cluster.sh stop | status | url
#   infra/citus/cluster.sh database NAME       a database of that name on every node, wired as a cluster; prints its URL
#   infra/citus/cluster.sh drop-database NAME
#
# Settings (environment): CITUS_SOURCE (folder with the vendored tarball, patch and SHA256SUMS;
# default ../shared/vendor/citus beside the repo), CITUS_STATE_DIR (data folders and logs; default
# /tmp/proxpanel-citus, a folder the postgres user can enter even when the clone is root-only),
# CITUS_COORDINATOR_PORT (55432), CITUS_WORKER_PORTS ("55433 55434").
set -euo pipefail

CITUS_VERSION=13.2.2
PG_MAJOR=15
PG_BIN=/usr/lib/postgresql/${PG_MAJOR}/bin
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source_dir="${CITUS_SOURCE:-$repo/../shared/vendor/citus}"
state="${CITUS_STATE_DIR:-/tmp/proxpanel-citus}"
coordinator_port="${CITUS_COORDINATOR_PORT:-55432}"
read -r -a worker_ports <<<"${CITUS_WORKER_PORTS:-55433 55434}"
build_deps=(postgresql-server-dev-${PG_MAJOR} libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev
  libxslt1-dev libpam0g-dev libreadline-dev)

say() { echo "citus: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# initdb and postgres refuse to run as root: as root the nodes run as the postgres OS user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# Two callers at once (two test runs, a helper and a test) must not build or wire over each other.
lock() {
  mkdir -p "$state"
  chmod 755 "$state"
  exec 9>"$state/.lock"
  flock 9
}

installed() {
  local so
  so="$(pg_config --pkglibdir 2>/dev/null)/citus.so"
  # The release is compiled into citus_version()'s text ("Citus 13.2.2 on ...").
  [ -f "$so" ] && grep -aq "Citus ${CITUS_VERSION}" "$so"
}

cmd_build() {
  if installed; then
    say "Citus ${CITUS_VERSION} is already installed in $(pg_config --pkglibdir), build skipped"
    return 0
  fi
  lock
  if installed; then return 0; fi
  local missing=() pkg
  for pkg in "${build_deps[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "building Citus needs ${missing[*]}: sudo apt-get install -y ${missing[*]}"
    say "installing the build dependencies ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  [ -f "$source_dir/citus-${CITUS_VERSION}.tar.gz" ] || die "no Citus source in $source_dir (set CITUS_SOURCE)"
  (cd "$source_dir" && sha256sum --check --quiet SHA256SUMS) || die "checksum mismatch in $source_dir"
  local build="$state/build"
  local tree="$build/citus-${CITUS_VERSION}"
  rm -rf "$build"
  mkdir -p "$tree"
  # The release tarball has no top-level folder.
  tar xzf "$source_dir/citus-${CITUS_VERSION}.tar.gz" -C "$tree"
  say "building Citus ${CITUS_VERSION} in $tree (about 5 minutes on 2 cores)"
  local started=$SECONDS
  (
    cd "$tree"
    patch -p1 --batch --forward --quiet <"$source_dir/pg15-minor-have_createdb_privilege.patch" ||
      { echo "citus: the patch did not apply" >&2; exit 1; }
    ./configure --quiet PG_CONFIG="$(command -v pg_config)" >"$build/configure.log" 2>&1 ||
      { tail -n 30 "$build/configure.log" >&2; exit 1; }
    # with_llvm=no: no LLVM bitcode (used only to inline Citus functions into JIT-compiled queries); halves the build.
    make -j"$(nproc)" with_llvm=no >"$build/make.log" 2>&1 || { tail -n 30 "$build/make.log" >&2; exit 1; }
    make install with_llvm=no >"$build/install.log" 2>&1 || { tail -n 30 "$build/install.log" >&2; exit 1; }
  ) || die "build failed (the lines above say why)"
  rm -rf "$build"
  installed || die "make install did not leave citus.so ${CITUS_VERSION} in $(pg_config --pkglibdir)"
  say "built and installed in $((SECONDS - started)) s"
}

node_dirs() {
  echo "coordinator:$coordinator_port"
  local i=1 port
  for port in "${worker_ports[@]}"; do
    echo "worker$i:$port"
    i=$((i + 1))
  done
}

psql_at() {
  local port=$1 db=$2
  shift 2
  PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" "$@"
}

running() { as_pg "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

# The settings this script owns, in a file of their own that postgresql.conf includes last, so
# every `start` brings a node made by an older version of the script up to date (a setting that
# needs a restart restarts it; see start_node). wal_level = logical with room for replication slots,
# WAL senders and background workers: citus_schema_move copies a tenant by logical replication while
# its writes go on (one slot and sender per move on the source, one subscription worker per move on
# the target, plus Citus's maintenance daemon per database: test runs make many databases).
node_settings() {
  cat <<EOF
# Written by infra/citus/cluster.sh on every start: edit the script, not this file.
port = $1
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
shared_preload_libraries = 'citus'
citus.node_conninfo = 'sslmode=disable'
max_connections = 300
max_prepared_transactions = 300
max_locks_per_transaction = 256
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_worker_processes = 64
max_logical_replication_workers = 16
max_sync_workers_per_subscription = 4
# A throw-away local cluster: durability traded for speed (it holds only test and trial data).
fsync = off
full_page_writes = off
# Not off: a move by logical replication waits until the target has applied the source's WAL up
# to pg_current_wal_lsn(), which is the WAL *written* so far; an asynchronous commit can return
# before its record is written, and a write acknowledged in the last moment before the switch
# was then left behind on the old node and dropped with it (1 of ~300 writes, every other move).
# With fsync off, a synchronous commit costs a write() to the kernel, not a disk flush.
synchronous_commit = on
EOF
}

start_node() {
  local name=$1 port=$2
  local dir="$state/$name"
  if [ ! -f "$dir/PG_VERSION" ]; then
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
  fi
  node_settings "$port" | as_pg tee "$dir/proxpanel.conf" >/dev/null
  grep -qx "include 'proxpanel.conf'" "$dir/postgresql.conf" ||
    echo "include 'proxpanel.conf'" | as_pg tee -a "$dir/postgresql.conf" >/dev/null
  if running "$dir"; then
    # Reload, then restart only if a setting that needs one (wal_level, ...) differs from the
    # running server's: a node started by an older script gets wal_level = logical this way.
    psql_at "$port" postgres -c "SELECT pg_reload_conf()" >/dev/null
    sleep 1
    if [ -n "$(psql_at "$port" postgres -c "SELECT name FROM pg_settings WHERE pending_restart LIMIT 1")" ]; then
      say "$name: restarting for changed settings ($(psql_at "$port" postgres -c "SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart"))"
      as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w -t 60 restart -l "$state/log/$name.log" >/dev/null 9>&- ||
        { tail -n 20 "$state/log/$name.log" >&2; die "$name did not restart"; }
    fi
    return 0
  fi
  # The server writes its log itself, as the postgres user.
  local log="$state/log/$name.log"
  mkdir -p "$state/log"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$state/log"
  if ss -Hltn "sport = :$port" | grep -q .; then
    die "port $port ($name) is taken by another program: set CITUS_COORDINATOR_PORT / CITUS_WORKER_PORTS"
  fi
  # 9>&-: the server must not inherit the lock's descriptor (it would hold the lock while it runs).
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$log" -w -t 60 start >/dev/null 9>&- ||
    { tail -n 20 "$log" >&2; die "$name did not start (log: $log)"; }
}

# Creates the extension in `db` on every node and registers the workers with the coordinator
# (Citus keeps its node list per database).
wire() {
  local db=$1 port
  # On every node at once: each is a server of its own, and a test run waits for this.
  on_every_node psql_at PORT "$db" -c "CREATE EXTENSION IF NOT EXISTS citus"
  psql_at "$coordinator_port" "$db" >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', $coordinator_port)
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE groupid = 0);
SQL
  for port in "${worker_ports[@]}"; do
    psql_at "$coordinator_port" "$db" >/dev/null <<SQL
SELECT citus_add_node('127.0.0.1', $port)
  WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodename = '127.0.0.1' AND nodeport = $port);
SQL
  done
}

# Runs a command once per node, all at the same time, with PORT in its arguments replaced by the
# node's port; fails (after all have ended) if any failed. Output goes nowhere.
on_every_node() {
  local port pids=() failed=0 pid
  for port in "$coordinator_port" "${worker_ports[@]}"; do
    "${@//PORT/$port}" >/dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

url_of() { echo "postgres://postgres@127.0.0.1:${coordinator_port}/$1"; }

cmd_start() {
  installed || die "Citus ${CITUS_VERSION} is not installed: run $0 build first"
  lock
  local entry
  for entry in $(node_dirs); do start_node "${entry%%:*}" "${entry##*:}"; done
  wire postgres
  url_of postgres
}

cmd_stop() {
  local entry dir
  for entry in $(node_dirs); do
    dir="$state/${entry%%:*}"
    [ -f "$dir/PG_VERSION" ] && running "$dir" && as_pg "$PG_BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  done
  say "stopped"
}

cmd_status() {
  local entry dir up=0
  for entry in $(node_dirs); do
    dir="$state/${entry%%:*}"
    if [ -f "$dir/PG_VERSION" ] && running "$dir"; then
      echo "${entry%%:*} 127.0.0.1:${entry##*:} running"
    else
      echo "${entry%%:*} 127.0.0.1:${entry##*:} stopped"
      up=1
    fi
  done
  [ $up -eq 0 ] && psql_at "$coordinator_port" postgres -F ' ' \
    -c "SELECT 'node', nodename || ':' || nodeport, noderole, CASE WHEN groupid = 0 THEN 'coordinator' ELSE 'worker' END FROM pg_dist_node ORDER BY groupid"
  return $up
}

valid_name() { [[ $1 =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "database name must match [a-z_][a-z0-9_]*: $1"; }

create_database() {
  local port=$1 db=$2
  if [ -z "$(psql_at "$port" postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql_at "$port" postgres -c "CREATE DATABASE \"$db\""
  fi
}

cmd_database() {
  local db=${1:?database name}
  valid_name "$db"
  lock
  on_every_node create_database PORT "$db"
  wire "$db"
  url_of "$db"
}

cmd_drop_database() {
  local db=${1:?database name}
  valid_name "$db"
  # The coordinator first: its sessions hold connections to the workers' copies. Then the workers
  # together. FORCE waits only 5 s for the sessions it ends to go, which a loaded machine can
  # exceed: a few attempts.
  drop_at "$coordinator_port" "$db"
  local port pids=() failed=0 pid
  for port in "${worker_ports[@]}"; do
    drop_at "$port" "$db" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return $failed
}

drop_at() {
  local port=$1 db=$2 attempt
  for attempt in 1 2 3 4; do
    psql_at "$port" postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 && return 0
    sleep "$attempt"
  done
  psql_at "$port" postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
}

case "${1:-}" in
build) cmd_build ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
url) url_of postgres ;;
database) cmd_database "${2:-}" ;;
drop-database) cmd_drop_database "${2:-}" ;;
*)
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
