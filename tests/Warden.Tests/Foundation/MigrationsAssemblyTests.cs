using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Warden.Server.Infrastructure.Database;
using Warden.Tests.Fixtures;
using Warden.Tests.Infrastructure;

namespace Warden.Tests.Foundation;

/// <summary>
/// The server finds its migrations through <see cref="ProviderMigrationsAssembly"/> (reading the assembly's metadata
/// instead of loading every type in it, as EF Core's own does): it must find exactly what EF Core's scan finds —
/// every migration of the context, with its id, and the context's model snapshot — or a migration would silently
/// not run. Compared here with that scan, for both provider contexts (no database is opened).
/// </summary>
public sealed class MigrationsAssemblyTests(WardenFactory factory) : IClassFixture<WardenFactory>
{
    [Fact]
    public async Task TheServersContextFindsItsMigrationsWithoutEfCoresTypeScan()
    {
        _ = factory.CreateClient();
        await factory.InDbAsync(db =>
        {
            var migrations = db.GetService<IMigrationsAssembly>();
            Assert.IsType<ProviderMigrationsAssembly>(migrations);
            AssertFindsWhatEfCoreFinds(db.GetType(), migrations);
            return Task.CompletedTask;
        });
    }

    [Fact]
    [SqliteOnly]
    public void BothProviderContextsFindWhatEfCoreFinds()
    {
        var sqlite = new DbContextOptionsBuilder<SqliteWardenDbContext>().UseSqlite("Data Source=:memory:")
            .ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>().Options;
        using (var context = new SqliteWardenDbContext(sqlite))
        {
            AssertFindsWhatEfCoreFinds(typeof(SqliteWardenDbContext), context.GetService<IMigrationsAssembly>());
        }

        var postgres = new DbContextOptionsBuilder<PostgresWardenDbContext>().UseNpgsql("Host=unused.invalid")
            .ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>().Options;
        using (var context = new PostgresWardenDbContext(postgres))
        {
            AssertFindsWhatEfCoreFinds(typeof(PostgresWardenDbContext), context.GetService<IMigrationsAssembly>());
        }
    }

    private static void AssertFindsWhatEfCoreFinds(Type contextType, IMigrationsAssembly migrations)
    {
        // EF Core's way (MigrationsAssembly): every constructible type of the assembly, by base type and [DbContext].
        var all = contextType.Assembly.DefinedTypes.Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition).ToList();
        var expected = all
            .Where(t => t.IsSubclassOf(typeof(Migration)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == contextType)
            .ToDictionary(t => t.GetCustomAttribute<MigrationAttribute>()!.Id, t => t.AsType());
        var snapshot = all.Single(t => t.IsSubclassOf(typeof(ModelSnapshot)) && t.GetCustomAttribute<DbContextAttribute>()?.ContextType == contextType);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), migrations.Migrations.Keys);
        Assert.All(migrations.Migrations, m => Assert.Equal(expected[m.Key], m.Value.AsType()));
        Assert.Equal(snapshot.AsType(), migrations.ModelSnapshot?.GetType());
        var last = expected.Keys.Max(StringComparer.Ordinal)!;
        Assert.Equal(last, migrations.FindMigrationId(last[(last.IndexOf('_') + 1)..]));
    }
}
