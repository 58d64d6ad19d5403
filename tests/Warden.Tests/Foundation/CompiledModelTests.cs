using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Migrations;
using Warden.Tests.Fixtures;

namespace Warden.Tests.Foundation;

/// <summary>
/// The server runs on the compiled EF Core models in Migrations/CompiledModels (one per provider, made by
/// scripts/optimize-model.sh): it never builds its model from OnModelCreating. A model change without a regenerated
/// compiled model would silently run on the old one, so each compiled model is compared here with the model the
/// code builds (EF Core's design-time model, built from OnModelCreating as migrations are): tables, columns with
/// their store types, nullability, lengths and value converters, keys, foreign keys, indexes and navigations.
/// No database is opened; both providers are checked in the SQLite pass.
/// </summary>
[SqliteOnly]
public sealed class CompiledModelTests
{
    [Fact]
    public void TheSqliteCompiledModelMatchesTheModelTheCodeBuilds()
    {
        using var db = new SqliteDesignTimeFactory().CreateDbContext([]);
        AssertCompiledModelIsCurrent(db, typeof(Warden.Server.Migrations.CompiledModels.Sqlite.SqliteWardenDbContextModel));
    }

    [Fact]
    public void ThePostgresCompiledModelMatchesTheModelTheCodeBuilds()
    {
        using var db = new PostgresDesignTimeFactory().CreateDbContext([]);
        AssertCompiledModelIsCurrent(db, typeof(Warden.Server.Migrations.CompiledModels.Postgres.PostgresWardenDbContextModel));
    }

    private static void AssertCompiledModelIsCurrent(DbContext db, Type compiledModelType)
    {
        // The running model is the compiled one (found by EF Core in the assembly), not one built at start.
        Assert.IsAssignableFrom(compiledModelType, db.Model);
        var built = Describe(db.GetService<IDesignTimeModel>().Model);
        var compiled = Describe(db.Model);
        Assert.True(built == compiled,
            "The compiled EF Core model is stale: run scripts/optimize-model.sh. First difference:\n" + FirstDifference(built, compiled));
    }

    private static string Describe(IModel model)
    {
        var text = new StringBuilder();
        foreach (var entity in model.GetEntityTypes().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"entity {entity.Name} {entity.ClrType} table={entity.GetSchema()}.{entity.GetTableName()} base={entity.BaseType?.Name} filter={entity.GetDeclaredQueryFilters().Count}");
            foreach (var property in entity.GetProperties().OrderBy(p => p.Name, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  property {property.Name} {property.ClrType} column={property.GetColumnName()} type={property.GetColumnType()} "
                    + $"null={property.IsNullable} max={property.GetMaxLength()} unicode={property.IsUnicode()} precision={property.GetPrecision()} "
                    + $"converter={property.GetTypeMapping().Converter?.GetType()} generated={property.ValueGenerated} concurrency={property.IsConcurrencyToken} "
                    + $"default={property.GetDefaultValueSql()}|{property.GetDefaultValue()} computed={property.GetComputedColumnSql()}");
            }

            foreach (var key in entity.GetKeys().OrderBy(k => Names(k.Properties), StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  key {Names(key.Properties)} primary={key.IsPrimaryKey()} name={key.GetName()}");
            }

            foreach (var foreignKey in entity.GetForeignKeys().OrderBy(f => Names(f.Properties) + f.PrincipalEntityType.Name, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  foreign key {Names(foreignKey.Properties)} -> {foreignKey.PrincipalEntityType.Name}({Names(foreignKey.PrincipalKey.Properties)}) "
                    + $"delete={foreignKey.DeleteBehavior} required={foreignKey.IsRequired} unique={foreignKey.IsUnique} name={foreignKey.GetConstraintName()}");
            }

            foreach (var index in entity.GetIndexes().OrderBy(i => Names(i.Properties) + i.Name, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  index {Names(index.Properties)} unique={index.IsUnique} name={index.GetDatabaseName()} filter={index.GetFilter()}");
            }

            foreach (var navigation in entity.GetNavigations().OrderBy(n => n.Name, StringComparer.Ordinal))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  navigation {navigation.Name} -> {navigation.TargetEntityType.Name} collection={navigation.IsCollection}");
            }
        }

        return text.ToString();
    }

    private static string Names(IEnumerable<IReadOnlyProperty> properties) => string.Join(",", properties.Select(p => p.Name));

    private static string FirstDifference(string built, string compiled)
    {
        var builtLines = built.Split('\n');
        var compiledLines = compiled.Split('\n');
        for (var i = 0; i < Math.Max(builtLines.Length, compiledLines.Length); i++)
        {
            var b = i < builtLines.Length ? builtLines[i] : "(nothing)";
            var c = i < compiledLines.Length ? compiledLines[i] : "(nothing)";
            if (b != c)
            {
                return $"the code builds:    {b}\nthe compiled model: {c}";
            }
        }

        return "(none)";
    }
}
