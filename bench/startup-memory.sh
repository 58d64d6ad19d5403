#!/usr/bin/env bash
# Start-up and memory settings compared (issue 25; bench/README.md, "Files"; the measurements are in bench/RESULTS.md): Warden on an existing
# SQLite database with seeded users, once per setting (environment variables for the runtime and glibc), each
# measured the same way: start to /health/ready (wall and CPU time), resident memory 3 s after ready, the peak
# during a sign-in flood, and resident memory 10 s and 60 s after the flood ended. Prints a Markdown table.
# Uses the builds bench/run.sh makes (run it, or its --quick, first); stops everything it started.
#   bench/startup-memory.sh [--flood S] [--idle S] [--users N] [--server DIR] ['NAME::ENV=VALUE,ENV=VALUE' ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
flood=30 idle=60 users=2000 server_dir=$root/src/Warden.Server/bin/Release/net10.0
configs=()
while (($#)); do
  case $1 in
    --flood) flood=$2; shift ;;
    --idle) idle=$2; shift ;;
    --users) users=$2; shift ;;
    --server) server_dir=$(cd "$2" && pwd); shift ;;
    -h|--help) sed -n 2,7p "$0"; exit 0 ;;
    *::*) configs+=("$1") ;;
    *) echo "startup-memory.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if ((${#configs[@]} == 0)); then
  configs=(
    "default (Server GC, DATAS)="
    "Server GC without DATAS=DOTNET_GCDynamicAdaptationMode=0"
    "workstation GC=DOTNET_gcServer=0"
    "Server GC, GCConserveMemory=7=DOTNET_GCConserveMemory=7"
    "MALLOC_ARENA_MAX=2=MALLOC_ARENA_MAX=2"
    "fixed mmap threshold (1 MiB)=MALLOC_MMAP_THRESHOLD_=1048576"
  )
fi
tool=$here/Warden.Bench/bin/Release/net10.0/Warden.Bench
[[ -x $server_dir/Warden.Server && -x $tool ]] || { echo "build first: bench/run.sh --quick (or dotnet build -c Release)" >&2; exit 1; }

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

printf '\nLoad average at the start: %s; %s s sign-in flood (wrk, 32 connections), %s s idle after it.\n\n' \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$flood" "$idle"
echo "| setting | ready ms | CPU s to ready | RSS idle MB | peak RSS in flood MB | sign-ins/s | sign-ins per CPU-s | RSS +10 s MB | RSS +${idle} s MB | load |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for config in "${configs[@]}"; do
  name=${config%%::*} envs=${config#*::}
  IFS=, read -r -a env_list <<<"$envs"
  rm -rf "$tmp/data" && cp -r "$tmp/template" "$tmp/data"
  start "$tmp/data" "${env_list[@]}"
  sleep 3
  idle_rss=$(rss VmRSS)
  cpu0=$(cpu)
  out=$(env BENCH_SCENARIO=login BENCH_THREADS=2 BENCH_CONNECTIONS=32 BENCH_PASSWORD="$password" BENCH_USERS="$users" \
    BENCH_FIRST=0 BENCH_PREFIX=bench BENCH_NONCE=x wrk -t2 -c32 -d"${flood}s" --timeout 10s -s "$here/wrk/scenario.lua" "$url" | grep '^{"figure"')
  cpu1=$(cpu)
  peak=$(rss VmHWM)
  requests=$(grep -o '"requests":[0-9]*' <<<"$out" | cut -d: -f2)
  rps=$(grep -o '"rps":[0-9.]*' <<<"$out" | cut -d: -f2)
  sleep 10
  after10=$(rss VmRSS)
  sleep $((idle > 10 ? idle - 10 : 0))
  after=$(rss VmRSS)
  per_cpu=$(awk -v n="$requests" -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", n / (b - a) }')
  echo "| $name${envs:+ (\`${envs//,/ }\`)} | $ready_ms | $ready_cpu | $idle_rss | $peak | $rps | $per_cpu | $after10 | $after | $(cut -d' ' -f1 /proc/loadavg) |"
  stop
done
