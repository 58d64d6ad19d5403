using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Passwords;

/// <summary>
/// The rules every new password must meet, wherever it comes from (registration, change, reset, admin-created
/// users, expired-password change). Pure: history, which needs the database, is checked by
/// <see cref="PasswordPolicyValidator"/>. Every failed rule is reported, so a person fixes them all at once.
/// </summary>
public sealed class PasswordPolicy(IOptions<PasswordPolicyOptions> options, CommonPasswords commonPasswords)
{
    /// <summary>Local parts shorter than this (<c>bob@</c>) are too short to be a meaningful hint, and too easy to hit by accident.</summary>
    public const int MinimumEmailLocalPartLength = 4;

    public PasswordPolicyOptions Options => options.Value;

    public IReadOnlyList<PasswordRule> Evaluate(string? password, string? userName, string? email)
    {
        var rules = options.Value;
        password ??= "";
        var failures = new List<PasswordRule>();

        // Length counts Unicode scalar values, so "🔑" is one character, as a person would count it.
        var length = 0;
        bool upper = false, lower = false, digit = false, special = false;
        foreach (var rune in password.EnumerateRunes())
        {
            length++;
            upper |= Rune.IsUpper(rune);
            lower |= Rune.IsLower(rune);
            digit |= Rune.IsDigit(rune);
            // Anything that is not a letter or digit is special, spaces included: passphrases are welcome.
            special |= !Rune.IsLetterOrDigit(rune);
        }

        if (length < rules.MinLength)
        {
            failures.Add(PasswordRules.Failure(PasswordRules.TooShort, rules));
        }

        if (length > rules.MaxLength)
        {
            failures.Add(PasswordRules.Failure(PasswordRules.TooLong, rules));
        }

        AddUnless(failures, !rules.RequireUppercase || upper, PasswordRules.RequiresUppercase, rules);
        AddUnless(failures, !rules.RequireLowercase || lower, PasswordRules.RequiresLowercase, rules);
        AddUnless(failures, !rules.RequireDigit || digit, PasswordRules.RequiresDigit, rules);
        AddUnless(failures, !rules.RequireSpecial || special, PasswordRules.RequiresSpecial, rules);

        // Usernames are public and email addresses often are: a password built on either is the first guess.
        if (!string.IsNullOrEmpty(userName) && password.Contains(userName, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(PasswordRules.Failure(PasswordRules.ContainsUserName, rules));
        }

        var localPart = EmailLocalPart(email);
        if (localPart.Length >= MinimumEmailLocalPartLength && password.Contains(localPart, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add(PasswordRules.Failure(PasswordRules.ContainsEmail, rules));
        }

        if (rules.BlockCommonPasswords && password.Length > 0 && commonPasswords.Contains(password))
        {
            failures.Add(PasswordRules.Failure(PasswordRules.Common, rules));
        }

        return failures;
    }

    /// <summary>The active rules, for pages and clients that explain them before the user types.</summary>
    public IReadOnlyList<PasswordRule> DescribeRules()
    {
        var rules = options.Value;
        var codes = new List<string> { PasswordRules.TooShort, PasswordRules.TooLong };
        if (rules.RequireUppercase)
        {
            codes.Add(PasswordRules.RequiresUppercase);
        }

        if (rules.RequireLowercase)
        {
            codes.Add(PasswordRules.RequiresLowercase);
        }

        if (rules.RequireDigit)
        {
            codes.Add(PasswordRules.RequiresDigit);
        }

        if (rules.RequireSpecial)
        {
            codes.Add(PasswordRules.RequiresSpecial);
        }

        codes.Add(PasswordRules.ContainsUserName);
        codes.Add(PasswordRules.ContainsEmail);
        if (rules.BlockCommonPasswords)
        {
            codes.Add(PasswordRules.Common);
        }

        if (rules.HistoryCount > 0)
        {
            codes.Add(PasswordRules.Reused);
        }

        return [.. codes.Select(code => PasswordRules.Failure(code, rules))];
    }

    /// <summary>Failed rules as Identity reports them (<see cref="IsPolicyFailure"/> recognises them).</summary>
    public static IdentityResult ToResult(IReadOnlyCollection<PasswordRule> failures) =>
        failures.Count == 0
            ? IdentityResult.Success
            : IdentityResult.Failed([.. failures.Select(f => new IdentityError { Code = f.Code, Description = f.Message })]);

    /// <summary>True when the result failed at least one password rule (as opposed to, say, a wrong current password).</summary>
    public static bool IsPolicyFailure(IdentityResult result) =>
        !result.Succeeded && result.Errors.Any(e => PasswordRules.All.Contains(e.Code));

    /// <summary>
    /// The failed password rules of a <c>UserManager</c> result as a validation-problem <c>errors</c> dictionary,
    /// keyed by the request field that carried the password (<c>password</c> or <c>newPassword</c>). Errors that
    /// are not password rules are left out: the endpoint answers those its own way.
    /// </summary>
    public static Dictionary<string, string[]> ToProblemErrors(IdentityResult result, string field)
    {
        ArgumentNullException.ThrowIfNull(result);
        var messages = result.Errors.Where(e => PasswordRules.All.Contains(e.Code)).Select(e => e.Description).ToArray();
        return messages.Length == 0 ? [] : new Dictionary<string, string[]> { [field] = messages };
    }

    /// <summary>
    /// The 400 problem (docs/api.md): code <c>password_policy</c>, <c>errors</c> keyed by field with every failed rule,
    /// and <c>failedRules</c> with their stable codes for clients that localise the messages themselves.
    /// Use it when <see cref="IsPolicyFailure"/> is true; other errors (a wrong current password) are not in it.
    /// </summary>
    public static ValidationProblem Problem(IdentityResult result, string field)
    {
        var problem = ApiProblems.Validation(ToProblemErrors(result, field), ProblemCodes.PasswordPolicy, "The password does not meet the password policy.");
        problem.ProblemDetails.Extensions["failedRules"] =
            result.Errors.Select(e => e.Code).Where(PasswordRules.All.Contains).Distinct().ToArray();
        return problem;
    }

    private static void AddUnless(List<PasswordRule> failures, bool met, string code, PasswordPolicyOptions rules)
    {
        if (!met)
        {
            failures.Add(PasswordRules.Failure(code, rules));
        }
    }

    private static string EmailLocalPart(string? email)
    {
        var at = email?.LastIndexOf('@') ?? -1;
        return at > 0 ? email![..at] : "";
    }
}
