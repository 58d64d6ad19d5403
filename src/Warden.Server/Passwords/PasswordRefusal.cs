using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Passwords;

/// <summary>
/// Why a new password was not set, as the answer every flow that sets one gives (change, reset, expired
/// password): the failed rules (400 <c>password_policy</c>), or a change of the same account at the same moment
/// (Identity's concurrency stamp lets one win; the loser gets 409, not 500). Anything else is a bug.
/// </summary>
public static class PasswordRefusal
{
    public static ProblemHttpResult Refused(IdentityResult result, string field)
    {
        if (PasswordPolicy.IsPolicyFailure(result))
        {
            var problem = PasswordPolicy.Problem(result, field).ProblemDetails;
            return TypedResults.Problem(problem);
        }

        return IsConcurrencyFailure(result)
            ? Problem()
            : throw new InvalidOperationException($"Setting the password failed: {string.Join(", ", result.Errors.Select(e => e.Code))}.");
    }

    public static bool IsConcurrencyFailure(IdentityResult result) =>
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure));

    public static ProblemHttpResult Problem() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The account was changed at the same moment. Try again.");
}
