using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Authentication;

/// <summary>Token buckets for the anonymous authentication endpoints (<c>Warden:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Warden:RateLimits";

    /// <summary>Requests to /api/v1/auth/* per client IP: bucket size, refilled fully every minute.</summary>
    public int AuthPerIpPerMinute { get; set; } = 60;

    /// <summary>Login attempts per identifier (email or username) per minute, on top of the lockout.</summary>
    public int LoginPerIdentifierPerMinute { get; set; } = 10;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.AuthPerIpPerMinute < 1 || options.LoginPerIdentifierPerMinute < 1,
            "Warden:RateLimits:AuthPerIpPerMinute and LoginPerIdentifierPerMinute must be at least 1.");
        return errors.Build();
    }
}

public static class RateLimitSetup
{
    public const string AuthPolicy = "auth";

    public static IServiceCollection AddWardenRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(configuration, RateLimitOptions.Section);
        services.AddSingleton<LoginRateLimiter>();
        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = RateLimitProblems.Seconds(retryAfter);
                }

                context.HttpContext.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.HttpContext.RequestServices.GetRequiredService<WardenMetrics>().RateLimitRejected("ip");
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests. Slow down.",
                        Extensions = { ["code"] = ProblemCodes.RateLimited },
                    },
                });
            };

            // Partitioned by the client IP, which comes from X-Forwarded-For only when a trusted proxy sent it
            // (ForwardedHeaders runs first and ignores everyone else's header).
            limiter.AddPolicy(AuthPolicy, http =>
            {
                var permits = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.AuthPerIpPerMinute;
                return RateLimitPartition.GetTokenBucketLimiter(
                    ClientPartition.Key(http),
                    _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = permits,
                        TokensPerPeriod = permits,
                        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
            });
        });
        return services;
    }
}

/// <summary>Login attempts per identifier, so a botnet of many IPs still cannot hammer one account.</summary>
public sealed class LoginRateLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.LoginPerIdentifierPerMinute,
            TokensPerPeriod = options.Value.LoginPerIdentifierPerMinute,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public RateLimitLease Acquire(string identifierKey) => _limiter.AttemptAcquire(identifierKey);

    public void Dispose() => _limiter.Dispose();
}

public static class RateLimitProblems
{
    public static string Seconds(TimeSpan retryAfter) =>
        ((int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds))).ToString(CultureInfo.InvariantCulture);

    public static ProblemHttpResult TooManyRequests(HttpContext http, RateLimitLease lease)
    {
        http.RequestServices.GetRequiredService<WardenMetrics>().RateLimitRejected("identifier");
        http.Response.Headers.RetryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Seconds(retryAfter) : "60";
        return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests. Slow down.");
    }
}
