using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Profiles;

/// <summary>Settings under <c>Warden:Profiles</c>.</summary>
public sealed class ProfileOptions
{
    public const string Section = "Warden:Profiles";

    /// <summary>How long a profile read is cached on a node (changes on the same node invalidate it at once).</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest avatar upload, in bytes.</summary>
    public int AvatarMaxBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>Lifetime of the link mailed to a new email address.</summary>
    public TimeSpan EmailChangeTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Phone verification codes a user may have sent per hour (each costs an SMS).</summary>
    public int PhoneCodesPerHour { get; set; } = 5;
}

internal sealed class ProfileOptionsValidator : IValidateOptions<ProfileOptions>
{
    public ValidateOptionsResult Validate(string? name, ProfileOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.CacheDuration < TimeSpan.Zero || options.CacheDuration > TimeSpan.FromHours(1),
            "Warden:Profiles:CacheDuration must be between 00:00:00 and 01:00:00.");
        errors.AddErrorIf(options.AvatarMaxBytes is < 1024 or > 20 * 1024 * 1024, "Warden:Profiles:AvatarMaxBytes must be between 1024 and 20971520.");
        errors.AddErrorIf(options.EmailChangeTokenLifetime < TimeSpan.FromMinutes(5) || options.EmailChangeTokenLifetime > TimeSpan.FromDays(7),
            "Warden:Profiles:EmailChangeTokenLifetime must be between 00:05:00 and 7.00:00:00.");
        errors.AddErrorIf(options.PhoneCodesPerHour is < 1 or > 100, "Warden:Profiles:PhoneCodesPerHour must be between 1 and 100.");
        return errors.Build();
    }
}
