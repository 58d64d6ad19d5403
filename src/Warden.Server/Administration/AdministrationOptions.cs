using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Administration;

/// <summary>User administration settings (<c>Warden:Administration</c>).</summary>
public sealed class AdministrationOptions
{
    public const string Section = "Warden:Administration";

    /// <summary>How long the set-password link of an invitation works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Up to how many matches the user list counts exactly; past it the total is an estimate or a lower bound
    /// (counting a million rows costs more than the page itself).
    /// </summary>
    public int ListExactCountLimit { get; set; } = 10_000;
}

internal sealed class AdministrationOptionsValidator : IValidateOptions<AdministrationOptions>
{
    public ValidateOptionsResult Validate(string? name, AdministrationOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.InvitationLifetime <= TimeSpan.Zero || options.InvitationLifetime > TimeSpan.FromDays(30),
            $"{AdministrationOptions.Section}:InvitationLifetime must be between 00:00:01 and 30.00:00:00.");
        errors.AddErrorIf(options.ListExactCountLimit is < 1 or > 10_000_000,
            $"{AdministrationOptions.Section}:ListExactCountLimit must be between 1 and 10000000.");
        return errors.Build();
    }
}
