#!/usr/bin/env bash
# Runs every Warden test: the whole suite against SQLite, then against a real PostgreSQL server.
# Installs and starts what it needs (PostgreSQL ships with the image; Debian packages install as root).
set -euo pipefail
cd "$(dirname "$0")"

log() { printf '\n== %s\n' "$*"; }
fail() { printf '\n!! %s\n' "$*" >&2; exit 1; }

# --- system packages the tests drive (installed once; later runs find them) ---------------------------
need_packages=()
command -v pg_ctlcluster >/dev/null || need_packages+=(postgresql)
command -v oathtool >/dev/null || need_packages+=(oathtool)  # independent TOTP generator for the two-factor tests
command -v rabbitmq-server >/dev/null || need_packages+=(rabbitmq-server)  # the broker events are published to
# Argon2id runs through libsodium (inside the NSec package). libargon2 is optional for the server (imported p > 1
# Argon2id hashes only); the tests need it: the cross-check of libsodium and the p > 1 vectors.
ldconfig -p | grep 'libargon2\.so\.1 ' >/dev/null || need_packages+=(libargon2-1)
# Browser tests drive Debian's Chromium (Playwright's own browser download is not used); the Redis fixture runs a
# private redis-server; axe-core and openid-client come from npm (tests/package.json).
[[ -x ${WARDEN_TEST_CHROMIUM:-/usr/lib/chromium/chromium} ]] || need_packages+=(chromium)
command -v redis-server >/dev/null || need_packages+=(redis-server)
command -v node >/dev/null || need_packages+=(nodejs)
# The deployment files: yamllint lints deploy/, python3-yaml parses it for the structural checks, sqlite3 takes the
# restore drill's backup as docs/operations.md says (pg_dump and pg_restore come with postgresql).
command -v yamllint >/dev/null || need_packages+=(yamllint)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need_packages+=(python3-yaml)
command -v sqlite3 >/dev/null || need_packages+=(sqlite3)
command -v npm >/dev/null || need_packages+=(npm)
if ((${#need_packages[@]})); then
  [[ $(id -u) == 0 ]] || fail "missing packages (${need_packages[*]}) and not root to install them"
  log "installing ${need_packages[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi
# A suite that cannot run fails here, loudly, rather than passing with its tests skipped.
[[ -x ${WARDEN_TEST_CHROMIUM:-/usr/lib/chromium/chromium} ]] \
  || fail "Chromium is missing at ${WARDEN_TEST_CHROMIUM:-/usr/lib/chromium/chromium}; the browser tests cannot run"
command -v redis-server >/dev/null || fail "redis-server is missing; the Redis tests cannot run"

# --- JavaScript the tests load (axe-core, openid-client): npm ci only when the lock file changed -----------------
lock_sum=$(sha256sum tests/package-lock.json | cut -d' ' -f1)
if [[ ! -f tests/node_modules/.warden-lock.sha256 || $(cat tests/node_modules/.warden-lock.sha256) != "$lock_sum" ]]; then
  log "installing tests/node_modules (npm ci)"
  npm ci --prefix tests --no-audit --no-fund --loglevel=error >/dev/null || fail "npm ci --prefix tests failed"
  echo "$lock_sum" >tests/node_modules/.warden-lock.sha256
fi
[[ -f tests/node_modules/axe-core/axe.min.js ]] || fail "tests/node_modules/axe-core is missing after npm ci"

# --- PostgreSQL: a throw-away role; each test factory creates and drops its own database ----------------
if [[ -z ${WARDEN_TEST_POSTGRES:-} ]]; then
  log "starting PostgreSQL"
  cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
  [[ -n $cluster ]] || fail "no PostgreSQL cluster found (pg_lsclusters is empty); cannot run the PostgreSQL suite"
  # shellcheck disable=SC2086
  pg_ctlcluster $cluster start 2>/dev/null || pg_ctlcluster $cluster status >/dev/null \
    || fail "PostgreSQL could not be started (pg_ctlcluster $cluster start); the PostgreSQL suite cannot run"
  port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
  for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || fail "PostgreSQL did not become ready on port $port"
  runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -c "
    DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'warden_test') THEN
        CREATE ROLE warden_test LOGIN CREATEDB PASSWORD 'warden_test';
      END IF;
    END \$\$;" >/dev/null || fail "could not create the PostgreSQL test role"
  export WARDEN_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=warden_test;Password=warden_test;Database=postgres;Include Error Detail=true"
fi

# --- RabbitMQ: the local broker on 5672 (guest may connect from localhost only, which is where the tests run) -----
if [[ -z ${WARDEN_TEST_RABBITMQ:-} ]]; then
  log "starting RabbitMQ"
  if timeout 20 rabbitmqctl -q ping >/dev/null 2>&1; then
    # The node is up; its application may have been left stopped by an interrupted outage test.
    timeout 60 rabbitmqctl -q start_app >/dev/null 2>&1 || true
  else
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 60); do  # the Erlang node takes a few seconds to answer at all
      timeout 10 rabbitmqctl -q ping >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  if ! timeout 120 rabbitmqctl -q await_startup >/dev/null 2>&1; then
    # Not fatal here on purpose: the RabbitMQ tests then fail with this cause, and the suite's status says so.
    printf '\n!! RabbitMQ could not be started (rabbitmq-server -detached; rabbitmqctl await_startup); the RabbitMQ tests WILL FAIL\n' >&2
  fi
  export WARDEN_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:5672/"
fi
# The benchmark is not part of the suite (no test asserts speed); only its command line is checked here.
bench/run.sh --help >/dev/null || fail "bench/run.sh --help failed"

log "building"
dotnet build Warden.slnx -c Release -nologo -v quiet -clp:NoSummary

status=0
# Tests whose subject is not the database run once, on SQLite ([SqliteOnly]: browser, OIDC, fuzzing, passkeys, the
# pages' HTML, HTTP conventions, hashing, the rule engine, documentation);
# tests of several nodes or imports run once, on PostgreSQL ([PostgresOnly]); everything else runs on both.
log "test suite on SQLite"
WARDEN_TEST_PROVIDER=sqlite dotnet test tests/Warden.Tests -c Release --no-build -nologo --filter "Runs!=PostgresOnly" || status=1
log "test suite on PostgreSQL"
WARDEN_TEST_PROVIDER=postgres dotnet test tests/Warden.Tests -c Release --no-build -nologo --filter "Runs!=SqliteOnly" || status=1

if ((status)); then
  fail "some tests failed (see the Failed! lines above)"
fi
log "all tests passed on SQLite and PostgreSQL"
