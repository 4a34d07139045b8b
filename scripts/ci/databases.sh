#!/usr/bin/env bash
# Starts the PostgreSQL and MariaDB servers that the datasource/sqldb tests
# use, on 127.0.0.1 only, with a `test` database and a user with known
# credentials. Idempotent: a server that already answers is reused, and on a
# machine where both are installed and running it takes well under a second.
# On a fresh Debian machine it installs the `postgresql` and `mariadb-server`
# packages first (as root).
#
# It prints the connection strings as shell assignments on stdout, so that
#
#	dbenv=$(bash scripts/ci/databases.sh) && eval "$dbenv"
#
# exports FLEXFUN_TEST_PG_DSN and FLEXFUN_TEST_MYSQL_DSN for `go test`. The
# tests default to the same well-known credentials when those are unset.
# Progress goes to stderr.
set -euo pipefail

PG_PORT=5432
MY_PORT=3306
DB_USER=flexfun
DB_PASSWORD=flexfun-test-7Qw
DB_NAME=test
MY_SOCKET=/run/mysqld/mysqld.sock
MY_LOG=/var/log/mysql/flexfun-test.log

log() { echo "databases.sh: $*" >&2; }

# wait_for tries the command once a second until it succeeds, at most $1 times.
wait_for() {
  local tries=$1
  shift
  for _ in $(seq "$tries"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

install_missing() {
  local need=()
  command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
  command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
  if [ ${#need[@]} -eq 0 ]; then return; fi
  log "installing ${need[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

start_postgres() {
  if pg_ready; then
    log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    local ver
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
      log "creating PostgreSQL $ver cluster"
      pg_createcluster "$ver" main >&2
    fi
    mkdir -p "/etc/postgresql/$ver/main/conf.d"
    printf "listen_addresses = '127.0.0.1'\nport = %s\n" "$PG_PORT" >"/etc/postgresql/$ver/main/conf.d/flexfun-test.conf"
    log "starting PostgreSQL $ver"
    pg_ctlcluster "$ver" main start >&2
    wait_for 30 pg_ready || { log "PostgreSQL did not start"; exit 1; }
  fi
  runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres >&2 <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '$DB_USER', '$DB_PASSWORD')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') \gexec
ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DB_NAME', '$DB_USER')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DB_NAME') \gexec
SQL
}

my_ready() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P "$MY_PORT" -u"$DB_USER" -p"$DB_PASSWORD" ping >/dev/null 2>&1; }
my_root_ready() { mariadb-admin --socket="$MY_SOCKET" -uroot ping >/dev/null 2>&1; }

start_mariadb() {
  if my_root_ready || my_ready; then
    log "MariaDB already running"
  else
    mkdir -p /run/mysqld /var/log/mysql
    chown mysql:mysql /run/mysqld /var/log/mysql
    if [ ! -d /var/lib/mysql/mysql ]; then
      log "initialising the MariaDB data directory"
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql >&2
    fi
    log "starting MariaDB"
    setsid nohup mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=127.0.0.1 \
      --port="$MY_PORT" --socket="$MY_SOCKET" --log-error="$MY_LOG" </dev/null >/dev/null 2>&1 &
    wait_for 60 my_root_ready || { log "MariaDB did not start; see $MY_LOG"; exit 1; }
  fi
  if my_root_ready; then
    mariadb --socket="$MY_SOCKET" -uroot >&2 <<SQL
CREATE DATABASE IF NOT EXISTS $DB_NAME;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
SQL
  fi
  wait_for 10 my_ready || { log "MariaDB does not accept $DB_USER on 127.0.0.1:$MY_PORT"; exit 1; }
}

install_missing
start_postgres
start_mariadb
echo "export FLEXFUN_TEST_PG_DSN='postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME'"
echo "export FLEXFUN_TEST_MYSQL_DSN='$DB_USER:$DB_PASSWORD@tcp(127.0.0.1:$MY_PORT)/$DB_NAME'"
