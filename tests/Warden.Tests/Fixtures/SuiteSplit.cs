using Xunit.Abstractions;
using Xunit.Sdk;

namespace Warden.Tests.Fixtures;

/// <summary>
/// The suite runs twice, once per database (see test.sh). Tests whose subject is not the database (browser, OIDC,
/// fuzzing, passkeys, the pages' HTML over cores the API tests run on both, HTTP conventions and headers, hashing,
/// the rule engine, the documentation and the architecture) gain nothing from the second run, and tests that need several nodes on one shared server
/// (two processes, imports) are only meaningful on PostgreSQL; these traits let test.sh run each of them once.
/// </summary>
public static class SuiteSplit
{
    public const string Trait = "Runs";
    public const string SqliteOnly = "SqliteOnly";
    public const string PostgresOnly = "PostgresOnly";
}

/// <summary>Runs in the SQLite pass only: <c>test.sh</c> leaves it out of the PostgreSQL pass.</summary>
[TraitDiscoverer("Warden.Tests.Fixtures.SuiteSplitDiscoverer", "Warden.Tests")]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class SqliteOnlyAttribute : Attribute, ITraitAttribute;

/// <summary>Runs in the PostgreSQL pass only: <c>test.sh</c> leaves it out of the SQLite pass.</summary>
[TraitDiscoverer("Warden.Tests.Fixtures.SuiteSplitDiscoverer", "Warden.Tests")]
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class PostgresOnlyAttribute : Attribute, ITraitAttribute;

/// <summary>Turns <see cref="SqliteOnlyAttribute"/> and <see cref="PostgresOnlyAttribute"/> into the trait <c>Runs=…</c>.</summary>
public sealed class SuiteSplitDiscoverer : ITraitDiscoverer
{
    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute)
    {
        ArgumentNullException.ThrowIfNull(traitAttribute);
        var name = traitAttribute is IReflectionAttributeInfo reflected ? reflected.Attribute.GetType().Name : string.Empty;
        var value = name switch
        {
            nameof(SqliteOnlyAttribute) => SuiteSplit.SqliteOnly,
            nameof(PostgresOnlyAttribute) => SuiteSplit.PostgresOnly,
            _ => throw new InvalidOperationException($"SuiteSplitDiscoverer does not know the attribute '{name}'."),
        };
        yield return new KeyValuePair<string, string>(SuiteSplit.Trait, value);
    }
}
