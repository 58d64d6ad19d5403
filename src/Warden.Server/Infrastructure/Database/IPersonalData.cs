namespace Warden.Server.Infrastructure.Database;

/// <summary>
/// Personal data a module keeps in its own tables. Each module that holds any registers one implementation
/// (<c>services.AddPersonalData&lt;T&gt;()</c>); the Privacy module composes them into the export
/// (<c>GET /api/v1/users/me/export</c>, one top-level member per <see cref="Name"/>) and the erasure, so no
/// module's tables are listed anywhere but in that module.
/// </summary>
public interface IPersonalData
{
    /// <summary>The member of the export that holds this data (camelCase).</summary>
    string Name { get; }

    /// <summary>Everything this module holds about the user, as JSON-serializable data; never a secret or its hash.</summary>
    Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes or pseudonymizes the user's data, inside the erasure's transaction: statements may run at once
    /// (<c>ExecuteDelete</c>) or be left tracked for the erasure's one <c>SaveChanges</c>.
    /// </summary>
    Task EraseAsync(Guid userId, CancellationToken cancellationToken);

    /// <summary>Work that must wait for the commit (caches, files): a rolled-back erasure must not have done it.</summary>
    Task AfterErasureAsync(Guid userId, CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class PersonalDataRegistration
{
    public static IServiceCollection AddPersonalData<T>(this IServiceCollection services) where T : class, IPersonalData =>
        services.AddScoped<IPersonalData, T>();
}
