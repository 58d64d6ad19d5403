using System.Reflection;
using System.Reflection.Metadata;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// EF Core's <see cref="IMigrationsAssembly"/> for Warden's provider contexts, finding the same migrations and model
/// snapshot as EF Core's own but without loading every type of <c>Warden.Server.dll</c>. EF Core's finds them with
/// <c>Assembly.DefinedTypes</c>: that loads each of the assembly's thousands of types at the first migration check,
/// and with them every assembly their base types and interfaces come from — Npgsql and RabbitMQ.Client on a SQLite
/// node without a broker (bench/RESULTS.md, "What ships, measured"). Here the assembly's metadata is read instead,
/// and only the types that derive directly from <see cref="Migration"/> or <see cref="ModelSnapshot"/> (what
/// <c>dotnet ef</c> generates) are loaded, then filtered exactly as EF Core does: by their <c>[DbContext]</c> and
/// <c>[Migration]</c> attributes. <c>Foundation/MigrationsAssemblyTests</c> checks both agree.
/// </summary>
internal sealed class ProviderMigrationsAssembly(ICurrentDbContext currentContext, IMigrationsIdGenerator idGenerator) : IMigrationsAssembly
{
    private readonly Type _contextType = currentContext.Context.GetType();
    private IReadOnlyDictionary<string, TypeInfo>? _migrations;
    private ModelSnapshot? _modelSnapshot;

    public Assembly Assembly => _contextType.Assembly;

    public IReadOnlyDictionary<string, TypeInfo> Migrations => _migrations ??= FindMigrations();

    public ModelSnapshot? ModelSnapshot => _modelSnapshot ??= FindModelSnapshot();

    public string? FindMigrationId(string nameOrId) =>
        Migrations.Keys.FirstOrDefault(idGenerator.IsValidId(nameOrId)
            ? id => string.Equals(id, nameOrId, StringComparison.OrdinalIgnoreCase)
            : id => string.Equals(idGenerator.GetName(id), nameOrId, StringComparison.OrdinalIgnoreCase));

    public Migration CreateMigration(TypeInfo migrationClass, string activeProvider)
    {
        var migration = (Migration)Activator.CreateInstance(migrationClass.AsType())!;
        migration.ActiveProvider = activeProvider;
        return migration;
    }

    private SortedList<string, TypeInfo> FindMigrations()
    {
        var found = new SortedList<string, TypeInfo>(StringComparer.Ordinal);
        foreach (var type in OwnTypesDerivingFrom(typeof(Migration)))
        {
            var id = type.GetCustomAttribute<MigrationAttribute>()?.Id
                ?? throw new InvalidOperationException($"The migration {type.FullName} has no [Migration] attribute.");
            found.Add(id, type);
        }

        return found;
    }

    private ModelSnapshot? FindModelSnapshot() =>
        OwnTypesDerivingFrom(typeof(ModelSnapshot)).Select(t => (ModelSnapshot)Activator.CreateInstance(t.AsType())!).FirstOrDefault();

    /// <summary>The assembly's constructible types deriving from <paramref name="baseType"/> that belong to this context.</summary>
    private IEnumerable<TypeInfo> OwnTypesDerivingFrom(Type baseType) =>
        Candidates(baseType)
            .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && t.IsSubclassOf(baseType) && ContextOf(t) == _contextType);

    private IEnumerable<TypeInfo> Candidates(Type baseType)
    {
        var names = DirectSubclassNames(Assembly, baseType);
        return names is null
            ? Assembly.DefinedTypes // no metadata to read (a dynamic assembly): EF Core's own way
            : names.Select(name => Assembly.GetType(name, throwOnError: true)!.GetTypeInfo());
    }

    /// <summary>The full names of the top-level types whose base type, as written in the metadata, is <paramref name="baseType"/>.</summary>
    private static unsafe List<string>? DirectSubclassNames(Assembly assembly, Type baseType)
    {
        if (!assembly.TryGetRawMetadata(out var blob, out var length))
        {
            return null;
        }

        var metadata = new MetadataReader(blob, length);
        var names = new List<string>();
        foreach (var handle in metadata.TypeDefinitions)
        {
            var definition = metadata.GetTypeDefinition(handle);
            if (definition.GetDeclaringType().IsNil && definition.BaseType.Kind == HandleKind.TypeReference)
            {
                var reference = metadata.GetTypeReference((TypeReferenceHandle)definition.BaseType);
                if (metadata.StringComparer.Equals(reference.Name, baseType.Name)
                    && metadata.StringComparer.Equals(reference.Namespace, baseType.Namespace!))
                {
                    var ns = metadata.GetString(definition.Namespace);
                    var name = metadata.GetString(definition.Name);
                    names.Add(ns.Length == 0 ? name : $"{ns}.{name}");
                }
            }
        }

        return names;
    }

    // As EF Core: the first [DbContext] up the inheritance chain names the context a migration or snapshot is for.
    private static Type? ContextOf(Type type)
    {
        for (var current = type; current is not null && current != typeof(object); current = current.BaseType)
        {
            if (current.GetCustomAttribute<DbContextAttribute>(inherit: false) is { } attribute)
            {
                return attribute.ContextType;
            }
        }

        return null;
    }
}
