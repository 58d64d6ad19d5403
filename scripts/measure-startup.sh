#!/usr/bin/env bash
# Measures what an operator sees first: time from process start to /health/ready = 200 on an empty SQLite
# database (migrations, seeding and key generation included), and resident memory once ready and idle.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build src/Warden.Server -c Release -nologo -v quiet -clp:NoSummary >/dev/null
data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$data"' EXIT
start=$(date +%s%N)
dotnet src/Warden.Server/bin/Release/net10.0/Warden.Server.dll --urls "http://127.0.0.1:$port" \
  --Warden:DataDirectory="$data" --Warden:Bootstrap:AdminEmail=ops@example.com \
  --Warden:Bootstrap:AdminPassword='Measure-Start-2024!' >"$data/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.02
done
ready=$(date +%s%N)
echo "start to ready (empty database): $(( (ready - start) / 1000000 )) ms"
sleep 5
echo "resident memory, idle after start: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
kill "$pid"; wait "$pid" 2>/dev/null || true
# A second start on the now-migrated database: what a restart costs.
start=$(date +%s%N)
dotnet src/Warden.Server/bin/Release/net10.0/Warden.Server.dll --urls "http://127.0.0.1:$port" \
  --Warden:DataDirectory="$data" >"$data/server2.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server2.log"; exit 1; }
  sleep 0.02
done
ready=$(date +%s%N)
echo "start to ready (existing database): $(( (ready - start) / 1000000 )) ms"
