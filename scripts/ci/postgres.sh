#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster for the test suite and print the line that points the tests at it:
#
#   eval "$(bash scripts/ci/postgres.sh)"        # start (or find running) and export GOVERNATOR_TEST_DATABASE_URL
#   bash scripts/ci/postgres.sh stop             # stop it and delete its data directory
#
# Runs as root on Debian 12 (installs the `postgresql` package when the server binaries are missing) or as any
# user who already has the binaries. The cluster listens only on 127.0.0.1, trusts nothing on TCP (password
# auth, scram-sha-256), and has a role `governator` / `governator` with CREATEDB, which the tests use to create
# one database per test file. Durability is switched off: this is for tests only.
#
# Only the `export …` line goes to stdout (so the output can be eval'd); progress and errors go to stderr.
# Re-running while the cluster is up only prints the export line.
#
# Environment: GOVERNATOR_PG_PORT (default 55432), GOVERNATOR_PG_DIR (default /tmp/governator-ci-postgres).
set -euo pipefail

PORT="${GOVERNATOR_PG_PORT:-55432}"
BASE_DIR="${GOVERNATOR_PG_DIR:-/tmp/governator-ci-postgres}"
DATA_DIR="$BASE_DIR/data"
SOCKET_DIR="$BASE_DIR/socket"
LOG_FILE="$BASE_DIR/postgres.log"
ROLE=governator
PASSWORD=governator
URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The newest server binaries Debian's packages installed (/usr/lib/postgresql/<major>/bin), 15 preferred.
find_bin_dir() {
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then echo /usr/lib/postgresql/15/bin; return 0; fi
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -n "$dir" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
  return 1
}

# Run a command as the cluster's owner: `postgres` when we are root (initdb refuses root), else ourselves.
# From `/`: the caller's directory (e.g. under /root) may be unreadable to `postgres`.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    if command -v runuser >/dev/null 2>&1; then (cd / && runuser -u postgres -- "$@")
    else (cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")"); fi
  else
    "$@"
  fi
}

BIN_DIR="$(find_bin_dir || true)"
if [[ -z "$BIN_DIR" ]]; then
  [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL server binaries not found and not root: install the 'postgresql' package"
  log "installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y --no-install-recommends postgresql >&2
  BIN_DIR="$(find_bin_dir)" || die "the postgresql package did not provide /usr/lib/postgresql/*/bin/pg_ctl"
fi

if [[ "${1:-start}" == "stop" ]]; then
  if [[ -f "$DATA_DIR/PG_VERSION" ]]; then
    as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -m fast -w stop >&2 || true
  fi
  rm -rf "$BASE_DIR"
  log "stopped and removed $BASE_DIR"
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
  log "creating the system user 'postgres'"
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

is_running() { [[ -f "$DATA_DIR/PG_VERSION" ]] && as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1; }

if is_running; then
  log "already running ($DATA_DIR, port $PORT)"
  echo "export GOVERNATOR_TEST_DATABASE_URL=$URL"
  exit 0
fi

# Refuse to start on a port someone else already serves: the tests would talk to the wrong server.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "port $PORT on 127.0.0.1 is in use by another process; set GOVERNATOR_PG_PORT to a free port"
fi

mkdir -p "$BASE_DIR" "$SOCKET_DIR"
if [[ "$(id -u)" -eq 0 ]]; then chown postgres: "$BASE_DIR" "$SOCKET_DIR"; fi

if [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
  log "creating a cluster in $DATA_DIR with $BIN_DIR/initdb"
  rm -rf "$DATA_DIR"
  # The bootstrap superuser `postgres` has no password: it connects only over the private Unix socket (trust).
  as_owner "$BIN_DIR/initdb" -D "$DATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >&2
  cat >> "$DATA_DIR/postgresql.conf" <<EOF

# --- scripts/ci/postgres.sh: a throwaway test server ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKET_DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
EOF
fi

log "starting PostgreSQL on 127.0.0.1:$PORT (log: $LOG_FILE)"
as_owner "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 60 start >&2 \
  || { tail -n 30 "$LOG_FILE" >&2 || true; die "PostgreSQL did not start"; }

for _ in $(seq 1 60); do
  if as_owner "$BIN_DIR/pg_isready" -q -h "$SOCKET_DIR" -p "$PORT"; then break; fi
  sleep 0.5
done
as_owner "$BIN_DIR/pg_isready" -q -h "$SOCKET_DIR" -p "$PORT" || die "PostgreSQL is not accepting connections"

as_owner "$BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PORT" -U postgres -d postgres >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL

log "ready"
echo "export GOVERNATOR_TEST_DATABASE_URL=$URL"
