using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Warden.Server.Infrastructure.Database;

public sealed class SqliteWardenDbContext(DbContextOptions<SqliteWardenDbContext> options) : WardenDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no timestamp type and EF cannot compare or order DateTimeOffset stored as text.
        // Warden stores every instant in UTC, so the binary form (ticks) sorts and compares correctly.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgresWardenDbContext(DbContextOptions<PostgresWardenDbContext> options) : WardenDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;
}
