namespace Warden.Server.Privacy;

/// <summary>
/// EXTENSION POINT of the data export (GET /api/v1/users/me/export): a module that holds personal data of its
/// own registers one of these (<c>services.AddScoped&lt;IPersonalDataSection, ...&gt;()</c>) and its data
/// appears under <c>sections.&lt;Name&gt;</c>. The events section is the first; the audit module adds
/// <c>audit</c> (entries about the user) when it lands, and must also make erasure remove or redact them.
/// </summary>
public interface IPersonalDataSection
{
    /// <summary>The key under <c>sections</c> (camelCase).</summary>
    string Name { get; }

    /// <summary>Everything this module holds about the user, as JSON-serializable data.</summary>
    Task<object?> ExportAsync(Guid userId, CancellationToken cancellationToken);
}
