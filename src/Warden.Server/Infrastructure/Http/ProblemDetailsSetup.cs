using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Warden.Server.Infrastructure.Http;

public static partial class ProblemDetailsSetup
{
    public static IServiceCollection AddWardenProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (!problem.Extensions.TryGetValue("code", out var code) || code is not string)
            {
                code = ApiProblems.CodeForStatus(status);
                problem.Extensions["code"] = code;
            }

            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
            {
                problem.Type = ApiProblems.TypePrefix + code;
            }
        });
        services.AddExceptionHandler<WardenExceptionHandler>();

        // Binding failures (malformed JSON, wrong types, wrong content type) become exceptions so that the
        // handler below can answer them with a precise problem instead of an empty 400.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }
}

internal sealed partial class WardenExceptionHandler(IProblemDetailsService problems, ILogger<WardenExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is BadHttpRequestException bad)
        {
            var code = ApiProblems.CodeForStatus(bad.StatusCode);
            problem = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode switch
                {
                    413 => "The request body is too large.",
                    415 => "The request body must be application/json.",
                    _ => "The request could not be read.",
                },
                Detail = Describe(bad),
                Extensions = { ["code"] = code },
            };
        }
        else if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return true;
        }
        else
        {
            // Unexpected: log everything, tell the client nothing about the internals.
            LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "An unexpected error occurred.",
                Extensions = { ["code"] = ProblemCodes.InternalError },
            };
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    private static string? Describe(BadHttpRequestException exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json.Path is { Length: > 0 } path
                    ? $"The request body is not valid JSON for this endpoint (at {path})."
                    : "The request body is not valid JSON.";
            }
        }

        return exception.StatusCode switch
        {
            415 => "Send the body with Content-Type: application/json.",
            413 => null,
            _ => exception.Message.Contains("required", StringComparison.OrdinalIgnoreCase)
                ? "A required value is missing from the request."
                : "The request is malformed.",
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
