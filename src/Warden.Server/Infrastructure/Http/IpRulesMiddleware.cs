using System.Globalization;

namespace Warden.Server.Infrastructure.Http;

/// <summary>Marks an endpoint an automatic block closes: sign-in, registration, password reset, second factors.</summary>
public sealed class CredentialEndpointMetadata
{
    public static readonly CredentialEndpointMetadata Instance = new();

    private CredentialEndpointMetadata()
    {
    }
}

public static class CredentialEndpoints
{
    /// <summary>An automatically blocked client is refused here (<see cref="IpRulesMiddleware"/>).</summary>
    public static TBuilder ClosedToBlockedClients<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(CredentialEndpointMetadata.Instance);
}

/// <summary>
/// Applies the IP rules (<see cref="IpRuleSet"/>) to every request, after trusted-proxy resolution and routing (the
/// endpoint says whether it is a credential endpoint) and before anything else does work: authentication, rate
/// limits, the body, the handler. Refused requests get a 403 problem. The rules come from memory only.
/// </summary>
internal sealed class IpRulesMiddleware(RequestDelegate next, IpRuleCache cache, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var rules = await cache.GetAsync(http.RequestAborted);
        var credential = http.GetEndpoint()?.Metadata.GetMetadata<CredentialEndpointMetadata>() is not null;
        switch (rules.Decide(http.Connection.RemoteIpAddress, credential, time.GetUtcNow(), out var until))
        {
            case IpVerdict.Denied:
                await ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.IpDenied, "Requests from this address are refused.")
                    .ExecuteAsync(http);
                return;
            case IpVerdict.Blocked:
                var seconds = Math.Max(1, (int)Math.Ceiling((until - time.GetUtcNow()).TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.Problem(StatusCodes.Status403Forbidden, ProblemCodes.IpBlocked,
                    "Too many failed sign-ins from this address. Try again later.").ExecuteAsync(http);
                return;
            default:
                await next(http);
                return;
        }
    }
}
