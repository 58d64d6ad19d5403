using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authorization;

/// <summary>Permission caching and the attribute-based rules (<c>Warden:Authorization</c>).</summary>
public sealed class WardenAuthorizationOptions
{
    public const string Section = "Warden:Authorization";

    /// <summary>Where the rules live; errors name their keys below it.</summary>
    public const string RulesSection = Section + ":Rules";

    /// <summary>
    /// How long a node trusts its cached view of a user's permissions. Changes made on the same node apply at
    /// once; other nodes see them within this time. Zero turns the cache off.
    /// </summary>
    public TimeSpan PermissionCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The ABAC rules by name (README: Access rules). Defaults ship in appsettings.json.</summary>
    public Dictionary<string, PolicyRuleOptions> Rules { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

internal sealed class WardenAuthorizationOptionsValidator : IValidateOptions<WardenAuthorizationOptions>
{
    public ValidateOptionsResult Validate(string? name, WardenAuthorizationOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.PermissionCacheDuration < TimeSpan.Zero || options.PermissionCacheDuration > TimeSpan.FromMinutes(5),
            $"{WardenAuthorizationOptions.Section}:PermissionCacheDuration must be between 0 and 5 minutes.");

        PolicySet.TryCreate(options.Rules, out _, out var ruleErrors);
        foreach (var error in ruleErrors)
        {
            errors.AddError($"{WardenAuthorizationOptions.RulesSection}:{error}");
        }

        // With no allow rule every check is denied and every administrator is locked out: surely a mistake
        // (e.g. a replaced appsettings.json without the defaults), so refuse to start.
        errors.AddErrorIf(!options.Rules.Values.Any(r => r is { Enabled: true } && string.Equals(r.Effect, "allow", StringComparison.OrdinalIgnoreCase)),
            $"{WardenAuthorizationOptions.RulesSection} has no enabled 'allow' rule, so every access check would be denied; "
            + "the defaults ship in appsettings.json (see README, Access rules).");
        return errors.Build();
    }
}
