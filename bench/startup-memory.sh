#!/usr/bin/env bash
# Start-up and memory settings compared (issue 25; bench/README.md, "Files"; the measurements are in bench/RESULTS.md): Warden on an existing
# SQLite database with seeded users, once per setting (environment variables for the runtime and glibc), each
# measured the same way: start to /health/ready (wall and CPU time), resident memory 3 s after ready, the peak
# during a sign-in flood (after --warmup seconds of unmeasured sign-ins), and resident memory 10 s and --idle s after
# the flood ended; the assemblies mapped at idle. Prints a Markdown table. Runs the ReadyToRun publish bench/run.sh
# makes (bench/out/publish/warden, as the container image), or --build-output, or --server DIR (e.g. another publish).
# Uses what bench/run.sh builds (run it, or its --quick, first); stops everything it started.
#   bench/startup-memory.sh [--flood S] [--warmup S] [--idle S] [--users N] [--server DIR | --build-output]
#                           ['NAME::ENV=VALUE,ENV=VALUE' ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
flood=30 warmup=0 idle=60 users=2000 server_dir=$here/out/publish/warden
configs=()
while (($#)); do
  case $1 in
    --flood) flood=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --build-output) server_dir=$root/src/Warden.Server/bin/Release/net10.0 ;;
    --idle) idle=$2; shift ;;
    --users) users=$2; shift ;;
    --server) server_dir=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *::*) configs+=("$1") ;;
    *) echo "startup-memory.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if ((${#configs[@]} == 0)); then
  configs=(
    "as built::"
    "as the image runs it::MALLOC_ARENA_MAX=2"
  )
fi
tool=$here/Warden.Bench/bin/Release/net10.0/Warden.Bench
[[ -x $server_dir/Warden.Server && -x $tool ]] || { echo "no Warden at $server_dir or no bench tool: run bench/run.sh --quick first" >&2; exit 1; }

tmp=$(mktemp -d /tmp/warden-startup-memory.XXXXXX)
pid=""
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
password='Bench-Password-42!'
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"; }
rss() { awk -v f="$1:" '$1 == f { printf "%.0f", $2 / 1024 }' "/proc/$pid/status"; }
assemblies() { grep -o '[^/]*\.dll$' "/proc/$pid/maps" | sort -u | wc -l; }

# start DATA_DIR [ENV=VALUE ...]: sets pid, url, ready_ms, ready_cpu
start() {
  local data=$1 port="" t0
  shift
  t0=$(date +%s%N)
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=http://127.0.0.1:0 Warden__DataDirectory="$data" \
    Warden__Database__Provider=Sqlite Warden__Bootstrap__AdminEmail=root@bench.test Warden__Bootstrap__AdminPassword='Zq8!wLm3#Tx9vB' \
    Warden__RateLimits__AuthPerIpPerMinute=1000000000 Warden__RateLimits__LoginPerIdentifierPerMinute=1000000 \
    Logging__LogLevel__Default=Warning Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
    "$@" "$server_dir/Warden.Server" >"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 12000); do
    port=$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$tmp/server.log" | head -1 | sed 's/.*://' || true)
    [[ -n $port ]] && curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready" && break
    kill -0 "$pid" || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.005
  done
  url=http://127.0.0.1:$port
  ready_ms=$((($(date +%s%N) - t0) / 1000000))
  ready_cpu=$(cpu)
}
stop() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

# One database for all: migrated by a first start, then seeded; each setting starts on a copy of it.
start "$tmp/template"
stop
"$tool" seed --provider sqlite --connection "Data Source=$tmp/template/warden.db" --from 0 --to "$users" --password "$password" >/dev/null

flood_for() { # SECONDS: a sign-in flood, distinct users; prints wrk's JSON line
  env BENCH_SCENARIO=login BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_PASSWORD="$password" BENCH_USERS="$users" \
    BENCH_FIRST=0 BENCH_PREFIX=bench BENCH_NONCE=x wrk -t2 -c32 -d"${1}s" --timeout 10s -s "$here/wrk/scenario.lua" "$url" | grep '^{"figure"'
}

printf '\nServer: %s. Load average at the start: %s; %s s sign-in flood (wrk, 32 connections) after %s s of warm-up, %s s idle after it.\n\n' \
  "$server_dir" "$(cut -d' ' -f1-3 /proc/loadavg)" "$flood" "$warmup" "$idle"
echo "| setting | ready ms | CPU s to ready | RSS idle MB | assemblies | peak RSS in flood MB | sign-ins/s | sign-ins per CPU-s | RSS +10 s MB | RSS +${idle} s MB | load at ready | load |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"
for config in "${configs[@]}"; do
  name=${config%%::*} envs=${config#*::}
  IFS=, read -r -a env_list <<<"$envs"
  rm -rf "$tmp/data" && cp -r "$tmp/template" "$tmp/data"
  start "$tmp/data" "${env_list[@]}"
  ready_load=$(cut -d' ' -f1 /proc/loadavg)
  sleep 3
  idle_rss=$(rss VmRSS)
  loaded=$(assemblies)
  ((warmup == 0)) || flood_for "$warmup" >/dev/null
  cpu0=$(cpu)
  out=$(flood_for "$flood")
  cpu1=$(cpu)
  peak=$(rss VmHWM)
  requests=$(grep -o '"requests":[0-9]*' <<<"$out" | cut -d: -f2)
  rps=$(grep -o '"rps":[0-9.]*' <<<"$out" | cut -d: -f2)
  sleep 10
  after10=$(rss VmRSS)
  sleep $((idle > 10 ? idle - 10 : 0))
  after=$(rss VmRSS)
  per_cpu=$(awk -v n="$requests" -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", n / (b - a) }')
  echo "| $name${envs:+ (\`${envs//,/ }\`)} | $ready_ms | $ready_cpu | $idle_rss | $loaded | $peak | $rps | $per_cpu | $after10 | $after | $ready_load | $(cut -d' ' -f1 /proc/loadavg) |"
  stop
done
