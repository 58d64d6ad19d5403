using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Warden.Server.Infrastructure.Security;
using Warden.Server.Webhooks;
using Warden.Tests.Infrastructure;
using Warden.Tests.Observability;

namespace Warden.Tests.Webhooks;

public sealed class WebhookTests
{
    [Fact]
    public async Task DeliveriesAreSignedEnvelopesThatTheReceiverCanVerify()
    {
        await using var factory = new OutsideFactory();
        await using var receiver = await HttpReceiver.StartAsync();
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        var created = await CreateAsync(admin, receiver.Url + "/hooks", ["user.registered"]);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.True(secret.Length >= 40);

        // Shown once: not in the listing, not stored as it is.
        var listing = await (await admin.Client.GetAsync("/api/v1/admin/webhooks")).Content.ReadAsStringAsync();
        Assert.Contains(created.GetProperty("id").GetString()!, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listing, StringComparison.Ordinal);
        var stored = await factory.InDbAsync(db => db.WebhookSubscriptions.Select(s => s.ProtectedSecret).SingleAsync());
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);

        var email = AuthFlows.NewEmail("hook");
        var userId = await client.RegisterAsync(email);
        await factory.WaitForEventsHandledAsync(); // profile.created and the rest are not subscribed to
        var request = await WaitForRequestAsync(receiver, 1);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks", request.Path);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("user.registered", request.Headers["Warden-Event-Type"]);
        var body = Encoding.UTF8.GetBytes(request.Body);
        var signature = request.Headers["Warden-Signature"];
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", signature);
        Assert.True(WebhookSignature.Verify(secret, signature, body, factory.Time.GetUtcNow()));
        Assert.True(ReceiverVerifies(secret, signature, request.Body), "an independent HMAC check disagrees");

        // What a receiver must refuse: another body, another secret, a replay after the window.
        Assert.False(WebhookSignature.Verify(secret, signature, Encoding.UTF8.GetBytes(request.Body.Replace(email, "evil@example.com", StringComparison.Ordinal)), factory.Time.GetUtcNow()));
        Assert.False(WebhookSignature.Verify("whsec_another-secret-entirely", signature, body, factory.Time.GetUtcNow()));
        Assert.False(WebhookSignature.Verify(secret, signature, body, factory.Time.GetUtcNow().AddMinutes(6)));

        var envelope = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(request.Headers["Warden-Event-Id"], envelope.GetProperty("id").GetString());
        Assert.Equal("user.registered", envelope.GetProperty("type").GetString());
        Assert.Equal(userId, envelope.GetProperty("subject").GetGuid());
        Assert.Equal(email, envelope.GetProperty("data").GetProperty("email").GetString());
        Assert.True(envelope.TryGetProperty("occurredAt", out _));
        Assert.Single(receiver.Requests);

        var delivery = await WaitForDeliveryAsync(admin, created.GetProperty("id").GetString(), d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(1, (await admin.Client.GetJsonAsync($"/api/v1/admin/webhooks/{created.GetProperty("id").GetString()}/deliveries")).GetProperty("total").GetInt32());
        Assert.Equal(200, delivery.GetProperty("responseStatus").GetInt32());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(request.Headers["Warden-Event-Id"], delivery.GetProperty("eventId").GetString());
    }

    [Fact]
    public async Task AFailedDeliveryIsRetriedAfterItsBackoffAndSucceeds()
    {
        await using var factory = new OutsideFactory();
        await using var receiver = await HttpReceiver.StartAsync();
        receiver.Respond(503).Respond(200);
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        var hook = (await CreateAsync(admin, receiver.Url, ["user.*"], secret: "a-secret-of-my-own-choosing")).GetProperty("id").GetString();

        await client.RegisterAsync(AuthFlows.NewEmail());
        await WaitForRequestAsync(receiver, 1);
        await WaitForAttemptsRecordedAsync(factory, 1);
        var failed = await WaitForDeliveryAsync(admin, hook, d => d.GetProperty("status").GetString() == "retrying");
        Assert.Equal(503, failed.GetProperty("responseStatus").GetInt32());
        Assert.Equal(1, failed.GetProperty("attempts").GetInt32());
        var wait = failed.GetProperty("nextAttemptAt").GetDateTimeOffset() - factory.Time.GetUtcNow();
        Assert.InRange(wait, TimeSpan.FromSeconds(47), TimeSpan.FromSeconds(73)); // one minute, ±20 % jitter

        factory.Time.Advance(TimeSpan.FromSeconds(30));
        await Task.Delay(400); // several polls: not due yet
        Assert.Single(receiver.Requests);

        factory.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await WaitForRequestAsync(receiver, 2);
        var delivered = await WaitForDeliveryAsync(admin, hook, d => d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivered.GetProperty("responseStatus").GetInt32());
        Assert.True(WebhookSignature.Verify("a-secret-of-my-own-choosing", second.Headers["Warden-Signature"], Encoding.UTF8.GetBytes(second.Body), factory.Time.GetUtcNow()));
        Assert.NotEqual(receiver.Requests.First().Headers["Warden-Signature"], second.Headers["Warden-Signature"]); // signed afresh
        Assert.Equal(receiver.Requests.First().Body, second.Body);
    }

    [Fact]
    public async Task ADeliveryThatKeepsFailingBecomesDeadAndCanBeRedelivered()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Webhooks:MaxAttempts", "3");
        await using var receiver = await HttpReceiver.StartAsync();
        receiver.Respond(500);
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        var hook = (await CreateAsync(admin, receiver.Url, ["user.registered", "profile.*"])).GetProperty("id").GetString();

        await client.RegisterAsync(AuthFlows.NewEmail());
        await factory.WaitForEventsHandledAsync();
        const int fannedOut = 2; // user.registered and profile.created
        Assert.Equal(fannedOut, await factory.InDbAsync(db => db.WebhookDeliveries.CountAsync()));
        for (var attempt = 2; attempt <= 3; attempt++)
        {
            await WaitForAttemptsRecordedAsync(factory, attempt - 1); // before the clock moves, or the backoff starts later
            factory.Time.Advance(TimeSpan.FromHours(7)); // beyond any backoff
            await WaitForRequestAsync(receiver, fannedOut * attempt);
        }

        admin = await factory.AdminClientAsync(); // hours went by

        var dead = await WaitForDeliveryAsync(admin, hook, d => d.GetProperty("status").GetString() == "dead", all: true);
        Assert.Equal(3, dead.GetProperty("attempts").GetInt32());
        Assert.Equal(500, dead.GetProperty("responseStatus").GetInt32());
        Assert.Equal(JsonValueKind.Null, dead.GetProperty("nextAttemptAt").ValueKind);
        Assert.Contains("500", dead.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        factory.Time.Advance(TimeSpan.FromDays(2));
        await Task.Delay(400);
        Assert.Equal(fannedOut * 3, receiver.Requests.Count); // dead means no more attempts
        admin = await factory.AdminClientAsync(); // days went by

        var metrics = await MetricsTests.ScrapeAsync(client);
        Assert.Equal(fannedOut * 2, metrics.Value("warden_webhook_delivery_failures_total", ("result", "retrying")));
        Assert.Equal(fannedOut, metrics.Value("warden_webhook_delivery_failures_total", ("result", "dead")));

        // The receiver is fixed; an administrator sends it again.
        receiver.Respond(200);
        var redelivered = await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/webhooks/{hook}/deliveries/{dead.GetProperty("id").GetString()}/redeliver")).ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal("pending", redelivered.GetProperty("status").GetString());
        await WaitForDeliveryAsync(admin, hook, d => d.GetProperty("id").GetString() == dead.GetProperty("id").GetString()
                                                             && d.GetProperty("status").GetString() == "delivered");
        Assert.Equal(fannedOut * 3 + 1, receiver.Requests.Count);
    }

    [Fact]
    public async Task ASlowReceiverTimesOutWithoutHoldingUpTheEventsOtherHandlers()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Webhooks:Timeout", "00:00:01.500");
        await using var receiver = await HttpReceiver.StartAsync();
        receiver.Respond(200, TimeSpan.FromSeconds(10));
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        var hook = (await CreateAsync(admin, receiver.Url, ["*"])).GetProperty("id").GetString();

        var userId = await client.RegisterAsync(AuthFlows.NewEmail());
        await WaitForRequestAsync(receiver, 3); // webhook.created, user.registered, profile.created, all at once
        // The receiver is still sitting on the request, and the event is already done with: audited, mailed, fanned out.
        await factory.WaitForEventsHandledAsync(TimeSpan.FromSeconds(1));
        Assert.True(await factory.InDbAsync(db => db.AuditLog.AnyAsync(e => e.SubjectId == userId && e.Action == "user.registered")));

        var timedOut = await WaitForDeliveryAsync(admin, hook, d => d.GetProperty("status").GetString() == "retrying");
        Assert.Equal(JsonValueKind.Null, timedOut.GetProperty("responseStatus").ValueKind);
        Assert.StartsWith("No answer within 1.5 s", timedOut.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    public static readonly string[] InternalTargets =
    [
        "http://127.0.0.1:8080/hook",
        "http://127.1.2.3/",
        "http://localhost:8080/hook",
        "http://api.localhost/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.5/",
        "http://172.20.1.1/",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[64:ff9b::a00:1]/",
        "http://2130706433/",
        "http://0x7f000001/",
        "https://[::ffff:0:7f00:1]/",          // SIIT / RFC 6052 IPv4-translated form of 127.0.0.1
        "https://[64:ff9b:1::7f00:1]/",        // RFC 8215 local-use NAT64 prefix
        "https://[64:ff9b:1:7f00:0:100:5db8:d70e]/",
        "https://[::127.0.0.1]/",              // IPv4-compatible
        "https://[2002:a00:1::1]/",            // 6to4 around 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", // Teredo: client 10.0.0.1
    ];

    [Fact]
    public async Task TargetsInsideTheNetworkAreRefusedAtCreation()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Network:AllowPrivateTargets", "false");
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();
        foreach (var url in InternalTargets)
        {
            var response = await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks", new { url, eventTypes = new[] { "*" } });
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty("url", out _), url);
        }

        Assert.Equal(0, await factory.InDbAsync(db => db.WebhookSubscriptions.CountAsync()));
    }

    [Fact]
    public async Task ATargetThatResolvesInsideTheNetworkAtDeliveryTimeIsRefusedAfterResolution()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Network:AllowPrivateTargets", "false");
        await using var receiver = await HttpReceiver.StartAsync();
        // A name that resolved to a public address when it was checked and to loopback now (DNS rebinding):
        // the subscription is written as the creation check would have let it through.
        var port = new Uri(receiver.Url).Port;
        await factory.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<Warden.Server.Infrastructure.Database.WardenDbContext>();
            db.WebhookSubscriptions.Add(new WebhookSubscription
            {
                Url = $"http://localhost:{port}/rebound",
                EventTypes = "user.registered",
                ProtectedSecret = services.GetRequiredService<SecretProtector>().Protect(SecretKind.WebhookSecret, WebhookSignature.NewSecret()),
                CreatedAt = factory.Time.GetUtcNow(),
            });
            await db.SaveChangesAsync();
        });

        await factory.CreateClient().RegisterAsync(AuthFlows.NewEmail());
        var delivery = await RefusedDeliveryAsync(factory);

        Assert.StartsWith("Refused: localhost resolves only to", delivery.LastError, StringComparison.Ordinal);
        Assert.Null(delivery.ResponseStatus);
        Assert.Empty(receiver.Requests);
    }

    [Theory]
    [InlineData("::ffff:0:7f00:1")]
    [InlineData("64:ff9b:1::7f00:1")]
    public async Task AnAddressInsideTheNetworkInAnotherIpv6FormIsRefusedAtConnect(string address)
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Network:AllowPrivateTargets", "false");
        await AddSubscriptionAsync(factory, $"http://[{address}]:8080/hook"); // as if written before the creation check knew the form

        await factory.CreateClient().RegisterAsync(AuthFlows.NewEmail());
        var delivery = await RefusedDeliveryAsync(factory);

        Assert.StartsWith("Refused: ", delivery.LastError, StringComparison.Ordinal);
    }

    private static Task AddSubscriptionAsync(WardenFactory factory, string url) => factory.InScopeAsync(async services =>
    {
        var db = services.GetRequiredService<Warden.Server.Infrastructure.Database.WardenDbContext>();
        db.WebhookSubscriptions.Add(new WebhookSubscription
        {
            Url = url,
            EventTypes = "user.registered",
            ProtectedSecret = services.GetRequiredService<SecretProtector>().Protect(SecretKind.WebhookSecret, WebhookSignature.NewSecret()),
            CreatedAt = factory.Time.GetUtcNow(),
        });
        await db.SaveChangesAsync();
    });

    [Fact]
    public async Task SubscriptionsAreValidatedAndOnlyForAdminSystem()
    {
        await using var factory = new OutsideFactory();
        factory.With("Warden:Webhooks:RequireHttps", "true");
        var client = factory.CreateClient();
        var admin = await factory.AdminClientAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/admin/webhooks")).StatusCode);
        var (_, user) = await factory.SignedInUserAsync(client);
        await (await factory.CreateClientFor(user).SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks",
            new { url = "https://example.com/hook", eventTypes = new[] { "*" } })).AssertProblemAsync(HttpStatusCode.Forbidden);

        foreach (var (body, field) in new (object Body, string Field)[]
                 {
                     (new { eventTypes = new[] { "*" } }, "url"),
                     (new { url = "ftp://example.com/", eventTypes = new[] { "*" } }, "url"),
                     (new { url = "http://example.com/", eventTypes = new[] { "*" } }, "url"), // https required
                     (new { url = "https://user:pw@example.com/", eventTypes = new[] { "*" } }, "url"),
                     (new { url = "/relative", eventTypes = new[] { "*" } }, "url"),
                     (new { url = "https://example.com/" }, "eventTypes"),
                     (new { url = "https://example.com/", eventTypes = new[] { "user.registerd" } }, "eventTypes"),
                     (new { url = "https://example.com/", eventTypes = new[] { "*" }, secret = "short" }, "secret"),
                 })
        {
            var problem = await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks", body))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{JsonSerializer.Serialize(body)}: {problem}");
        }

        // Removing a subscription removes its deliveries; unknown ids are 404 everywhere.
        var id = (await CreateAsync(admin, "https://example.com/hook", ["user.registered"])).GetProperty("id").GetString();
        await client.RegisterAsync(AuthFlows.NewEmail());
        await factory.WaitForEventsHandledAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/webhooks/{id}")).StatusCode);
        Assert.Equal(0, await factory.InDbAsync(db => db.WebhookDeliveries.CountAsync()));
        await (await admin.Client.SendAsync(HttpMethod.Delete, $"/api/v1/admin/webhooks/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.GetAsync($"/api/v1/admin/webhooks/{id}/deliveries")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.Client.SendAsync(HttpMethod.Post, $"/api/v1/admin/webhooks/{id}/deliveries/{Guid.NewGuid()}/redeliver"))
            .AssertProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<JsonElement> CreateAsync(SignedInUser admin, string url, string[] eventTypes, string? secret = null) =>
        await (await admin.Client.SendAsync(HttpMethod.Post, "/api/v1/admin/webhooks", new { url, eventTypes, secret }))
            .ReadJsonAsync(HttpStatusCode.Created);

    private static Task WaitForAttemptsRecordedAsync(WardenFactory factory, int attempts) =>
        Eventually.TrueAsync(
            () => factory.InDbAsync(db => db.WebhookDeliveries.AllAsync(d => d.Attempts == attempts && d.ClaimId == null)),
            $"every delivery to have {attempts} attempt(s) recorded");

    private static async Task<ReceivedRequest> WaitForRequestAsync(HttpReceiver receiver, int count)
    {
        await Eventually.TrueAsync(() => Task.FromResult(receiver.Requests.Count >= count), $"{count} webhook request(s)");
        return receiver.Requests.ElementAt(count - 1);
    }

    private static async Task<JsonElement> WaitForDeliveryAsync(SignedInUser admin, string? hook, Func<JsonElement, bool> match, bool all = false)
    {
        JsonElement found = default;
        await Eventually.TrueAsync(async () =>
        {
            var items = (await admin.Client.GetJsonAsync($"/api/v1/admin/webhooks/{hook}/deliveries?size=100")).GetProperty("items").EnumerateArray().ToList();
            if (items.Count == 0 || (all ? !items.All(match) : !items.Any(match)))
            {
                return false;
            }

            found = items.First(match);
            return true;
        }, "a matching delivery");
        return found;
    }

    /// <summary>The receiver's side as README describes it, without Warden's code: HMAC-SHA256 over "{t}.{body}".</summary>
    private static bool ReceiverVerifies(string secret, string header, string body)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var expected = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{parts["t"]}.{body}"));
        return Convert.ToHexStringLower(expected) == parts["v1"];
    }

    /// <summary>The one delivery of this server, once it has been refused and waits for its retry.</summary>
    private static async Task<WebhookDelivery> RefusedDeliveryAsync(WardenFactory factory)
    {
        WebhookDelivery? delivery = null;
        await Eventually.TrueAsync(async () =>
        {
            delivery = await factory.InDbAsync(db => db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync());
            return delivery?.Status == WebhookDeliveryStatus.Retrying;
        }, "the delivery to be refused");
        return delivery!;
    }
}
