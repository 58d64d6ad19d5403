#!/usr/bin/env bash
# Regenerates the compiled EF Core models (src/Warden.Server/Migrations/CompiledModels/), one per provider,
# with the standard `dotnet ef dbcontext optimize` (a local tool: .config/dotnet-tools.json). The server runs on them
# instead of building its model at every start (bench/RESULTS.md, "Start-up and idle memory, profiled"). Run it after
# every model change, with the migration (scripts/add-migration.sh runs it); CompiledModelTests fails until you do.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dir=src/Warden.Server/Migrations/CompiledModels/$provider
  # Removed first: an entity type that left the model must not leave its file behind.
  rm -rf "$dir"
  dotnet ef dbcontext optimize --project src/Warden.Server --context "${provider}WardenDbContext" \
    --output-dir "Migrations/CompiledModels/$provider" \
    --namespace "Warden.Server.Migrations.CompiledModels.$provider"
done
