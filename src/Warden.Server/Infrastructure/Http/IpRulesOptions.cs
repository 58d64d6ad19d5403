using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// IP allow and deny lists and the automatic blocks of credential stuffing (docs/configuration.md, IP rules). The
/// lists here add to the rules administrators keep through <c>/api/v1/admin/ip-rules</c>; they cannot be removed
/// through the API.
/// </summary>
public sealed class IpRulesOptions
{
    public const string Section = "Warden:IpRules";

    /// <summary>Addresses or CIDR ranges that are never refused: not by a deny rule, not by an automatic block.</summary>
    public List<string> Allow { get; set; } = [];

    /// <summary>Addresses or CIDR ranges refused with a 403 on every endpoint (unless allowed).</summary>
    public List<string> Deny { get; set; } = [];

    /// <summary>
    /// How often every node reloads the rules and blocks from the database, so that a change made on another node
    /// (or by the command line) applies here too. A change made on this node applies at once.
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Failed sign-ins from one address (an IPv6 /64) within <see cref="AutoBlockWindow"/> that block it; 0 turns automatic blocks off.</summary>
    public int AutoBlockFailures { get; set; } = 20;

    /// <summary>...and how many distinct identifiers those failures must span: one person mistyping is not credential stuffing.</summary>
    public int AutoBlockIdentifiers { get; set; } = 10;

    public TimeSpan AutoBlockWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an automatic block keeps the address off the credential endpoints.</summary>
    public TimeSpan AutoBlockDuration { get; set; } = TimeSpan.FromHours(1);
}

internal sealed class IpRulesOptionsValidator : IValidateOptions<IpRulesOptions>
{
    public ValidateOptionsResult Validate(string? name, IpRulesOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        Ranges(errors, "Warden:IpRules:Allow", options.Allow);
        Ranges(errors, "Warden:IpRules:Deny", options.Deny);
        errors.AddErrorIf(options.RefreshInterval < TimeSpan.FromSeconds(1) || options.RefreshInterval > TimeSpan.FromHours(1),
            "Warden:IpRules:RefreshInterval must be between 00:00:01 and 01:00:00.");
        errors.AddErrorIf(options.AutoBlockFailures < 0, "Warden:IpRules:AutoBlockFailures must not be negative (0 turns automatic blocks off).");
        errors.AddErrorIf(options.AutoBlockIdentifiers < 1 || (options.AutoBlockFailures > 0 && options.AutoBlockIdentifiers > options.AutoBlockFailures),
            "Warden:IpRules:AutoBlockIdentifiers must be at least 1 and at most Warden:IpRules:AutoBlockFailures.");
        errors.AddErrorIf(options.AutoBlockWindow < TimeSpan.FromMinutes(1) || options.AutoBlockWindow > TimeSpan.FromDays(1),
            "Warden:IpRules:AutoBlockWindow must be between 00:01:00 and 1.00:00:00.");
        errors.AddErrorIf(options.AutoBlockDuration < TimeSpan.FromMinutes(1) || options.AutoBlockDuration > TimeSpan.FromDays(30),
            "Warden:IpRules:AutoBlockDuration must be between 00:01:00 and 30.00:00:00.");
        return errors.Build();
    }

    private static void Ranges(ValidateOptionsResultBuilder errors, string key, List<string> entries)
    {
        for (var i = 0; i < entries.Count; i++)
        {
            errors.AddErrorIf(!IpNetworks.TryParse(entries[i], out _),
                $"{key}:{i} is not an IP address or CIDR range with its host bits zero: '{entries[i]}'.");
        }
    }
}
