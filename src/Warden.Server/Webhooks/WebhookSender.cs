using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Observability;
using Warden.Server.Infrastructure.Security;

namespace Warden.Server.Webhooks;

/// <summary>
/// Sends due deliveries: claims a batch with a lease (<c>FOR UPDATE SKIP LOCKED</c> on PostgreSQL, so nodes take
/// disjoint rows), posts each signed body with a per-attempt timeout, several at once, and records the outcome:
/// delivered on any 2xx, otherwise retried with exponential backoff and jitter until the attempts run out (dead).
/// Redirects are not followed and count as failures: a receiver must answer at the URL it registered.
/// </summary>
public sealed partial class WebhookSender(
    IServiceScopeFactory scopes,
    IHttpClientFactory clients,
    SecretProtector protector,
    WardenMetrics metrics,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookSender> logger)
{
    public const string HttpClientName = "warden-webhooks";
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>Claims and sends one batch; returns how many deliveries it claimed.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var claim = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        List<(WebhookDelivery Delivery, string Url, string Secret)> batch;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
            await ClaimAsync(db, claim, now, now + Lease, settings.MaxConcurrency * 4, cancellationToken);
            batch = (await db.WebhookDeliveries.AsNoTracking()
                    .Where(d => d.ClaimId == claim)
                    .Join(db.WebhookSubscriptions, d => d.SubscriptionId, s => s.Id, (d, s) => new { Delivery = d, s.Url, s.ProtectedSecret })
                    .ToListAsync(cancellationToken))
                .Select(x => (x.Delivery, x.Url, x.ProtectedSecret))
                .ToList();
        }

        await Parallel.ForEachAsync(
            batch,
            new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = cancellationToken },
            async (item, ct) => await SendAsync(item.Delivery, item.Url, item.Secret, claim, ct));
        return batch.Count;
    }

    /// <summary>Deletes finished deliveries older than the retention period.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - options.Value.DeliveryRetention;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        return await db.WebhookDeliveries
            .Where(d => (d.Status == WebhookDeliveryStatus.Delivered || d.Status == WebhookDeliveryStatus.Dead) && d.CreatedAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
    }

    private async Task SendAsync(WebhookDelivery delivery, string url, string protectedSecret, Guid claim, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        int? status = null;
        string? error = null;
        try
        {
            var body = Encoding.UTF8.GetBytes(delivery.Payload);
            var secret = protector.Unprotect(SecretKind.WebhookSecret, protectedSecret);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(secret, time.GetUtcNow().ToUnixTimeSeconds(), body));
            request.Headers.TryAddWithoutValidation("Warden-Event-Id", delivery.EventId.ToString());
            request.Headers.TryAddWithoutValidation("Warden-Event-Type", delivery.EventType);
            request.Headers.TryAddWithoutValidation("Warden-Delivery-Id", delivery.Id.ToString());
            request.Headers.UserAgent.ParseAdd("Warden-Webhooks/1");

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(settings.Timeout);
            using var response = await clients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                error = $"The receiver answered {status}.";
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = $"No answer within {settings.Timeout.TotalSeconds:0.#} s.";
        }
        catch (HttpRequestException ex) when (Find<OutboundTargetRefusedException>(ex) is { } refused)
        {
            error = "Refused: " + refused.Message;
        }
        catch (HttpRequestException ex)
        {
            error = "Connection failed: " + ex.Message;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            error = "The subscription's secret cannot be decrypted (was the Data Protection key file replaced?).";
        }

        await RecordAsync(delivery, claim, status, error, cancellationToken);
    }

    private async Task RecordAsync(WebhookDelivery delivery, Guid claim, int? status, string? error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WardenDbContext>();
        var row = db.WebhookDeliveries.Where(d => d.Id == delivery.Id && d.ClaimId == claim);
        if (error is null)
        {
            await row.ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Delivered)
                .SetProperty(d => d.Attempts, attempts)
                .SetProperty(d => d.LastAttemptAt, now)
                .SetProperty(d => d.DeliveredAt, now)
                .SetProperty(d => d.ResponseStatus, status)
                .SetProperty(d => d.LastError, (string?)null)
                .SetProperty(d => d.NextAttemptAt, (DateTimeOffset?)null)
                .SetProperty(d => d.ClaimId, (Guid?)null)
                .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null), cancellationToken);
            return;
        }

        var dead = attempts >= settings.MaxAttempts;
        var message = error.Length > 500 ? error[..500] : error;
        await row.ExecuteUpdateAsync(s => s
            .SetProperty(d => d.Status, dead ? WebhookDeliveryStatus.Dead : WebhookDeliveryStatus.Retrying)
            .SetProperty(d => d.Attempts, attempts)
            .SetProperty(d => d.LastAttemptAt, now)
            .SetProperty(d => d.ResponseStatus, status)
            .SetProperty(d => d.LastError, message)
            .SetProperty(d => d.NextAttemptAt, dead ? null : now + settings.RetryDelay(attempts))
            .SetProperty(d => d.ClaimId, (Guid?)null)
            .SetProperty(d => d.LockedUntil, (DateTimeOffset?)null), cancellationToken);
        metrics.WebhookDeliveryFailed(dead);
        if (dead)
        {
            LogDead(logger, delivery.Id, delivery.EventType, attempts, message);
        }
        else
        {
            LogFailed(logger, delivery.Id, delivery.EventType, attempts, message);
        }
    }

    private static async Task ClaimAsync(WardenDbContext db, Guid claim, DateTimeOffset now, DateTimeOffset leaseEnds, int size, CancellationToken cancellationToken)
    {
        const string pending = nameof(WebhookDeliveryStatus.Pending);
        const string retrying = nameof(WebhookDeliveryStatus.Retrying);
        if (db.Provider == DatabaseProvider.Postgres)
        {
            await db.Database.ExecuteSqlAsync($"""
                UPDATE webhook_deliveries
                SET claim_id = {claim}, locked_until = {leaseEnds}
                WHERE id IN (
                    SELECT id FROM webhook_deliveries
                    WHERE status IN ({pending}, {retrying})
                      AND next_attempt_at <= {now}
                      AND (locked_until IS NULL OR locked_until <= {now})
                    ORDER BY next_attempt_at
                    LIMIT {size}
                    FOR UPDATE SKIP LOCKED)
                """, cancellationToken);
            return;
        }

        // SQLite has one writer at a time, so this single conditional UPDATE is the whole claim.
        await db.WebhookDeliveries
            .Where(d => (d.Status == WebhookDeliveryStatus.Pending || d.Status == WebhookDeliveryStatus.Retrying)
                && d.NextAttemptAt <= now
                && (d.LockedUntil == null || d.LockedUntil <= now))
            .OrderBy(d => d.NextAttemptAt)
            .Take(size)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimId, claim).SetProperty(d => d.LockedUntil, leaseEnds), cancellationToken);
    }

    private static T? Find<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T found)
            {
                return found;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} ({EventType}) failed on attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid deliveryId, string eventType, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} ({EventType}) is dead after {Attempts} attempts: {Error}")]
    private static partial void LogDead(ILogger logger, Guid deliveryId, string eventType, int attempts, string error);
}
