#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests (trust auth, fsync off, loopback only).
#
# Sourced by scripts/test-all.sh (functions pg_cluster_start / pg_cluster_stop), or run directly
# for local use:
#   bash scripts/pg-test-cluster.sh start     # prints KEYFOB_TEST_DATABASE_URL=... and the cluster dir
#   bash scripts/pg-test-cluster.sh stop DIR
# Port: KEYFOB_TEST_PG_PORT (default 54329). Installs Debian's postgresql when it is missing.

PG_TEST_PORT="${KEYFOB_TEST_PG_PORT:-54329}"
PG_TEST_DIR=""
PG_BIN=""

_pg_log() { echo "[pg-test-cluster] $*" >&2; }

# Runs a command as the cluster owner: the `postgres` OS user when we are root (initdb and the
# server refuse to run as root), ourselves otherwise.
_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    if command -v runuser >/dev/null 2>&1; then
      runuser -u postgres -- "$@"
    else
      su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
  else
    "$@"
  fi
}

_pg_find_bin() {
  local ctl
  ctl="$(ls -1 /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)"
  if [ -z "$ctl" ] && command -v pg_ctl >/dev/null 2>&1; then ctl="$(command -v pg_ctl)"; fi
  [ -n "$ctl" ] && PG_BIN="$(dirname "$ctl")"
}

_pg_ensure_installed() {
  _pg_find_bin && return 0
  if [ "$(id -u)" != 0 ]; then
    _pg_log "PostgreSQL is not installed and we are not root: install Debian's postgresql package."
    return 1
  fi
  _pg_log "installing PostgreSQL (apt-get install postgresql) ..."
  local log
  log="$(mktemp)"
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; } \
    >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    _pg_log "apt-get install postgresql failed"
    return 1
  fi
  rm -f "$log"
  _pg_find_bin || { _pg_log "pg_ctl not found after installing postgresql"; return 1; }
}

# Starts the cluster; sets PG_TEST_DIR and exports nothing. Returns non-zero (after printing the
# server log) when it cannot start.
pg_cluster_start() {
  _pg_ensure_installed || return 1
  if [ "$(id -u)" = 0 ] && ! getent passwd postgres >/dev/null; then
    _pg_log "no 'postgres' OS user to run the cluster as"
    return 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PG_TEST_PORT") 2>/dev/null; then
    _pg_log "port $PG_TEST_PORT is already in use (set KEYFOB_TEST_PG_PORT to another port)"
    return 1
  fi
  PG_TEST_DIR="$(mktemp -d "${TMPDIR:-/tmp}/keyfob-pg.XXXXXX")"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_TEST_DIR"
  chmod 700 "$PG_TEST_DIR"

  if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_TEST_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale \
    --no-sync >"$PG_TEST_DIR/initdb.log" 2>&1; then
    cat "$PG_TEST_DIR/initdb.log" >&2
    _pg_log "initdb failed"
    return 1
  fi
  # Appended settings win over the defaults earlier in the file.
  _pg_as_owner tee -a "$PG_TEST_DIR/data/postgresql.conf" >/dev/null <<EOF

# --- keyfob test cluster ---
listen_addresses = '127.0.0.1'
port = $PG_TEST_PORT
unix_socket_directories = '$PG_TEST_DIR'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = 30min
max_wal_size = 2GB
log_min_messages = warning
log_min_error_statement = panic
log_connections = off
log_disconnections = off
EOF
  if ! _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/server.log" -w -t 60 start \
    >"$PG_TEST_DIR/pg_ctl.log" 2>&1; then
    cat "$PG_TEST_DIR/pg_ctl.log" "$PG_TEST_DIR/server.log" >&2 2>/dev/null
    _pg_log "the test cluster did not start"
    return 1
  fi
  _pg_log "PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') listening on 127.0.0.1:$PG_TEST_PORT ($PG_TEST_DIR)"
}

# Stops the cluster in $1 (default $PG_TEST_DIR) and removes its directory. Prints nothing.
pg_cluster_stop() {
  local dir="${1:-$PG_TEST_DIR}"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  [ -n "$PG_BIN" ] || _pg_find_bin
  if [ -f "$dir/data/postmaster.pid" ] && [ -n "$PG_BIN" ]; then
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      pg_cluster_start
      echo "KEYFOB_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_TEST_PORT/postgres"
      echo "PG_TEST_DIR=$PG_TEST_DIR"
      ;;
    stop)
      [ -n "${2:-}" ] || { echo "usage: $0 stop DIR" >&2; exit 2; }
      pg_cluster_stop "$2"
      ;;
    *)
      echo "usage: $0 start | stop DIR" >&2
      exit 2
      ;;
  esac
fi
