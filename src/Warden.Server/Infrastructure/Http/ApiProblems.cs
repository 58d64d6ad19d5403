using Microsoft.AspNetCore.Http.HttpResults;

namespace Warden.Server.Infrastructure.Http;

/// <summary>
/// Problem details (RFC 9457) keyed by stable codes that clients switch on; titles are for people and may change.
/// </summary>
public static class ApiProblems
{
    public const string TypePrefix = "urn:warden:problem:";

    public static ProblemHttpResult Problem(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = TypePrefix + code,
            Extensions = { ["code"] = code },
        });

    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string code = ProblemCodes.ValidationFailed, string? title = null) =>
        TypedResults.ValidationProblem(
            errors,
            title: title ?? "The request has invalid fields.",
            type: TypePrefix + code,
            extensions: new Dictionary<string, object?> { ["code"] = code });

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>
    /// A 400 validation problem like <see cref="Validation(IDictionary{string, string[]}, string, string?)"/>, carried in a
    /// <see cref="ProblemHttpResult"/> so that endpoints with several failure kinds declare one result type.
    /// </summary>
    public static ProblemHttpResult ValidationProblem(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request has invalid fields.",
            Type = TypePrefix + ProblemCodes.ValidationFailed,
            Extensions = { ["code"] = ProblemCodes.ValidationFailed },
        });

    public static ProblemHttpResult ValidationProblem(string field, string message) =>
        ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>A 400 naming every required field that is empty, or null when none is.</summary>
    public static ValidationProblem? Missing(params (string Field, string? Value, string Message)[] fields)
    {
        var missing = fields.Where(f => string.IsNullOrEmpty(f.Value)).ToDictionary(f => f.Field, f => new[] { f.Message });
        return missing.Count == 0 ? null : Validation(missing);
    }

    public static ProblemHttpResult NotFound(string title = "Not found.") =>
        Problem(StatusCodes.Status404NotFound, ProblemCodes.NotFound, title);

    /// <summary>The code used when nothing more specific was set, derived from the status.</summary>
    public static string CodeForStatus(int status) => status switch
    {
        400 => ProblemCodes.MalformedRequest,
        401 => ProblemCodes.Unauthorized,
        403 => ProblemCodes.Forbidden,
        404 => ProblemCodes.NotFound,
        405 => ProblemCodes.MethodNotAllowed,
        406 => ProblemCodes.NotAcceptable,
        408 => ProblemCodes.RequestTimeout,
        409 => ProblemCodes.Conflict,
        413 => ProblemCodes.PayloadTooLarge,
        415 => ProblemCodes.UnsupportedMediaType,
        429 => ProblemCodes.RateLimited,
        503 => ProblemCodes.Unavailable,
        >= 500 => ProblemCodes.InternalError,
        _ => ProblemCodes.Error,
    };
}
