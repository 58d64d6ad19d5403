using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Database;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public const string Section = "Warden:Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Required for PostgreSQL; for SQLite the default is <c>warden.db</c> under the data directory.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations at start-up. Turn off when a deployment runs <c>migrate</c> itself.</summary>
    public bool MigrateOnStart { get; set; } = true;
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(!Enum.IsDefined(options.Provider), "Warden:Database:Provider must be Sqlite or Postgres.");
        errors.AddErrorIf(options.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(options.ConnectionString),
            "Warden:Database:ConnectionString is required when Warden:Database:Provider is Postgres.");
        return errors.Build();
    }
}
