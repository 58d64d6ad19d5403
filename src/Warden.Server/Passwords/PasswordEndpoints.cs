using Microsoft.AspNetCore.Http.HttpResults;

namespace Warden.Server.Passwords;

public static class PasswordEndpoints
{
    /// <summary>The active password policy, so sign-up and change-password forms can explain it up front.</summary>
    public sealed record PasswordPolicyDescription(
        int MinLength,
        int MaxLength,
        bool RequireUppercase,
        bool RequireLowercase,
        bool RequireDigit,
        bool RequireSpecial,
        bool BlockCommonPasswords,
        int MinEmailLocalPartLength,
        int HistoryCount,
        int? MaxAgeDays,
        int? ExpiryReminderDays,
        IReadOnlyList<PasswordRule> Rules);

    public static RouteGroupBuilder MapPasswordPolicy(this RouteGroupBuilder auth)
    {
        auth.MapGet("/password-policy", GetPolicy)
            .WithTags("Passwords")
            .WithName("GetPasswordPolicy")
            .WithSummary("The rules a new password must meet.")
            .WithDescription("Each rule has the stable code that a failed registration, change or reset reports for it.");

        return auth;
    }

    private static Ok<PasswordPolicyDescription> GetPolicy(PasswordPolicy policy, HttpContext context)
    {
        // The policy is public and changes only with configuration; caches may keep it briefly.
        context.Response.Headers.CacheControl = "public, max-age=300";
        var rules = policy.Options;
        return TypedResults.Ok(new PasswordPolicyDescription(
            rules.MinLength,
            rules.MaxLength,
            rules.RequireUppercase,
            rules.RequireLowercase,
            rules.RequireDigit,
            rules.RequireSpecial,
            rules.BlockCommonPasswords,
            PasswordPolicy.MinimumEmailLocalPartLength,
            rules.HistoryCount,
            rules.ExpiryEnabled ? (int)Math.Ceiling(rules.MaxAge!.Value.TotalDays) : null,
            rules.ExpiryEnabled ? rules.ExpiryReminderDays : null,
            policy.DescribeRules()));
    }
}
