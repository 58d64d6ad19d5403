#!/usr/bin/env bash
# The 5-minute mixed soak (issue 25's memory aim; bench/README.md, "Files"; results in bench/RESULTS.md): one Warden
# server (SQLite, or PostgreSQL with --postgres CS) on a database with seeded users, a mixed load from Warden.Bench soak
# (reads, refreshes, sign-ins, registrations by weight) for --seconds, then --idle seconds of nothing; the server's
# resident memory sampled every 5 s throughout. Prints the samples, the load average before and after, and the summary.
# Uses the builds bench/run.sh makes (run it, or its --quick, first); stops everything it started.
#   bench/soak.sh [--seconds S] [--idle S] [--clients N] [--mix R,F,S,G] [--users N] [--postgres CONNECTION]
#                 [--server DIR | --build-output]   (default: the ReadyToRun publish bench/run.sh makes, as the image)
#                 [--env NAME=VALUE ...]   (for the server, e.g. --env MALLOC_ARENA_MAX=2 as the container image runs it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
extra=() seconds=300 idle=60 clients=16 mix=70,20,8,2 users=2000 postgres="" server_dir=$here/out/publish/warden
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift ;;
    --idle) idle=$2; shift ;;
    --clients) clients=$2; shift ;;
    --mix) mix=$2; shift ;;
    --users) users=$2; shift ;;
    --postgres) postgres=$2; shift ;;
    --server) server_dir=$(cd "$2" && pwd); shift ;;
    --build-output) server_dir=$root/src/Warden.Server/bin/Release/net10.0 ;;
    --env) extra+=("$2"); shift ;;
    -h|--help) sed -n 2,9p "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
tool=$here/Warden.Bench/bin/Release/net10.0/Warden.Bench
[[ -x $server_dir/Warden.Server && -x $tool ]] || { echo "no Warden at $server_dir or no bench tool: run bench/run.sh --quick first" >&2; exit 1; }

tmp=$(mktemp -d /tmp/warden-soak.XXXXXX)
pid="" database=""
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  if [[ -n $database ]]; then psql_admin -qc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
password='Bench-Password-42!'

if [[ -n $postgres ]]; then
  # CONNECTION is an Npgsql connection string without a database (Host=..;Port=..;Username=..;Password=..) for a user
  # allowed to create databases: the server's migration creates warden_soak_PID, dropped at the end.
  database=warden_soak_$$
  provider=Postgres connection="$postgres;Database=$database"
  key() { grep -oiE "(^|;)$1=[^;]*" <<<"$postgres" | head -1 | cut -d= -f2-; }
  psql_admin() { PGPASSWORD=$(key Password) psql -h "$(key Host)" -p "$(key Port)" -U "$(key Username)" -d postgres "$@"; }
else
  provider=Sqlite connection="Data Source=$tmp/data/warden.db"
fi

start() {
  local port=""
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:0 Warden__DataDirectory="$tmp/data" \
    Warden__Database__Provider=$provider Warden__Database__ConnectionString="$connection" \
    Warden__Bootstrap__AdminEmail=root@bench.test Warden__Bootstrap__AdminPassword='Zq8!wLm3#Tx9vB' \
    Warden__RateLimits__AuthPerIpPerMinute=1000000000 Warden__RateLimits__LoginPerIdentifierPerMinute=1000000 \
    Logging__LogLevel__Default=Warning Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
    "${extra[@]}" "$server_dir/Warden.Server" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 6000); do
    port=$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$tmp/server.log" | head -1 | sed 's/.*://' || true)
    [[ -n $port ]] && curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" && break
    kill -0 "$pid" || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.05
  done
  url=http://127.0.0.1:$port
}

# Migrated by a first start, seeded with the server stopped, then started again for the soak.
mkdir -p "$tmp/data"
start
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
"$tool" seed --provider "${provider,,}" --connection "$connection" --from 0 --to "$users" --password "$password" >/dev/null
start
echo "soak: $provider${extra[*]:+ (${extra[*]})}, $users users, $clients clients, mix read,refresh,signin,register=$mix, ${seconds} s load + ${idle} s idle"
echo "soak: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tool" soak --url "$url" --server-pid "$pid" --clk-tck "$(getconf CLK_TCK)" --seconds "$seconds" --idle "$idle" \
  --clients "$clients" --mix "$mix" --users "$users" --password "$password"
echo "soak: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if grep -q ' fail: \|^fail:' "$tmp/server.log"; then
  echo "soak: the server logged failures:" >&2
  grep -A3 'fail:' "$tmp/server.log" | head -40 >&2
fi
