#!/usr/bin/env bash
# Warden's load benchmark (bench/README.md): publishes Warden as the container image does (ReadyToRun), runs it on 127.0.0.1 on SQLite and
# on PostgreSQL, seeds users in bulk, drives it with wrk and a small C# driver, and writes the results table
# into bench/RESULTS.md. Bounded in time, and it stops everything it started, even on failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
invocation="bench/run.sh${*:+ $*}"

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]

  --quick              small settings (a few seconds per figure, 2k/5k SQLite and 20k PostgreSQL users);
                       writes bench/out/RESULTS-quick.md instead of bench/RESULTS.md
  --duration S         seconds per load figure (default 20; --quick 4)
  --warmup S           unmeasured seconds before each load figure (default 5; --quick 2)
  --hash-seconds S     seconds for each hash-ceiling figure (default 10; --quick 3)
  --connections N      concurrent HTTP connections for wrk (default 32; --quick 16)
  --refresh-clients N  clients of the refresh driver, each rotating its own token (default 16; --quick 8)
  --sqlite-users LIST  comma-separated user counts for the SQLite admin figures (default 10000,100000);
                       the first count is also the population of the login/refresh/read figures
  --pg-users LIST      the same for PostgreSQL (default 10000,1000000)
  --no-sqlite          skip the SQLite phase
  --no-postgres        skip the PostgreSQL phase
  --no-keycloak        skip figure 8 (logins with Keycloak's hash parameters)
  --no-crossnode       skip figure 9 (a change on one node seen by another, PostgreSQL + Redis)
  --no-peer            skip figure 10 (the peer: plain ASP.NET Core Identity with MapIdentityApi, SQLite)
  --no-build           use the existing Release build and publish (bench/out/publish/)
  --build-output       run Warden and the peer from their plain Release build output instead of the ReadyToRun
                       publish the container image runs (faster to prepare; starts slower, idles a little lower)
  --warden DIR         benchmark the Warden source tree in DIR (another branch's checkout) instead of this one;
                       the bench tool is built against DIR's model too
  --results FILE       write the results table into FILE (default bench/RESULTS.md, or the quick file)
  --max-minutes M      hard time limit, a safety net for a hung step (default 22; --quick 8; 10 more when it
                       publishes)
  --keep               keep the temporary directory (server logs, data) for inspection
  -h, --help           this text

PostgreSQL: as root, the machine's cluster is started with pg_ctlcluster (as ./test.sh does) and a
throw-away database is created and dropped; or set WARDEN_BENCH_POSTGRES to a superuser connection
("host=... port=... user=... password=...", libpq form) and the database is created there.
EOF
}

# --- options ---------------------------------------------------------------------------------------------
quick=0 cross_samples="" duration="" warmup="" hash_seconds="" connections="" refresh_clients="" sqlite_users="" pg_users=""
do_sqlite=1 do_pg=1 do_kc=1 do_cross=1 do_peer=1 build=1 results="" max_minutes="" keep=0 warden_src="" build_output=0
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --duration) duration=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --hash-seconds) hash_seconds=$2; shift ;;
    --connections) connections=$2; shift ;;
    --refresh-clients) refresh_clients=$2; shift ;;
    --sqlite-users) sqlite_users=$2; shift ;;
    --pg-users) pg_users=$2; shift ;;
    --no-sqlite) do_sqlite=0 ;;
    --no-postgres) do_pg=0 ;;
    --no-keycloak) do_kc=0 ;;
    --no-crossnode) do_cross=0 ;;
    --no-peer) do_peer=0 ;;
    --no-build) build=0 ;;
    --build-output) build_output=1 ;;
    --warden) warden_src=$(cd "$2" && pwd) || exit 2; shift ;;
    --results) results=$2; shift ;;
    --max-minutes) max_minutes=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) printf 'bench/run.sh: unknown option %s\n\n' "$1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ((quick)); then
  : "${duration:=4}" "${warmup:=2}" "${hash_seconds:=3}" "${connections:=16}" "${refresh_clients:=8}" "${cross_samples:=10}"
  : "${sqlite_users:=2000,5000}" "${pg_users:=2000,20000}" "${max_minutes:=8}"
  : "${results:=$here/out/RESULTS-quick.md}"
else
  : "${duration:=20}" "${warmup:=5}" "${hash_seconds:=10}" "${connections:=32}" "${refresh_clients:=16}" "${cross_samples:=50}"
  : "${sqlite_users:=10000,100000}" "${pg_users:=10000,1000000}" "${max_minutes:=22}"
  : "${results:=$here/RESULTS.md}"
fi
# Publishing ReadyToRun (crossgen of Warden and its packages) took 5-6 minutes on 2 shared cores: allowed for.
((build == 0 || build_output == 1)) || max_minutes=$((max_minutes + 10))
[[ $warmup =~ ^[0-9]+$ ]] || { echo "bench/run.sh: --warmup takes a number of seconds" >&2; exit 2; }
for n in "$duration" "$hash_seconds" "$connections" "$refresh_clients" "$max_minutes"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: expected a positive number, got '$n'" >&2; exit 2; }
done
IFS=, read -r -a sqlite_counts <<<"$sqlite_users"
IFS=, read -r -a pg_counts <<<"$pg_users"
for n in "${sqlite_counts[@]}" "${pg_counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: user counts are positive numbers, got '$n'" >&2; exit 2; }
done

log() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
fail() { printf '\n!! %s\n' "$*" >&2; exit 1; }
loud() { printf '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! %s\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' "$*" >&2; }

# --- everything started is stopped on exit, whatever the reason -------------------------------------------
cores=$(nproc)
tmp=$(mktemp -d /tmp/warden-bench.XXXXXX)
results_jsonl=$tmp/results.jsonl
: >"$results_jsonl"
started_pids=()
pg_port="" pg_db="" pg_super=""
watchdog=""

stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

psql_super() {
  if [[ -n $pg_super ]]; then
    psql "$pg_super" -q -v ON_ERROR_STOP=1 "$@"
  else
    runuser -u postgres -- psql -q -p "$pg_port" -v ON_ERROR_STOP=1 "$@"
  fi
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $watchdog ]]; then
    pkill -P "$watchdog" 2>/dev/null || true  # its sleep, by parent id: only what this script started
    kill "$watchdog" 2>/dev/null || true
  fi
  for pid in "${started_pids[@]}"; do stop_pid "$pid"; done
  if [[ -n $pg_db ]]; then
    psql_super -d postgres -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 \
      || printf '!! could not drop the benchmark database %s\n' "$pg_db" >&2
  fi
  if ((status != 0)); then
    mkdir -p "$here/out/failed"
    cp "$tmp"/*.log "$tmp"/results.jsonl "$here/out/failed/" 2>/dev/null || true
    printf '\n!! the benchmark failed (exit %s); server logs copied to bench/out/failed/\n' "$status" >&2
  fi
  if ((keep)); then printf '\n   kept %s\n' "$tmp"; else rm -rf "$tmp"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A hard limit: if anything hangs, the whole run stops (and cleans up) instead of running on.
(
  sleep $((max_minutes * 60)) &
  wait $!
  printf '\n!! time limit of %s minutes reached; stopping\n' "$max_minutes" >&2
  for child in $(pgrep -P $$); do [[ $child == "$BASHPID" ]] || kill -TERM "$child" 2>/dev/null || true; done
  kill -TERM $$
) &
watchdog=$!
run_started=$(date +%s)

# --- tools: wrk from Debian, PostgreSQL; the Release build ------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
ldconfig -p | grep -q 'libargon2\.so\.1 ' || need+=(libargon2-1)
((do_pg)) && [[ -z ${WARDEN_BENCH_POSTGRES:-} ]] && ! command -v pg_ctlcluster >/dev/null && need+=(postgresql)
((do_pg && do_cross)) && ! command -v redis-server >/dev/null && need+=(redis-server)
if ((${#need[@]})); then
  [[ $(id -u) == 0 ]] || fail "missing packages (${need[*]}) and not root to install them"
  log "installing ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

warden_root=${warden_src:-$root}
# What the bench runs is what ships: the Dockerfile's own `dotnet publish` flags (ReadyToRun, framework-dependent),
# for Warden and for the peer alike, so the comparison stays fair. Keep these in step with the Dockerfile's RUN
# dotnet publish line (DockerfileTests checks the image asks for ReadyToRun). --build-output runs the plain build.
publish_flags=(-c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true)
publish_root=$here/out/publish
if ((build_output)); then
  server_dir=$warden_root/src/Warden.Server/bin/Release/net10.0
  peer_dir=$here/Identity.Peer/bin/Release/net10.0
  server_build="the Release build output (--build-output)"
else
  server_dir=$publish_root/warden
  peer_dir=$publish_root/peer
  server_build="a ReadyToRun publish, as the container image (dotnet publish ${publish_flags[*]})"
fi
tool_project=$here/Warden.Bench/Warden.Bench.csproj
if [[ -n $warden_src ]]; then
  # A copy of the tool beside DIR's build settings, so neither tree's obj/ is disturbed.
  mkdir -p "$tmp/tool/bench"
  cp "$warden_src/Directory.Build.props" "$warden_src/Directory.Packages.props" "$tmp/tool/"
  cp -r "$here/Warden.Bench" "$tmp/tool/bench/" && rm -rf "$tmp/tool/bench/Warden.Bench/bin" "$tmp/tool/bench/Warden.Bench/obj"
  tool_project=$tmp/tool/bench/Warden.Bench/Warden.Bench.csproj
  build=1
fi
tool_dir=$(dirname "$tool_project")/bin/Release/net10.0
if ((build)); then
  log "building Warden${warden_src:+ from $warden_src} and the bench tool in Release"
  timeout 600 dotnet build "$warden_root/src/Warden.Server/Warden.Server.csproj" -c Release -nologo -v quiet -clp:NoSummary
  timeout 600 dotnet build "$tool_project" -c Release -nologo -v quiet -clp:NoSummary \
    -p:WardenServerProject="$warden_root/src/Warden.Server/Warden.Server.csproj"
  if ((do_peer)); then
    timeout 600 dotnet build "$here/Identity.Peer/Identity.Peer.csproj" -c Release -nologo -v quiet -clp:NoSummary
  fi
  if ((build_output == 0)); then
    log "publishing Warden$( ((do_peer)) && echo ' and the peer') as the container image does (ReadyToRun)"
    publish_started=$(date +%s)
    rm -rf "$publish_root/warden" "$publish_root/peer"
    timeout 900 dotnet publish "$warden_root/src/Warden.Server/Warden.Server.csproj" "${publish_flags[@]}" \
      -o "$publish_root/warden" -nologo -v quiet -clp:NoSummary
    if ((do_peer)); then
      timeout 900 dotnet publish "$here/Identity.Peer/Identity.Peer.csproj" "${publish_flags[@]}" \
        -o "$publish_root/peer" -nologo -v quiet -clp:NoSummary
    fi
    say "published in $(($(date +%s) - publish_started)) s"
  fi
fi
[[ -x $server_dir/Warden.Server ]] || fail "no Warden at $server_dir (run without --no-build)"
[[ -x $tool_dir/Warden.Bench ]] || fail "no Release build of the bench tool at $tool_dir"
((do_peer == 0)) || [[ -x $peer_dir/Identity.Peer ]] || fail "no peer at $peer_dir (run without --no-build)"
tool() { timeout 900 "$tool_dir/Warden.Bench" "$@"; }

# --- the run's bookkeeping -----------------------------------------------------------------------------
password='Bench-Password-42!'         # every seeded and registered user's (meets the default policy)
admin_email='root@bench.test'
admin_password='Zq8!wLm3#Tx9vB'
wrk_threads=$((cores < connections ? cores : connections))  # for the settings line
nonce=$(date +%s)

# record FIGURE DB USERS JSON [CPU_SECONDS]: labels a measurement and keeps it for the report. CPU_SECONDS is
# what the server process spent during the figure (user + system, from /proc): requests per CPU-second
# hold up on a shared machine far better than requests per second do.
record() {
  local figure=$1 db=$2 users=$3 json=$4 cpu=${5:-}
  [[ $json == '{'* ]] || fail "no measurement for $figure on $db (got: ${json:0:300})"
  [[ -z $cpu || $json == *'"cpuSeconds":'* ]] || json="${json%\}},\"cpuSeconds\":$cpu}"
  json=${json#\{}
  [[ $json == *'"users":'* ]] || json="\"users\":${users:-null},$json"
  [[ $json == *'"db":'* ]] || json="\"db\":\"$db\",$json"
  json="{$json"
  json=$(sed -E "s/\"figure\":\"[^\"]*\"/\"figure\":\"$figure\"/" <<<"$json")
  printf '%s\n' "$json" >>"$results_jsonl"
  local rps p50 p99 errors value
  rps=$(grep -o '"rps":[0-9.]*' <<<"$json" | cut -d: -f2 || true)
  p50=$(grep -o '"p50Ms":[0-9.]*' <<<"$json" | cut -d: -f2 || true)
  p99=$(grep -o '"p99Ms":[0-9.]*' <<<"$json" | cut -d: -f2 || true)
  errors=$(grep -o '"errors":[0-9]*' <<<"$json" | cut -d: -f2 || true)
  value=$(grep -o '"value":[0-9.]*' <<<"$json" | cut -d: -f2 || true)
  if [[ -n $value ]]; then
    say "$figure ($db): $value $(grep -o '"unit":"[^"]*"' <<<"$json" | cut -d'"' -f4)"
  else
    say "$figure ($db, ${users:-?} users): ${rps:-?}/s  p50 ${p50:-?} ms  p99 ${p99:-?} ms  errors ${errors:-0}"
  fi
}

record_value() { # FIGURE DB VALUE UNIT [NOTE] [CPU_SECONDS]
  record "$1" "$2" "" "{\"figure\":\"$1\",\"value\":$3,\"unit\":\"$4\"${5:+,\"note\":\"$5\"}}" "${6:-}"
}

# --- the server ------------------------------------------------------------------------------------------
server_pid="" url=""

# start_server NAME DATA_DIR PROVIDER CONNECTION [ENV=VALUE ...]; sets server_pid, url, startup_ms.
start_server() {
  local name=$1 data=$2 provider=$3 connection=$4
  shift 4
  mkdir -p "$data"
  launch "Warden ($name)" "$tmp/$name.log" env \
    Warden__DataDirectory="$data" \
    Warden__Database__Provider="$provider" \
    Warden__Database__ConnectionString="$connection" \
    Warden__Bootstrap__AdminEmail="$admin_email" \
    Warden__Bootstrap__AdminPassword="$admin_password" \
    Warden__RateLimits__AuthPerIpPerMinute=1000000000 \
    Warden__RateLimits__LoginPerIdentifierPerMinute=1000000 \
    "$@" "$server_dir/Warden.Server"
}

# launch LABEL LOG_FILE COMMAND...: starts an ASP.NET Core server on a free loopback port and waits until its
# /health/ready answers 200; sets server_pid, url, startup_ms (spawn to ready) and startup_cpu.
launch() {
  local label=$1 log_file=$2 port=""
  shift 2
  local t0
  t0=$(date +%s%N)
  env ASPNETCORE_ENVIRONMENT=Production \
    ASPNETCORE_URLS=http://127.0.0.1:0 \
    Logging__LogLevel__Default=Warning \
    Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
    "$@" >"$log_file" 2>&1 &
  server_pid=$!
  started_pids+=("$server_pid")
  for _ in $(seq 1 6000); do
    port=$(grep -o 'Now listening on: http://127.0.0.1:[0-9]*' "$log_file" 2>/dev/null | head -1 | sed 's/.*://' || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$log_file" >&2; fail "$label exited during start-up"; }
    sleep 0.005
  done
  [[ -n $port ]] || fail "$label did not start listening within 30 s"
  url=http://127.0.0.1:$port
  for _ in $(seq 1 3000); do
    curl -fs -o /dev/null --max-time 2 "$url/health/ready" && break
    kill -0 "$server_pid" 2>/dev/null || { tail -20 "$log_file" >&2; fail "$label exited before it was ready"; }
    sleep 0.005
  done
  curl -fs -o /dev/null --max-time 2 "$url/health/ready" || fail "$label was not ready within 30 s"
  startup_ms=$((($(date +%s%N) - t0) / 1000000))
  startup_cpu=$(server_cpu)
  say "$label ready at $url after $startup_ms ms, $startup_cpu s of CPU (pid $server_pid)"
}

clk_tck=$(getconf CLK_TCK)
server_cpu() { awk -v hz="$clk_tck" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server_pid/stat"; }
cpu_delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# settle: waits until the server has used under a twentieth of a core for two seconds running (at most 120 s), so
# that work a figure leaves behind is not billed to the next one: the outbox still delivering a registration
# figure's thousands of events (mail, profiles, audit, statistics) ran into the Keycloak-parameter sign-ins on
# SQLite at 5 sign-ins per CPU-second (bench/RESULTS.md). Each figure's own deliveries stay in that figure.
settle() {
  [[ -n $server_pid ]] || return 0
  local quiet=0 a b
  for _ in $(seq 1 240); do
    a=$(server_cpu); sleep 0.5; b=$(server_cpu)
    if awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.025) }'; then
      ((++quiet >= 4)) && return 0
    else
      quiet=0
    fi
  done
  say "the server was still busy after 120 s; measuring anyway"
}

stop_server() {
  [[ -n $server_pid ]] && stop_pid "$server_pid"
  server_pid=""
}

rss_mb() { # FIELD (VmRSS, or VmHWM for the peak so far)
  awk -v f="$1:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"
}

# wrk_once SECONDS CONNECTIONS SCENARIO NONCE [ENV=VALUE ...]: one wrk run; prints its JSON line.
wrk_once() {
  local seconds=$1 conns=$2 scenario=$3 run_nonce=$4
  shift 4
  local threads=$((cores < conns ? cores : conns)) out
  out=$(env BENCH_SCENARIO="$scenario" BENCH_THREADS="$threads" BENCH_CONNECTIONS="$conns" \
    BENCH_PASSWORD="$password" BENCH_NONCE="$run_nonce" "$@" \
    timeout $((seconds + 60)) wrk -t"$threads" -c"$conns" -d"${seconds}s" --timeout 10s \
    -s "$here/wrk/scenario.lua" "$url") || fail "wrk failed for $scenario"
  grep '^{"figure"' <<<"$out" | tail -1
}

# run_wrk FIGURE DB USERS [ENV=VALUE ...]: an unmeasured warm-up (JIT, connection pools, caches), then the figure.
run_wrk() {
  local figure=$1 db=$2 users=$3
  shift 3
  settle
  if ((warmup > 0)); then
    wrk_once "$warmup" "$connections" "$figure" "warm-$nonce-$db" "$@" >/dev/null
  fi
  local before json
  before=$(server_cpu)
  json=$(wrk_once "$duration" "$connections" "$figure" "$nonce-$db" "$@")
  record "$figure" "$db" "$users" "$json" "$(cpu_delta "$before" "$(server_cpu)")"
}

# run_wrk_with_probe: run_wrk, while one more connection asks /health/live throughout, to show whether
# the figure's load starves the rest of the node.
run_wrk_with_probe() {
  local figure=$1 db=$2 users=$3 probe_seconds=$((duration > 3 ? duration - 2 : 1))
  ( sleep 1; wrk_once "$probe_seconds" 1 live "probe" >"$tmp/probe.json" ) &
  local probe=$!
  started_pids+=("$probe")
  run_wrk "$@"
  wait "$probe" || fail "the /health/live probe failed"
  record "live-during-$figure" "$db" "$users" "$(cat "$tmp/probe.json")"
}

token_for() { tool token --url "$url" --email "$1" --password "$2"; }

# --- one database's figures -----------------------------------------------------------------------------
# bench_database DB PROVIDER CONNECTION SEED_CONNECTION COUNTS...
bench_database() {
  local db=$1 provider=$2 connection=$3 seed_connection=$4
  shift 4
  local counts=("$@") data=$tmp/$db-data
  local flow_users=${counts[0]}

  log "$db: start-up time and idle memory (figure 7)"
  start_server "$db-cold" "$data" "$provider" "$connection"
  record_value startup-cold "$db" "$startup_ms" ms "" "$startup_cpu"
  stop_server
  start_server "$db-warm" "$data" "$provider" "$connection"
  record_value startup-warm "$db" "$startup_ms" ms "" "$startup_cpu"
  sleep 3
  record_value rss-idle "$db" "$(rss_mb VmRSS)" MB "3 s after ready"

  log "$db: seeding $flow_users users"
  record seed "$db" "" "$(tool seed --provider "$db" --connection "$seed_connection" --from 0 --to "$flow_users" --password "$password")"

  log "$db: warming up (a counted number of sign-ins, registrations, refreshes and reads)"
  tool warm --url "$url" --prefix bench --users "$flow_users" --password "$password" >/dev/null

  log "$db: hash ceiling before and after the logins (figures 1 and 2)"
  settle
  record hash "$db" "" "$(tool hash --threads "$cores" --seconds "$hash_seconds")"
  run_wrk_with_probe login "$db" "$flow_users" BENCH_USERS="$flow_users" BENCH_FIRST=0 BENCH_PREFIX=bench
  settle
  record hash "$db" "" "$(tool hash --threads "$cores" --seconds "$hash_seconds")"

  log "$db: registrations (figure 3)"
  run_wrk register "$db" "$flow_users"

  log "$db: token refreshes (figure 4)"
  settle
  record refresh "$db" "$flow_users" "$(tool refresh --url "$url" --clients "$refresh_clients" --seconds "$duration" --warmup "$warmup" --server-pid "$server_pid" --clk-tck "$clk_tck" \
    --prefix bench --first 0 --password "$password")"

  log "$db: authenticated read against the bare endpoint (figure 5)"
  local user_token
  user_token=$(token_for bench-0000001@bench.test "$password")
  run_wrk live "$db" "$flow_users"
  run_wrk me "$db" "$flow_users" BENCH_TOKEN="$user_token"

  log "$db: admin search and listing (figure 6)"
  local seeded=$flow_users admin_token status
  admin_token=$(token_for "$admin_email" "$admin_password")
  status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $admin_token" "$url/api/v1/admin/users?size=20")
  if [[ $status == 404 ]]; then
    loud "SKIPPED figure 6 on $db: GET /api/v1/admin/users answers 404 — the admin list/search endpoint is not in this build (branch admin not merged yet)"
    record skipped "$db" "" "{\"figure\":\"skipped\",\"note\":\"figure 6 on $db: GET /api/v1/admin/users answered 404 (the admin endpoint is not in this build)\"}"
  elif [[ $status != 200 ]]; then
    loud "SKIPPED figure 6 on $db: GET /api/v1/admin/users answered $status to the administrator (expected 200)"
    record skipped "$db" "" "{\"figure\":\"skipped\",\"note\":\"figure 6 on $db: GET /api/v1/admin/users answered $status to the administrator\"}"
  else
    for count in "${counts[@]}"; do
      if ((count > seeded)); then
        say "seeding up to $count users"
        # Past the sign-in figures' users, realistic addresses and names (Warden.Bench/Addresses.cs): with every
        # address `bench-NNNNNNN@bench.test` each trigram scan would read a posting list as long as the table.
        record seed "$db" "" "$(tool seed --provider "$db" --connection "$seed_connection" --from "$seeded" --to "$count" --addresses varied --password "$password")"
        seeded=$count
      fi
      # The search names users of the varied range by address, name, address prefix and organisation domain in turn
      # (wrk/scenario.lua); a population of only the sign-in users has nothing else to search for.
      local search=(BENCH_SEARCH=bench BENCH_USERS="$count" BENCH_FIRST=0)
      ((count > flow_users)) && search=(BENCH_SEARCH=varied BENCH_USERS=$((count - flow_users)) BENCH_FIRST="$flow_users")
      run_wrk admin-search "$db" "$count" BENCH_TOKEN="$admin_token" "${search[@]}" BENCH_PREFIX=bench
      run_wrk admin-list "$db" "$count" BENCH_TOKEN="$admin_token"
      if ((count == ${counts[-1]})); then
        # The same at the largest count with one connection: an administrator's own wait, where the figures above
        # (every connection searching at once on a few cores) measure mostly the queue in front of it.
        local all=$connections
        connections=1
        run_wrk admin-search-alone "$db" "$count" BENCH_TOKEN="$admin_token" "${search[@]}" BENCH_PREFIX=bench
        run_wrk admin-list-alone "$db" "$count" BENCH_TOKEN="$admin_token"
        connections=$all
      fi
    done
  fi
  record_value rss-load "$db" "$(rss_mb VmHWM)" MB "peak (VmHWM) over the figures above"
  stop_server

  if ((do_kc)); then
    log "$db: Keycloak's hash parameters, Argon2id t=5 m=7 MiB (figure 8)"
    local kc_users=$((flow_users < 5000 ? flow_users : 5000))
    start_server "$db-keycloak-params" "$data" "$provider" "$connection" \
      Warden__PasswordHashing__Argon2MemoryKiB=7168 Warden__PasswordHashing__Argon2Iterations=5
    record seed "$db" "" "$(tool seed --provider "$db" --connection "$seed_connection" --from 0 --to "$kc_users" --prefix kc \
      --password "$password" --memory-kib 7168 --iterations 5)"
    tool warm --url "$url" --prefix kc --users "$kc_users" --password "$password" >/dev/null
    settle
    record hash-kc "$db" "" "$(tool hash --threads "$cores" --seconds "$hash_seconds" --memory-kib 7168 --iterations 5)"
    run_wrk login-kc "$db" "$kc_users" BENCH_USERS="$kc_users" BENCH_FIRST=0 BENCH_PREFIX=kc
    settle
    record hash-kc "$db" "" "$(tool hash --threads "$cores" --seconds "$hash_seconds" --memory-kib 7168 --iterations 5)"
    stop_server
  fi
}

# cross_node CONNECTION: figure 9 — two nodes on the PostgreSQL phase's database (its seeded users) and one private
# redis-server; a change made on node A, and how long until node B answers the new way.
cross_node() {
  local connection=$1 redis_port node_a node_b url_a
  log "postgres: a change on one node seen by the other (figure 9: two nodes, one Redis)"
  redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$tmp/redis.log" 2>&1 &
  started_pids+=("$!")
  for _ in $(seq 1 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  local shared=(Warden__Redis__Configuration="127.0.0.1:$redis_port" Warden__Nodes=2)
  start_server postgres-node-a "$tmp/postgres-data" Postgres "$connection" "${shared[@]}"
  node_a=$server_pid url_a=$url
  start_server postgres-node-b "$tmp/postgres-data" Postgres "$connection" "${shared[@]}"
  node_b=$server_pid
  tool crossnode --a "$url_a" --b "$url" --prefix bench --first 100 --samples "$cross_samples" --password "$password" >"$tmp/crossnode.jsonl" \
    || fail "the cross-node figure failed"
  while read -r line; do
    record "$(sed -E 's/.*"figure":"([^"]*)".*/\1/' <<<"$line")" postgres "" "$line"
  done <"$tmp/crossnode.jsonl"
  stop_pid "$node_b"; stop_pid "$node_a"; server_pid=""
}

# bench_peer USERS: figure 10 — the peer (bench/Identity.Peer: ASP.NET Core Identity's AddIdentityApiEndpoints and
# MapIdentityApi on SQLite, its default PBKDF2 hasher), measured as Warden is, in the same run: start to ready on an
# existing database, idle memory, its hash ceiling before and after its sign-ins, its bare endpoint and its
# authenticated read (/manage/info with a bearer token), peak memory.
bench_peer() {
  local users=$1 data=$tmp/peer-data token
  log "peer: plain ASP.NET Core Identity (MapIdentityApi, SQLite), measured the same way (figure 10)"
  launch "the peer (empty database)" "$tmp/peer-cold.log" Peer__DataDirectory="$data" "$peer_dir/Identity.Peer"
  record_value peer-startup-cold sqlite "$startup_ms" ms "" "$startup_cpu"
  stop_server
  record seed sqlite "" "$(env Peer__DataDirectory="$data" timeout 600 "$peer_dir/Identity.Peer" seed --count "$users" --password "$password")"
  launch "the peer (existing database)" "$tmp/peer-warm.log" Peer__DataDirectory="$data" "$peer_dir/Identity.Peer"
  record_value peer-startup-warm sqlite "$startup_ms" ms "" "$startup_cpu"
  sleep 3
  record_value peer-rss-idle sqlite "$(rss_mb VmRSS)" MB "3 s after ready"

  record peer-hash sqlite "" "$(tool hash --hasher aspnet-identity --threads "$cores" --seconds "$hash_seconds")"
  run_wrk peer-login sqlite "$users" BENCH_USERS="$users" BENCH_FIRST=0 BENCH_PREFIX=bench
  record peer-hash sqlite "" "$(tool hash --hasher aspnet-identity --threads "$cores" --seconds "$hash_seconds")"

  token=$(curl -fs --max-time 30 -H 'Content-Type: application/json' -X POST "$url/login" \
    -d "{\"email\":\"bench-0000001@bench.test\",\"password\":\"$password\"}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["accessToken"])') || fail "the peer gave no token"
  run_wrk peer-live sqlite "$users"
  run_wrk peer-me sqlite "$users" BENCH_TOKEN="$token"
  record_value peer-rss-load sqlite "$(rss_mb VmHWM)" MB "peak (VmHWM) over the figures above"
  stop_server
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "Warden benchmark: $cores vCPU, load average $load_before, $duration s per figure, $connections connections"
say "Warden and the peer run from $server_build"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 1) }'; then
  say "NOTE: the machine is busy (load average $load_before): absolute figures will be low; the ratios hold better."
fi

if ((do_sqlite)); then
  bench_database sqlite Sqlite "" "Data Source=$tmp/sqlite-data/warden.db;Default Timeout=30" "${sqlite_counts[@]}"
fi
if ((do_peer)); then
  bench_peer "${sqlite_counts[0]}"
fi

if ((do_pg)); then
  if [[ -n ${WARDEN_BENCH_POSTGRES:-} ]]; then
    pg_super=$WARDEN_BENCH_POSTGRES
    pg_host=$(sed -nE 's/.*host=([^ ]+).*/\1/p' <<<"$pg_super"); pg_port=$(sed -nE 's/.*port=([0-9]+).*/\1/p' <<<"$pg_super")
    pg_user=$(sed -nE 's/.*user=([^ ]+).*/\1/p' <<<"$pg_super"); pg_pass=$(sed -nE 's/.*password=([^ ]+).*/\1/p' <<<"$pg_super")
  elif [[ $(id -u) == 0 ]]; then
    log "starting PostgreSQL"
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
    [[ -n $cluster ]] || fail "no PostgreSQL cluster found (pg_lsclusters is empty)"
    # shellcheck disable=SC2086
    pg_ctlcluster $cluster start 2>/dev/null || pg_ctlcluster $cluster status >/dev/null || fail "PostgreSQL could not be started"
    pg_port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.5; done
    pg_isready -q -h 127.0.0.1 -p "$pg_port" || fail "PostgreSQL did not become ready on port $pg_port"
    psql_super -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'warden_bench') THEN
          CREATE ROLE warden_bench LOGIN PASSWORD 'warden_bench';
        END IF;
      END \$\$;" >/dev/null
    pg_host=127.0.0.1 pg_user=warden_bench pg_pass=warden_bench
  else
    loud "SKIPPED the PostgreSQL phase: not root (cannot start the cluster) and WARDEN_BENCH_POSTGRES is not set"
    record skipped postgres "" '{"figure":"skipped","note":"the PostgreSQL phase: not root and WARDEN_BENCH_POSTGRES not set"}'
    do_pg=0
  fi
  if ((do_pg)); then
    pg_db=warden_bench_$$_$RANDOM
    psql_super -d postgres -c "CREATE DATABASE $pg_db OWNER $pg_user" >/dev/null
    pg_cs="Host=$pg_host;Port=$pg_port;Username=$pg_user;Password=$pg_pass;Database=$pg_db"
    bench_database postgres Postgres "$pg_cs" "$pg_cs;Command Timeout=600" "${pg_counts[@]}"
    ((do_cross)) && cross_node "$pg_cs"
  fi
fi

# --- the results table ------------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(($(date +%s) - run_started))
log "writing the results table ($((elapsed / 60)) min $((elapsed % 60)) s)"
mkdir -p "$here/out" "$(dirname "$results")"
cp "$results_jsonl" "$here/out/last-run.jsonl"
mode=$( ((quick)) && echo "quick settings" || echo "default settings")
[[ $invocation == "bench/run.sh" || $invocation == "bench/run.sh --quick" ]] || mode="$mode, changed by options"
settings="Warden and the peer run from $server_build; $duration s per load figure after $warmup s of warm-up, $hash_seconds s per hash ceiling, wrk $wrk_threads threads x $connections connections, \
$refresh_clients refresh clients; rate limits raised for the run (Warden:RateLimits:AuthPerIpPerMinute=1000000000, \
LoginPerIdentifierPerMinute=1000000); client and server share the machine; run took $((elapsed / 60)) min $((elapsed % 60)) s."
[[ -f $results ]] || printf '# Warden benchmark results\n\n' >"$results"
tool report --results "$results_jsonl" --into "$results" \
  --meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --meta "command=$invocation" \
  --meta "mode=$mode" \
  --meta "commit=$(git -C "$warden_root" rev-parse --short HEAD 2>/dev/null || echo "unknown, from $warden_root")$(git -C "$warden_root" diff --quiet 2>/dev/null || echo ' (with local changes)')" \
  --meta "cores=$cores" \
  --meta "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
  --meta "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)" \
  --meta "os=$(. /etc/os-release && echo "$PRETTY_NAME")" \
  --meta "dotnet=$(dotnet --version 2>/dev/null || echo ?)" \
  --meta "postgres=$(psql --version 2>/dev/null | awk '{print $3}' || echo ?)" \
  --meta "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $2}')" \
  --meta "load-before=$load_before" \
  --meta "load-after=$load_after" \
  --meta "settings=$settings"
say "results: ${results#"$root"/}  (raw measurements: bench/out/last-run.jsonl)"
