using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Audit;

/// <summary>Settings under <c>Warden:Audit</c>.</summary>
public sealed class AuditOptions
{
    public const string Section = "Warden:Audit";

    /// <summary>Entries older than this are deleted by the daily cleanup.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How often the cleanup runs.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How often the chain's head is published (log line and metric; see <see cref="HeadEvent"/>).</summary>
    public TimeSpan HeadPublicationInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether each publication is also an <c>audit.head_published</c> event, for webhooks.</summary>
    public bool HeadEvent { get; set; }
}

internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.Retention < TimeSpan.FromDays(1),
            $"Warden:Audit:Retention must be at least one day, such as 365.00:00:00 (got {options.Retention}).");
        errors.AddErrorIf(options.CleanupInterval < TimeSpan.FromMinutes(1),
            $"Warden:Audit:CleanupInterval must be at least one minute (got {options.CleanupInterval}).");
        errors.AddErrorIf(options.HeadPublicationInterval < TimeSpan.FromMinutes(1),
            $"Warden:Audit:HeadPublicationInterval must be at least one minute (got {options.HeadPublicationInterval}).");
        return errors.Build();
    }
}
