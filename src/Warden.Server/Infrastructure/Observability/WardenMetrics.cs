using System.Diagnostics.Metrics;

namespace Warden.Server.Infrastructure.Observability;

/// <summary>
/// Warden's own instruments (meter <c>Warden</c>), exported at <c>/metrics</c>. Each thing is counted at the one
/// place it happens once: sign-ins, registrations and reset requests where their events are handled (off the
/// request path), tokens where they are issued, lockouts where the throttle locks, rate-limit rejections where
/// the limiter refuses, webhook failures where a delivery fails. A counter add is an interlocked add in the
/// exporter, nothing more.
/// </summary>
public sealed class WardenMetrics
{
    public const string MeterName = "Warden";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _registrations;
    private readonly Counter<long> _passwordResetRequests;
    private readonly Counter<long> _tokensIssued;
    private readonly Counter<long> _lockouts;
    private readonly Counter<long> _rateLimitRejections;
    private readonly Counter<long> _webhookFailures;
    private readonly Counter<long> _redisFallbacks;
    private readonly Counter<long> _upstreamMigrations;

    public WardenMetrics(IMeterFactory meters)
    {
        // Created through the host's factory, so the exporter of this host sees this meter and no other host's.
        Meter = meters.Create(MeterName);
        _logins = Meter.CreateCounter<long>("warden.logins", "{attempt}",
            "Sign-in attempts that reached a verdict, by outcome (success, failure) and failure reason.");
        _registrations = Meter.CreateCounter<long>("warden.registrations", "{user}", "Accounts created.");
        _passwordResetRequests = Meter.CreateCounter<long>("warden.password_reset_requests", "{request}",
            "Password resets requested for existing accounts.");
        _tokensIssued = Meter.CreateCounter<long>("warden.tokens_issued", "{token}",
            "Access and refresh token pairs issued, by grant (sign_in, refresh).");
        _lockouts = Meter.CreateCounter<long>("warden.lockouts", "{lockout}",
            "Identifiers locked after too many failed sign-ins (existing accounts or not).");
        _rateLimitRejections = Meter.CreateCounter<long>("warden.rate_limit_rejections", "{request}",
            "Requests refused by a rate limit, by limiter (ip, identifier).");
        _webhookFailures = Meter.CreateCounter<long>("warden.webhook_delivery_failures", "{attempt}",
            "Webhook delivery attempts that failed, by result (retrying, dead).");
        _redisFallbacks = Meter.CreateCounter<long>("warden.redis_fallbacks", "{decision}",
            "Decisions taken on this node alone because the configured Redis was unreachable, by what (rate_limit).");
        _upstreamMigrations = Meter.CreateCounter<long>("warden.upstream_migrations", "{attempt}",
            "Sign-ins of unknown addresses checked with the migration upstream, by outcome (migrated, invalid, failed).");
    }

    public Meter Meter { get; }

    public void UpstreamMigration(string outcome) => _upstreamMigrations.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void LoginSucceeded() => _logins.Add(1, new KeyValuePair<string, object?>("outcome", "success"));

    public void LoginFailed(string reason) =>
        _logins.Add(1, new KeyValuePair<string, object?>("outcome", "failure"), new KeyValuePair<string, object?>("reason", reason));

    public void Registered() => _registrations.Add(1);

    public void PasswordResetRequested() => _passwordResetRequests.Add(1);

    public void TokensIssued(string grant) => _tokensIssued.Add(1, new KeyValuePair<string, object?>("grant", grant));

    public void Lockout() => _lockouts.Add(1);

    public void RateLimitRejected(string limiter) => _rateLimitRejections.Add(1, new KeyValuePair<string, object?>("limiter", limiter));

    public void RedisFallback(string what) => _redisFallbacks.Add(1, new KeyValuePair<string, object?>("what", what));

    public void WebhookDeliveryFailed(bool dead) =>
        _webhookFailures.Add(1, new KeyValuePair<string, object?>("result", dead ? "dead" : "retrying"));
}
