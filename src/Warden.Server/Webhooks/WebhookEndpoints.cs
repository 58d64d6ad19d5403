using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Warden.Server.Audit;
using Warden.Server.Authorization;
using Warden.Server.Events;
using Warden.Server.Infrastructure.Database;
using Warden.Server.Infrastructure.Http;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Users;

namespace Warden.Server.Webhooks;

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Secret, string? Description);

public sealed record WebhookView(Guid Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt, Guid? CreatedBy);

/// <summary>The creation answer: the only time the secret is shown.</summary>
public sealed record CreatedWebhook(Guid Id, string Url, IReadOnlyList<string> EventTypes, string? Description, DateTimeOffset CreatedAt, Guid? CreatedBy, string Secret);

public sealed record WebhookDeliveryView(
    Guid Id, Guid EventId, string EventType, string Status, int Attempts, int? ResponseStatus, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt);

public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryView> Items, int Page, int Size, int Total);

/// <summary>Webhook subscriptions and their deliveries (<c>/api/v1/admin/webhooks</c>, permission <c>admin:system</c>).</summary>
public static class WebhookEndpoints
{
    public static RouteGroupBuilder MapWebhookEndpoints(this RouteGroupBuilder hooks)
    {
        hooks.WithTags("Webhooks").RequireAuthorization(PermissionPolicies.AdminSystem);
        hooks.MapGet("", ListAsync).WithName("ListWebhooks").WithSummary("Webhook subscriptions (secrets are never shown again).");
        hooks.MapPost("", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Subscribe a URL to event types; the answer holds the signing secret, shown this once.");
        hooks.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteWebhook").WithSummary("Remove a subscription and its deliveries.");
        hooks.MapGet("/{id:guid}/deliveries", ListDeliveriesAsync).WithName("ListWebhookDeliveries")
            .WithSummary("A subscription's deliveries, newest first, with status, response code and attempts.");
        hooks.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/redeliver", RedeliverAsync).WithName("RedeliverWebhook")
            .WithSummary("Send a delivery again now, with a fresh series of attempts.");
        hooks.MapPost("/{id:guid}/test", SendTestAsync).WithName("TestWebhook")
            .WithSummary("Send the subscription a webhook.test event now, signed and retried like any delivery.");
        return hooks;
    }

    public static async Task<Ok<List<WebhookView>>> ListAsync(WardenDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.WebhookSubscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ThenBy(s => s.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(s => new WebhookView(s.Id, s.Url, s.EventTypeList, s.Description, s.CreatedAt, s.CreatedBy)).ToList());
    }

    public static async Task<Results<Created<CreatedWebhook>, ValidationProblem>> CreateAsync(
        CreateWebhookRequest request,
        ClaimsPrincipal principal,
        WardenDbContext db,
        SecretProtector protector,
        IOptions<WebhookOptions> options,
        IOptions<NetworkOptions> network,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var url = await ValidateUrlAsync(request.Url, options.Value, network.Value.AllowPrivateTargets, errors, cancellationToken);
        var types = ValidateEventTypes(request.EventTypes, errors);
        if (request.Secret is { } given && (given.Length is < 16 or > 200 || given.Any(char.IsControl)))
        {
            errors["secret"] = ["A secret must be 16 to 200 printable characters; leave it out to have one generated."];
        }

        if (request.Description is { Length: > 500 })
        {
            errors["description"] = ["The description is at most 500 characters."];
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        var secret = request.Secret ?? WebhookSignature.NewSecret();
        var now = time.GetUtcNow();
        var subscription = new WebhookSubscription
        {
            Url = url!.AbsoluteUri,
            EventTypes = string.Join(' ', types),
            ProtectedSecret = protector.Protect(SecretKind.WebhookSecret, secret),
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            CreatedAt = now,
            CreatedBy = principal.UserId(),
        };
        db.WebhookSubscriptions.Add(subscription);
        // The URL stays out of the event: receivers often carry a secret of their own in it.
        db.AddEvent(EventTypes.WebhookCreated, null, new { webhookId = subscription.Id, host = url.Host, eventTypes = types }, now);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/admin/webhooks/{subscription.Id}", new CreatedWebhook(
            subscription.Id, subscription.Url, types, subscription.Description, subscription.CreatedAt, subscription.CreatedBy, secret));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, WardenDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await db.WebhookSubscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return ApiProblems.NotFound("No such webhook.");
        }

        db.WebhookSubscriptions.Remove(subscription);
        db.AddEvent(EventTypes.WebhookDeleted, null, new { webhookId = id }, time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<WebhookDeliveryPage>, ProblemHttpResult, ValidationProblem>> ListDeliveriesAsync(
        Guid id, WardenDbContext db, CancellationToken cancellationToken, string? page = null, string? size = null)
    {
        var errors = new Dictionary<string, string[]>();
        var pageNumber = AuditEndpoints.ParseInt(page, 1, "page", 1, int.MaxValue / AuditEndpoints.MaxPageSize, errors);
        var pageSize = AuditEndpoints.ParseInt(size, 20, "size", 1, AuditEndpoints.MaxPageSize, errors);
        if (errors.Count > 0)
        {
            return ApiProblems.Validation(errors);
        }

        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == id, cancellationToken))
        {
            return ApiProblems.NotFound("No such webhook.");
        }

        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Skip((pageNumber - 1) * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return TypedResults.Ok(new WebhookDeliveryPage(rows.Select(View).ToList(), pageNumber, pageSize, total));
    }

    public static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> RedeliverAsync(
        Guid id, Guid deliveryId, WardenDbContext db, WebhookSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // The reset and its audit event commit together.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Not while an attempt is in flight: the lease says a sender holds it.
        var updated = await db.WebhookDeliveries
            .Where(d => d.Id == deliveryId && d.SubscriptionId == id && (d.LockedUntil == null || d.LockedUntil <= now))
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.Status, WebhookDeliveryStatus.Pending)
                .SetProperty(d => d.Attempts, 0)
                .SetProperty(d => d.NextAttemptAt, now), cancellationToken);
        var delivery = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == deliveryId && d.SubscriptionId == id, cancellationToken);
        if (delivery is null)
        {
            return ApiProblems.NotFound("No such delivery.");
        }

        if (updated == 0)
        {
            return ApiProblems.Problem(StatusCodes.Status409Conflict, ProblemCodes.Conflict, "The delivery is being sent right now.");
        }

        db.AddEvent(EventTypes.WebhookRedeliveryRequested, null, new { webhookId = id, deliveryId, eventType = delivery.EventType }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        signal.Wake();
        return TypedResults.Accepted($"/api/v1/admin/webhooks/{id}/deliveries", View(delivery));
    }

    /// <summary>
    /// A <c>webhook.test</c> delivery for this subscription alone: written as a delivery row (not an outbox event, which
    /// would fan out to every subscription of <c>*</c>), so the sender signs, sends and retries it as any other and its
    /// status shows among the deliveries. The request itself is an event (<c>webhook.test_requested</c>), audited.
    /// </summary>
    public static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> SendTestAsync(
        Guid id, WardenDbContext db, WebhookSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await db.WebhookSubscriptions.AnyAsync(s => s.Id == id, cancellationToken))
        {
            return ApiProblems.NotFound("No such webhook.");
        }

        var now = time.GetUtcNow();
        var test = new OutboxMessage { Type = EventTypes.WebhookTest, Data = JsonSerializer.Serialize(new { webhookId = id }), OccurredAt = now };
        var delivery = new WebhookDelivery
        {
            SubscriptionId = id,
            EventId = test.Id,
            EventType = test.Type,
            Payload = Encoding.UTF8.GetString(EventEnvelope.Serialize(test)),
            CreatedAt = now,
            NextAttemptAt = now,
        };
        db.WebhookDeliveries.Add(delivery);
        db.AddEvent(EventTypes.WebhookTestRequested, null, new { webhookId = id, deliveryId = delivery.Id }, now);
        await db.SaveChangesAsync(cancellationToken);
        signal.Wake();
        return TypedResults.Accepted($"/api/v1/admin/webhooks/{id}/deliveries", View(delivery));
    }

    private static WebhookDeliveryView View(WebhookDelivery d) => new(
        d.Id, d.EventId, d.EventType, d.Status.ToString().ToLowerInvariant(), d.Attempts, d.ResponseStatus, d.LastError,
        d.CreatedAt, d.LastAttemptAt, d.NextAttemptAt, d.DeliveredAt);

    private static async Task<Uri?> ValidateUrlAsync(string? value, WebhookOptions options, bool allowPrivateTargets, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 2000
            || !Uri.TryCreate(value.Trim(), UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            errors["url"] = ["An absolute http(s) URL of at most 2000 characters is required."];
            return null;
        }

        if (options.RequireHttps && url.Scheme != Uri.UriSchemeHttps)
        {
            errors["url"] = ["The URL must use https (Warden:Webhooks:RequireHttps)."];
            return null;
        }

        if (url.UserInfo.Length > 0 || url.Fragment.Length > 0)
        {
            errors["url"] = ["The URL may not contain credentials or a fragment."];
            return null;
        }

        if (!allowPrivateTargets && await OutboundTargets.IsInternalAsync(url, cancellationToken))
        {
            errors["url"] = ["The URL points at a loopback, private or link-local address, which webhooks may not reach."];
            return null;
        }

        return url;
    }

    private static List<string> ValidateEventTypes(IReadOnlyList<string>? requested, Dictionary<string, string[]> errors)
    {
        if (requested is null || requested.Count == 0)
        {
            errors["eventTypes"] = ["List the event types to receive, or [\"*\"] for all."];
            return [];
        }

        var known = EventTypes.All;
        var unknown = requested.Where(t => t is null || !(t == "*"
                || known.Contains(t)
                || (t.EndsWith(".*", StringComparison.Ordinal) && known.Any(k => k.StartsWith(t[..^1], StringComparison.Ordinal)))))
            .ToList();
        if (unknown.Count > 0 || requested.Count > 100)
        {
            errors["eventTypes"] = [$"Unknown event types: {string.Join(", ", unknown.Take(10).Select(t => t ?? "null"))}. " +
                                    "Use the types of docs/events.md, prefix.* or *."];
            return [];
        }

        return [.. requested.Distinct(StringComparer.Ordinal)];
    }
}
