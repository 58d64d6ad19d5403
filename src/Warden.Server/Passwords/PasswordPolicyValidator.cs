using Microsoft.AspNetCore.Identity;
using Warden.Server.Users;

namespace Warden.Server.Passwords;

/// <summary>
/// Warden's password policy as Identity's password validator, so every <c>UserManager</c> path that sets a
/// password (<c>CreateAsync</c>, <c>ChangePasswordAsync</c>, <c>ResetPasswordAsync</c>, <c>AddPasswordAsync</c>)
/// enforces it. It replaces Identity's <c>PasswordValidator</c>, whose rules are a subset and would report
/// the same failure twice under other codes.
/// </summary>
internal sealed class PasswordPolicyValidator(PasswordPolicy policy, PasswordHistory history) : IPasswordValidator<User>
{
    public async Task<IdentityResult> ValidateAsync(UserManager<User> manager, User user, string? password)
    {
        var failures = policy.Evaluate(password, user.UserName, user.Email).ToList();

        // History is checked even when other rules failed, so every failed rule is reported at once. An
        // over-long input is never handed to the hasher (that is what the maximum is for).
        if (!string.IsNullOrEmpty(password)
            && failures.TrueForAll(f => f.Code != PasswordRules.TooLong)
            && await history.IsReusedAsync(user, password))
        {
            failures.Add(PasswordRules.Failure(PasswordRules.Reused, policy.Options));
        }

        return PasswordPolicy.ToResult(failures);
    }
}
