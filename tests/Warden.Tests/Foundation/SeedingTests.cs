using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Authorization;
using Warden.Server.Authorization.Check;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Oidc;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// The seeders on a database that already holds their defaults (every start after the first): they learn it from
/// plain reads (SeedCheck), not from EF Core queries, which before the first readiness answer cost a quarter of the
/// start's CPU; and a default that went missing is still put back.
/// </summary>
public sealed class SeedingTests(SqlTracingFactory factory) : IClassFixture<SqlTracingFactory>
{
    [Fact]
    public async Task SeedingASeededDatabaseRunsNoEfCoreQuery()
    {
        _ = factory.CreateClient();
        var initializer = factory.Services.GetRequiredService<DatabaseInitializer>();
        // Once untraced: a singleton first created inside the traced flow (a timer, a loop) would carry the trace id
        // with it and trace its own later statements as the seeders'.
        await initializer.SeedAsync();
        const string trace = "seeding-a-seeded-database";
        using (factory.Trace.Tracing(trace))
        {
            await initializer.SeedAsync();
        }

        Assert.Empty(factory.Trace.Statements(trace));
    }

    [Fact]
    public async Task SeedingPutsBackADefaultRoleAndScopeThatWentMissing()
    {
        _ = factory.CreateClient();
        await factory.InDbAsync(async db =>
        {
            await db.Roles.Where(r => r.Name == DefaultRoles.Moderator).ExecuteDeleteAsync();
            await db.OidcScopes.Where(s => s.Name == CheckCallers.Scope).ExecuteDeleteAsync();
        });

        await factory.Services.GetRequiredService<DatabaseInitializer>().SeedAsync();

        await factory.InDbAsync(async db =>
        {
            Assert.True(await db.Roles.AnyAsync(r => r.Name == DefaultRoles.Moderator));
            Assert.True(await db.OidcScopes.AnyAsync(s => s.Name == CheckCallers.Scope));
            Assert.True(await db.OidcScopes.AnyAsync(s => s.Name == OidcSetup.WardenApiScope));
        });
    }
}
