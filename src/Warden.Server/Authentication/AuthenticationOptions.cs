using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;

namespace Warden.Server.Authentication;

/// <summary>Sessions, lockout and single-use token lifetimes (<c>Warden:Authentication</c>).</summary>
public sealed class AuthenticationOptions
{
    public const string Section = "Warden:Authentication";

    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan RememberMeSessionLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a spent refresh token may be presented again without counting as theft (a client retrying
    /// after a lost response). Off by default: any reuse revokes the session.
    /// </summary>
    public TimeSpan RefreshReuseGracePeriod { get; set; } = TimeSpan.Zero;

    public int MaxFailedAttempts { get; set; } = 5;
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures older than this no longer count towards the lockout.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan EmailVerificationTokenLifetime { get; set; } = TimeSpan.FromHours(24);
    public TimeSpan ChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Second-factor codes one sign-in challenge takes before it dies and the client must sign in again (each code
    /// also counts towards <see cref="MaxFailedAttempts"/> on the account, which binds first unless raised). Five,
    /// like <c>Warden:TwoFactor:MaxCodeAttempts</c>: one in 200,000 for six-digit codes.
    /// </summary>
    public int MaxChallengeAttempts { get; set; } = 5;

    /// <summary>
    /// How long a node trusts its cached view of a session. Revocation on the same node is seen at once;
    /// another node sees it within this time.
    /// </summary>
    public TimeSpan SessionCacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a node keeps a user's account view (address, status, profile name, second factors) for
    /// <c>GET /users/me</c> and token issuance. Every change forgets it at once on this node and, through the backplane,
    /// on the others; without Redis, other nodes see a change within this time. 0 = read it each time.
    /// </summary>
    public TimeSpan AccountCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a re-authentication on a session (pages and console) holds for further sensitive changes on
    /// that session (step-up). The API always asks for the proof with the request. 0 = every change asks.
    /// </summary>
    public TimeSpan ReauthenticationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired sessions, tokens and stale counters are deleted.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// At most one "someone tried to sign up with your address" notice per address in this period. At most
    /// <see cref="FailureWindow"/>: the throttle lives in the failure counters' table, cleaned after that window.
    /// </summary>
    public TimeSpan RegistrationNoticeInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most this many such notices per address in 24 hours (counted from the outbox, kept <c>Warden:Outbox:Retention</c>).</summary>
    public int RegistrationNoticesPerDay { get; set; } = 3;

    /// <summary>A self-registered account whose address is not verified within this time is erased, freeing the address.</summary>
    public TimeSpan UnverifiedAccountLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Whether people may create their own accounts: the registration API and page, and a first external sign-in with an
    /// address no account has. Off, only administrators create accounts (the admin API, the console, <c>create-admin</c>,
    /// the import); an identity already linked, or one proven to an existing account, still signs in.
    /// </summary>
    public bool OpenRegistration { get; set; } = true;
}

internal sealed class AuthenticationOptionsValidator : IValidateOptions<AuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthenticationOptions o)
    {
        var errors = new ValidateOptionsResultBuilder();
        foreach (var (key, value) in new[]
        {
            (nameof(o.SessionLifetime), o.SessionLifetime),
            (nameof(o.RememberMeSessionLifetime), o.RememberMeSessionLifetime),
            (nameof(o.LockoutDuration), o.LockoutDuration),
            (nameof(o.FailureWindow), o.FailureWindow),
            (nameof(o.EmailVerificationTokenLifetime), o.EmailVerificationTokenLifetime),
            (nameof(o.ChallengeLifetime), o.ChallengeLifetime),
            (nameof(o.CleanupInterval), o.CleanupInterval),
            (nameof(o.RegistrationNoticeInterval), o.RegistrationNoticeInterval),
            (nameof(o.UnverifiedAccountLifetime), o.UnverifiedAccountLifetime),
        })
        {
            errors.AddErrorIf(value <= TimeSpan.Zero, $"{AuthenticationOptions.Section}:{key} must be a positive duration (e.g. 00:15:00).");
        }

        errors.AddErrorIf(o.SessionCacheDuration < TimeSpan.Zero || o.SessionCacheDuration > TimeSpan.FromMinutes(5),
            $"{AuthenticationOptions.Section}:SessionCacheDuration must be between 0 and 5 minutes.");
        errors.AddErrorIf(o.AccountCacheDuration < TimeSpan.Zero || o.AccountCacheDuration > TimeSpan.FromMinutes(5),
            $"{AuthenticationOptions.Section}:AccountCacheDuration must be between 0 and 5 minutes.");
        errors.AddErrorIf(o.RefreshReuseGracePeriod < TimeSpan.Zero || o.RefreshReuseGracePeriod > TimeSpan.FromMinutes(1),
            $"{AuthenticationOptions.Section}:RefreshReuseGracePeriod must be between 0 and 1 minute.");
        errors.AddErrorIf(o.ReauthenticationWindow < TimeSpan.Zero || o.ReauthenticationWindow > TimeSpan.FromHours(1),
            $"{AuthenticationOptions.Section}:ReauthenticationWindow must be between 0 and 1 hour.");
        errors.AddErrorIf(o.RegistrationNoticeInterval > o.FailureWindow,
            $"{AuthenticationOptions.Section}:RegistrationNoticeInterval must not exceed {AuthenticationOptions.Section}:FailureWindow.");
        errors.AddErrorIf(o.RegistrationNoticesPerDay is < 0 or > 100, $"{AuthenticationOptions.Section}:RegistrationNoticesPerDay must be between 0 and 100.");
        errors.AddErrorIf(o.UnverifiedAccountLifetime < o.EmailVerificationTokenLifetime,
            $"{AuthenticationOptions.Section}:UnverifiedAccountLifetime must be at least {AuthenticationOptions.Section}:EmailVerificationTokenLifetime.");
        errors.AddErrorIf(o.MaxFailedAttempts is < 1 or > 100, $"{AuthenticationOptions.Section}:MaxFailedAttempts must be between 1 and 100.");
        errors.AddErrorIf(o.MaxChallengeAttempts is < 1 or > 10, $"{AuthenticationOptions.Section}:MaxChallengeAttempts must be between 1 and 10.");
        return errors.Build();
    }
}
