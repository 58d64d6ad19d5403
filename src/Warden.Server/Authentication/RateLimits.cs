using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Caching;
using Warden.Server.Infrastructure.Hosting;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;

namespace Warden.Server.Authentication;

/// <summary>
/// Token buckets for the anonymous authentication endpoints (<c>Warden:RateLimits</c>), one set for all nodes when
/// Redis is configured (<see cref="SharedTokenBuckets"/>).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Warden:RateLimits";

    /// <summary>Requests to /api/v1/auth/* per client IP: bucket size, refilled fully every minute.</summary>
    public int AuthPerIpPerMinute { get; set; } = 60;

    /// <summary>Login attempts per identifier (email or username) per minute, on top of the lockout.</summary>
    public int LoginPerIdentifierPerMinute { get; set; } = 10;

    /// <summary>Device user codes one account may try per minute on /account/device (on top of the per-IP limit).</summary>
    public int DeviceCodePerAccountPerMinute { get; set; } = 5;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new ValidateOptionsResultBuilder();
        errors.AddErrorIf(options.AuthPerIpPerMinute < 1 || options.LoginPerIdentifierPerMinute < 1,
            "Warden:RateLimits:AuthPerIpPerMinute and LoginPerIdentifierPerMinute must be at least 1.");
        errors.AddErrorIf(options.DeviceCodePerAccountPerMinute < 1, "Warden:RateLimits:DeviceCodePerAccountPerMinute must be at least 1.");
        return errors.Build();
    }
}

public static class RateLimitSetup
{
    public const string AuthPolicy = "auth";

    public static IServiceCollection AddWardenRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(configuration, RateLimitOptions.Section);
        services.AddSingleton<SharedTokenBuckets>();
        services.AddSingleton<LoginRateLimiter>();
        services.AddSingleton<DeviceCodeRateLimiter>();
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
                var buckets = http.RequestServices.GetRequiredService<SharedTokenBuckets>();
                return RateLimitPartition.Get(ClientPartition.Key(http), key => new SharedBucketLimiter(buckets, "auth-ip", key, permits));
            });
        });
        return services;
    }
}

/// <summary>Login attempts per identifier, so a botnet of many IPs still cannot hammer one account.</summary>
public sealed class LoginRateLimiter(SharedTokenBuckets buckets, IOptions<RateLimitOptions> options)
{
    public ValueTask<RateLimitLease> AcquireAsync(string identifierKey, CancellationToken cancellationToken) =>
        buckets.AcquireAsync("login", identifierKey, options.Value.LoginPerIdentifierPerMinute, cancellationToken);
}

/// <summary>
/// Device user codes tried per account (<c>/account/device</c>): with the per-IP limit, a signed-in attacker cannot
/// guess codes faster than this from any number of addresses.
/// </summary>
public sealed class DeviceCodeRateLimiter(SharedTokenBuckets buckets, IOptions<RateLimitOptions> options)
{
    public ValueTask<RateLimitLease> AcquireAsync(Guid userId, CancellationToken cancellationToken) =>
        buckets.AcquireAsync("device-code", userId.ToString("N"), options.Value.DeviceCodePerAccountPerMinute, cancellationToken);
}

/// <summary>
/// One client address's bucket as the rate-limiting middleware sees it. The middleware tries <see cref="AttemptAcquireCore"/>
/// first and waits on <see cref="AcquireAsyncCore"/> when that fails; the shared bucket needs a round trip to Redis,
/// so only the second answers.
/// </summary>
internal sealed class SharedBucketLimiter(SharedTokenBuckets buckets, string bucket, string key, int perMinute) : RateLimiter
{
    private static readonly RateLimitLease NotYet = new NotAcquired();
    private long _idleSince = System.Diagnostics.Stopwatch.GetTimestamp();

    public override TimeSpan? IdleDuration => System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref _idleSince));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => NotYet;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _idleSince, System.Diagnostics.Stopwatch.GetTimestamp());
        return await buckets.AcquireAsync(bucket, key, perMinute, cancellationToken);
    }

    private sealed class NotAcquired : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
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
