#!/usr/bin/env bash
# Until the first release the schema is one migration per provider, regenerated whenever the model changes.
# After a release, add migrations instead (docs/operations.md, "Upgrades and migrations").
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore
rm -rf src/Warden.Server/Infrastructure/Database/Migrations
for context in Sqlite Postgres; do
  dotnet ef --project src/Warden.Server/Warden.Server.csproj migrations add Initial \
    --context ${context}WardenDbContext --output-dir Infrastructure/Database/Migrations/$context 2>&1 | grep -v StringTools
done
