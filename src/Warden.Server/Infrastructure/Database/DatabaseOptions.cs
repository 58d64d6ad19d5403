using Microsoft.Extensions.Options;

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
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail("Warden:Database:Provider must be Sqlite or Postgres.");
        }

        if (options.Provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "Warden:Database:ConnectionString is required when Warden:Database:Provider is Postgres.");
        }

        return ValidateOptionsResult.Success;
    }
}
