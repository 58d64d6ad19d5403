#!/usr/bin/env bash
# Adds a migration, named by the first argument, for both providers with the standard `dotnet ef` (a local
# tool: .config/dotnet-tools.json). Keep migrations additive within a release (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh <Name>}
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/Warden.Server --context "${provider}WardenDbContext" \
    --output-dir "Migrations/$provider" --namespace "Warden.Server.Migrations.$provider"
done
# The compiled models follow the model (CompiledModelTests fails when they do not).
scripts/optimize-model.sh
