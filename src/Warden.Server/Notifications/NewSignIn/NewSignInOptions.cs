using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Notifications.NewSignIn;

/// <summary>The new-sign-in notice's settings under <c>Warden:Notifications</c>.</summary>
public sealed class NewSignInOptions
{
    public const string Section = "Warden:Notifications";

    /// <summary>Email the user when they sign in from an IP address and browser not seen recently.</summary>
    public bool NewSignInNotice { get; set; } = true;

    /// <summary>How far back a sign-in from the same IP address and user agent makes the device known.</summary>
    public TimeSpan NewSignInKnownFor { get; set; } = TimeSpan.FromDays(90);
}

internal sealed class NewSignInOptionsValidator : IValidateOptions<NewSignInOptions>
{
    public ValidateOptionsResult Validate(string? name, NewSignInOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.NewSignInKnownFor < TimeSpan.FromHours(1),
            $"Warden:Notifications:NewSignInKnownFor must be at least one hour, such as 90.00:00:00 (got {options.NewSignInKnownFor}).");
        return errors.Build();
    }
}
