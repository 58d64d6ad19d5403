using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Warden.Server.Users;

namespace Warden.Server.Infrastructure.Database;

// Used only by the dotnet ef tool to generate migrations. The Identity schema version is read by the
// model from IdentityOptions, so it is supplied here exactly as the running server supplies it.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteWardenDbContext>
{
    public SqliteWardenDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteWardenDbContext>()
            .UseSqlite("Data Source=design-time.db")
            .UseApplicationServiceProvider(DesignTimeServices.Create())
            .Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresWardenDbContext>
{
    public PostgresWardenDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresWardenDbContext>()
            .UseNpgsql("Host=localhost;Database=warden_design_time")
            .UseApplicationServiceProvider(DesignTimeServices.Create())
            .Options);
}

internal static class DesignTimeServices
{
    public static IServiceProvider Create() =>
        new ServiceCollection()
            .Configure<IdentityOptions>(IdentityConfiguration.ConfigureStores)
            .BuildServiceProvider();
}
