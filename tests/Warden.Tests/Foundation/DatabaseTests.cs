using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authorization;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Users;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;
using Warden.Server.Administration;

namespace Warden.Tests.Foundation;

public sealed class DatabaseTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task TablesAndColumnsUseSnakeCase()
    {
        _ = factory.CreateClient();
        await factory.InDbAsync(async db =>
        {
            var tables = await TableNamesAsync(db);
            foreach (var expected in new[] { "users", "roles", "permissions", "role_permissions", "user_roles", "user_passkeys" })
            {
                Assert.Contains(expected, tables);
            }

            Assert.DoesNotContain(tables, t => t.Any(char.IsUpper) && !t.StartsWith("__EF", StringComparison.Ordinal));
            var userColumns = db.Model.FindEntityType(typeof(User))!.GetProperties().Select(p => p.GetColumnName()).ToList();
            Assert.Contains("normalized_email", userColumns);
            Assert.Contains("email_verified_at", userColumns);
        });
    }

    [Fact]
    public async Task DefaultRolesAndPermissionsAreSeeded()
    {
        _ = factory.CreateClient();
        await factory.InDbAsync(async db =>
        {
            var roles = await db.Roles
                .Select(r => new { r.Name, Permissions = r.Permissions.Select(p => p.Permission!.Name).ToList() })
                .ToDictionaryAsync(r => r.Name!, r => r.Permissions.Order().ToArray());

            Assert.Equal(["read:own", "write:own"], roles["user"]);
            Assert.Equal(["read:all", "read:own", "write:own"], roles["moderator"]);
            Assert.Equal(6, roles["admin"].Length);
        });
    }

    [Fact]
    public async Task BootstrapAdminFromConfigurationIsActiveAndHoldsTheAdminRole()
    {
        _ = factory.CreateClient();
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var admin = await users.FindByEmailAsync(WardenFactory.AdminEmail);
            Assert.NotNull(admin);
            Assert.Equal(UserStatus.Active, admin.Status);
            Assert.True(await users.CheckPasswordAsync(admin, WardenFactory.AdminPassword));
            var db = services.GetRequiredService<WardenDbContext>();
            Assert.True(await db.UserRoles.AnyAsync(ur => ur.UserId == admin.Id && ur.Role!.Name == DefaultRoles.Admin));
        });
    }

    [Fact]
    public async Task EmailsAreUniqueCaseInsensitively()
    {
        _ = factory.CreateClient();
        await factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var first = await users.CreateAsync(new User { Email = "Case.Test@Example.com" });
            Assert.True(first.Succeeded);
            var second = await users.CreateAsync(new User { Email = "case.test@EXAMPLE.COM" });
            Assert.False(second.Succeeded);

            // The unique index holds even when the validator is bypassed (two requests racing past it).
            var db = services.GetRequiredService<WardenDbContext>();
            db.Users.Add(new User { Email = "case.test@example.com", NormalizedEmail = "CASE.TEST@EXAMPLE.COM" });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        });
    }

    [Fact]
    public async Task SeedingTwiceChangesNothing()
    {
        _ = factory.CreateClient();
        var initializer = factory.Services.GetRequiredService<DatabaseInitializer>();
        await initializer.SeedAsync();
        await factory.InDbAsync(async db =>
        {
            Assert.Equal(3, await db.Roles.CountAsync(r => r.Name == "user" || r.Name == "admin" || r.Name == "moderator"));
            Assert.Equal(6, await db.Permissions.CountAsync());
        });
    }

    [Fact]
    [PostgresOnly]
    public async Task OnPostgresAStatementRunRepeatedlyIsPreparedOnItsConnection()
    {
        _ = factory.CreateClient();
        var prepared = await factory.InDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync();
            for (var i = 0; i < 6; i++)
            {
                _ = await db.Roles.AsNoTracking().CountAsync(r => r.Name == "prepared-probe");
            }

            return await db.Database
                .SqlQueryRaw<long>("SELECT count(*) AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%prepared-probe%' AND statement NOT LIKE '%pg_prepared_statements%'")
                .SingleAsync();
        });

        Assert.Equal(1, prepared);
    }

    [Theory]
    [InlineData("Host=db;Database=warden;Max Auto Prepare=0")]
    [InlineData("Host=db;Database=warden;MaxAutoPrepare=8")]
    public void AnOperatorsOwnAutoPrepareSettingIsKept(string configured) =>
        Assert.Equal(configured, DatabaseServiceCollectionExtensions.PostgresConnectionString(configured));

    [Fact]
    public void WithoutOneAutomaticPreparationIsOn() =>
        Assert.Contains($"Max Auto Prepare={DatabaseServiceCollectionExtensions.AutoPreparedStatements}",
            DatabaseServiceCollectionExtensions.PostgresConnectionString("Host=db;Database=warden;Password=secret"), StringComparison.Ordinal);

    private static async Task<List<string>> TableNamesAsync(WardenDbContext db)
    {
        var sql = db.Provider == DatabaseProvider.Sqlite
            ? "SELECT name AS \"Value\" FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name AS \"Value\" FROM information_schema.tables WHERE table_schema = 'public'";
        return await db.Database.SqlQueryRaw<string>(sql).ToListAsync();
    }
}

[Collection(ConsoleCollection.Name)]
public sealed class GeneratedAdminTests : IDisposable
{
    private readonly WardenFactory _factory = new WardenFactory()
        .With("Warden:Bootstrap:AdminEmail", "")
        .With("Warden:Bootstrap:AdminPassword", "");

    [Fact]
    public async Task EmptyDatabaseWithoutBootstrapSettingsGetsAGeneratedAdministrator()
    {
        var (_, text) = await ConsoleCollection.CaptureOutAsync(() => Task.FromResult(_factory.CreateClient()));
        Assert.Contains(BootstrapAdministrator.GeneratedAdminEmail, text, StringComparison.Ordinal);
        var password = text.Split('\n').Single(l => l.Contains("password:", StringComparison.Ordinal)).Split("password:")[1].Trim();

        await _factory.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<User>>();
            var admin = await users.FindByEmailAsync(BootstrapAdministrator.GeneratedAdminEmail);
            Assert.NotNull(admin);
            Assert.True(await users.CheckPasswordAsync(admin, password));
        });
    }

    public void Dispose() => _factory.Dispose();
}
