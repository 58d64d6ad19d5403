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
        406 => "not_acceptable",
        408 => "request_timeout",
        409 => ProblemCodes.Conflict,
        413 => ProblemCodes.PayloadTooLarge,
        415 => ProblemCodes.UnsupportedMediaType,
        429 => ProblemCodes.RateLimited,
        503 => ProblemCodes.Unavailable,
        >= 500 => ProblemCodes.InternalError,
        _ => "error",
    };
}

public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string MalformedRequest = "malformed_request";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Conflict = "conflict";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string Unavailable = "unavailable";
    public const string InternalError = "internal_error";
}
