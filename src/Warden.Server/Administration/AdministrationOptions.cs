using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Administration;

/// <summary>User administration settings (<c>Warden:Administration</c>).</summary>
public sealed class AdministrationOptions
{
    public const string Section = "Warden:Administration";

    /// <summary>How long the set-password link of an invitation works.</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);
}

internal sealed class AdministrationOptionsValidator : IValidateOptions<AdministrationOptions>
{
    public ValidateOptionsResult Validate(string? name, AdministrationOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.InvitationLifetime <= TimeSpan.Zero || options.InvitationLifetime > TimeSpan.FromDays(30),
            $"{AdministrationOptions.Section}:InvitationLifetime must be between 00:00:01 and 30.00:00:00.");
        return errors.Build();
    }
}
