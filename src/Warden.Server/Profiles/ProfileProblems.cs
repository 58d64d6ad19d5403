using Microsoft.AspNetCore.Http.HttpResults;
using Warden.Server.Infrastructure.Http;

namespace Warden.Server.Profiles;

public static class ProfileProblems
{
    public const string EmailTaken = "email_taken";
    public const string InvalidImage = "invalid_image";
    public const string InvalidCode = "invalid_code";

    /// <summary>
    /// A 400 validation problem (as <see cref="ApiProblems.Validation(IDictionary{string, string[]}, string, string?)"/>)
    /// carried in a <see cref="ProblemHttpResult"/>, so that endpoints with several failure kinds declare one result type.
    /// </summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request has invalid fields.",
            Type = ApiProblems.TypePrefix + ProblemCodes.ValidationFailed,
            Extensions = { ["code"] = ProblemCodes.ValidationFailed },
        });

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });
}
