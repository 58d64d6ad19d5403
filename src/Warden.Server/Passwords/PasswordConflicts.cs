using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Passwords;

/// <summary>
/// Two changes of one account at the same moment (a reset racing a change): Identity's concurrency stamp lets
/// one win and fails the other with <c>ConcurrencyFailure</c>, which is a 409 for the loser, not a 500.
/// </summary>
public static class PasswordConflicts
{
    public static bool IsConcurrencyFailure(IdentityResult result) =>
        result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure));

    public static ProblemHttpResult Problem() =>
        ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The account was changed at the same moment. Try again.");
}
